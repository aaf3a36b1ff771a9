/**
 * How one call's settings are read: a governance rule's value, then the
 * reference's (consumer URL), then the provider's; on each URL
 * `methods.<m>.<key>` and `<m>.<key>` before the plain key.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServiceUrl, type UrlParams } from '../../../registry/service-url.js';
import { callNumberParam, callParam, referenceNumberParam, referenceParam, ruleParam } from '../../../rpc/cluster/reference-params.js';
import { consumerUrl, providerUrl, SERVICE, TestInvoker } from './test-invoker.js';

class RuledInvoker extends TestInvoker {
  readonly ruleUrl: ServiceUrl;
  constructor(rule: UrlParams, params: UrlParams = {}) {
    super(1, undefined, params);
    this.ruleUrl = new ServiceUrl({ protocol: 'override', host: '0.0.0.0', port: 0, path: SERVICE, params: rule });
  }
}

describe('reference params', () => {
  it('prefers method-scoped keys, in both spellings, over the plain one', () => {
    const consumer = consumerUrl({ timeout: '1000', 'methods.a.timeout': '2000', 'b.timeout': '3000' });
    assert.equal(referenceParam(consumer, undefined, 'a', 'timeout'), '2000');
    assert.equal(referenceParam(consumer, undefined, 'b', 'timeout'), '3000');
    assert.equal(referenceParam(consumer, undefined, 'c', 'timeout'), '1000');
  });

  it("takes the reference's value over the provider's, even a plain one over a method-scoped one", () => {
    const provider = providerUrl(1, { timeout: '500', 'methods.a.timeout': '600', retries: '4' });
    assert.equal(referenceParam(consumerUrl({ timeout: '1000' }), provider, 'a', 'timeout'), '1000');
    assert.equal(referenceParam(consumerUrl(), provider, 'a', 'timeout'), '600');
    assert.equal(referenceParam(consumerUrl(), provider, 'a', 'retries'), '4');
    assert.equal(referenceParam(consumerUrl(), undefined, 'a', 'retries'), undefined);
  });

  it("takes a rule's value over both, per method too", () => {
    const ruled = new RuledInvoker({ retries: '0', 'methods.b.retries': '5' }, { retries: '4' });
    const consumer = consumerUrl({ retries: '3' });
    assert.equal(callParam(consumer, ruled, 'a', 'retries'), '0');
    assert.equal(callParam(consumer, ruled, 'b', 'retries'), '5');
    assert.equal(callParam(consumer, ruled, 'a', 'timeout'), undefined);
    assert.equal(ruleParam(ruled, 'a', 'retries'), '0');
    assert.equal(ruleParam(new TestInvoker(1, undefined, { retries: '4' }), 'a', 'retries'), undefined, 'a plain provider has no rule');
    assert.equal(ruleParam(undefined, 'a', 'retries'), undefined);
    assert.equal(callParam(consumer, new TestInvoker(1, undefined, { retries: '4' }), 'a', 'retries'), '3');
  });

  it('reads numbers, giving the fallback for a missing or non-numeric value', () => {
    const consumer = consumerUrl({ timeout: '250', forks: 'many', weight: 'Infinity' });
    const provider = providerUrl(1, { retries: '4' });
    assert.equal(referenceNumberParam(consumer, provider, 'a', 'timeout', 1000), 250);
    assert.equal(referenceNumberParam(consumer, provider, 'a', 'retries', 2), 4);
    assert.equal(referenceNumberParam(consumer, provider, 'a', 'forks', 2), 2);
    assert.equal(referenceNumberParam(consumer, provider, 'a', 'weight', 100), 100);
    assert.equal(referenceNumberParam(consumer, undefined, 'a', 'retries', 2), 2);
    assert.equal(callNumberParam(consumer, new TestInvoker(1, undefined, { retries: '4' }), 'a', 'retries', 2), 4);
    assert.equal(callNumberParam(consumer, undefined, 'a', 'forks', 3), 3);
  });
});
