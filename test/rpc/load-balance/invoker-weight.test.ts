import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { invokerWeight } from '../../../rpc/load-balance/invoker-weight.js';
import { RandomLoadBalance } from '../../../rpc/load-balance/random-load-balance.js';
import { invocation, seededRandom, TestInvoker, tally } from '../cluster/test-invoker.js';

const NOW_MS = 1_700_000_000_000;
const secondsAgo = (seconds: number) => String(Math.floor(NOW_MS / 1000) - seconds);

describe('invokerWeight (warm-up)', () => {
  it('is the weight param, or 100 by default, for a provider past warm-up', () => {
    assert.equal(invokerWeight(new TestInvoker(1), invocation(), NOW_MS), 100);
    assert.equal(invokerWeight(new TestInvoker(1, undefined, { weight: '30', timestamp: secondsAgo(601) }), invocation(), NOW_MS), 30);
  });

  it('scales a provider up over the 600 s default warm-up', () => {
    assert.equal(invokerWeight(new TestInvoker(1, undefined, { timestamp: secondsAgo(60) }), invocation(), NOW_MS), 10);
    assert.equal(invokerWeight(new TestInvoker(1, undefined, { timestamp: secondsAgo(300) }), invocation(), NOW_MS), 50);
  });

  it('gives a provider that just started weight 1, never 0', () => {
    assert.equal(invokerWeight(new TestInvoker(1, undefined, { timestamp: secondsAgo(1) }), invocation(), NOW_MS), 1);
  });

  it('honours a custom warmup (seconds) and a millisecond timestamp', () => {
    const params = { warmup: '100', timestamp: String(NOW_MS - 50_000) };
    assert.equal(invokerWeight(new TestInvoker(1, undefined, params), invocation(), NOW_MS), 50);
  });

  it('gives full weight at zero uptime, as Java Dubbo and dubbo-go warm only for uptime > 0', () => {
    assert.equal(invokerWeight(new TestInvoker(1, undefined, { timestamp: secondsAgo(0) }), invocation(), NOW_MS), 100);
  });

  it('gives full weight once the warm-up is exactly over, whatever the rounding of the ramp', () => {
    // 1000 / (1000 / 15) is 14.999… in floating point: the ramp alone would give 14 at the last millisecond.
    const params = { weight: '15', warmup: '1', timestamp: String(NOW_MS - 1000) };
    assert.equal(invokerWeight(new TestInvoker(1, undefined, params), invocation(), NOW_MS), 15);
  });

  it('ignores a timestamp in the future (clock skew) instead of starving the provider', () => {
    assert.equal(invokerWeight(new TestInvoker(1, undefined, { timestamp: secondsAgo(-30) }), invocation(), NOW_MS), 100);
  });

  it('lowers a fresh provider\'s share of random traffic', () => {
    const nowSeconds = String(Math.floor(Date.now() / 1000));
    const fresh = new TestInvoker(1, undefined, { timestamp: nowSeconds });
    const settled = new TestInvoker(2);
    const balancer = new RandomLoadBalance(seededRandom(11));
    const counts = tally(Array.from({ length: 10_000 }, () => balancer.select([fresh, settled], invocation())));
    // weight at most ~1 against 100: a share near 1 %, far below the 50 % it gets once warm.
    assert.ok((counts.get(1) ?? 0) < 500, `fresh provider got ${counts.get(1)} of 10000`);
  });
});
