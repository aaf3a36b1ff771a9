import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServiceUrl } from '../../../registry/service-url.js';
import { methodParam } from '../../../rpc/cluster/method-param-cache.js';

describe('methodParam', () => {
  const url = ServiceUrl.parse('dubbo://127.0.0.1:20880/org.example.S?retries=1&methods.a.retries=2&b.retries=3&loadbalance=');

  it('prefers methods.<m>.<key>, then <m>.<key>, then <key>, on repeated lookups too', () => {
    for (let round = 0; round < 2; round++) {
      assert.equal(methodParam(url, 'a', 'retries'), '2');
      assert.equal(methodParam(url, 'b', 'retries'), '3');
      assert.equal(methodParam(url, 'c', 'retries'), '1');
      assert.equal(methodParam(url, 'c', 'loadbalance'), undefined, 'an empty value counts as unset');
    }
  });

  it('answers for any number of method names (the memo is bounded, the answers are not)', () => {
    for (let i = 0; i < 2000; i++) assert.equal(methodParam(url, `m${i}`, 'retries'), '1');
  });

  it('reads a new URL object afresh', () => {
    const changed = url.with({ params: { retries: '7' } });
    assert.equal(methodParam(changed, 'c', 'retries'), '7');
    assert.equal(methodParam(url, 'c', 'retries'), '1');
  });
});
