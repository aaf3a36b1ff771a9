import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getLoadBalance, loadBalanceNames } from '../../../rpc/load-balance/index.js';
import { RandomLoadBalance } from '../../../rpc/load-balance/random-load-balance.js';
import { invocation, seededRandom, TestInvoker, tally } from '../cluster/test-invoker.js';

const CALLS = 60_000;

describe('RandomLoadBalance', () => {
  it('picks roughly in proportion to weights 1:2:3 (seeded, within 2 points)', () => {
    const invokers = [1, 2, 3].map((weight) => new TestInvoker(weight, undefined, { weight: String(weight) }));
    const balancer = new RandomLoadBalance(seededRandom(42));
    const counts = tally(Array.from({ length: CALLS }, () => balancer.select(invokers, invocation())));
    for (const weight of [1, 2, 3]) {
      const share = (counts.get(weight) ?? 0) / CALLS;
      assert.ok(Math.abs(share - weight / 6) < 0.02, `weight ${weight}: share ${share.toFixed(3)}`);
    }
  });

  it('spreads evenly over equal weights and never picks weight 0', () => {
    const invokers = [new TestInvoker(1), new TestInvoker(2), new TestInvoker(3, undefined, { weight: '0' })];
    const balancer = new RandomLoadBalance(seededRandom(7));
    const counts = tally(Array.from({ length: CALLS }, () => balancer.select(invokers, invocation())));
    assert.equal(counts.get(3), undefined);
    assert.ok(Math.abs((counts.get(1) ?? 0) / CALLS - 0.5) < 0.02);
  });

  it('uses a method-scoped weight over the service weight', () => {
    const heavy = new TestInvoker(1, undefined, { weight: '1', 'echo.weight': '99' });
    const light = new TestInvoker(2, undefined, { weight: '1' });
    const balancer = new RandomLoadBalance(seededRandom(3));
    const counts = tally(Array.from({ length: 10_000 }, () => balancer.select([heavy, light], invocation('echo'))));
    assert.ok((counts.get(1) ?? 0) > 9_700, `heavy got ${counts.get(1)}`);
  });

  it('is the registered default, next to every other balancer', () => {
    assert.ok(getLoadBalance('random') instanceof RandomLoadBalance);
    for (const name of ['random', 'roundrobin', 'leastactive', 'consistenthash', 'p2c']) {
      assert.ok(loadBalanceNames().includes(name), name);
    }
  });

  it('rejects an unknown balancer name with INVALID_ARGUMENT', () => {
    assert.throws(() => getLoadBalance('nope'), { code: 'INVALID_ARGUMENT' });
  });
});
