import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_LOAD_BALANCE, getLoadBalance, loadBalanceNames } from '../../../rpc/load-balance/index.js';
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

  it('spreads evenly over providers that all have the same weight', () => {
    const invokers = [1, 2, 3].map((port) => new TestInvoker(port, undefined, { weight: '7' }));
    const balancer = new RandomLoadBalance(seededRandom(13));
    const counts = tally(Array.from({ length: CALLS }, () => balancer.select(invokers, invocation())));
    for (const port of [1, 2, 3]) assert.ok(Math.abs((counts.get(port) ?? 0) / CALLS - 1 / 3) < 0.02, `${port}: ${counts.get(port)}`);
  });

  it('spreads evenly when every provider has weight 0, as Java Dubbo does for a zero total', () => {
    const invokers = [1, 2, 3].map((port) => new TestInvoker(port, undefined, { weight: '0' }));
    const balancer = new RandomLoadBalance(seededRandom(17));
    const counts = tally(Array.from({ length: CALLS }, () => balancer.select(invokers, invocation())));
    for (const port of [1, 2, 3]) assert.ok(Math.abs((counts.get(port) ?? 0) / CALLS - 1 / 3) < 0.02, `${port}: ${counts.get(port)}`);
  });

  it('never picks a weight-0 provider, even at the edges of the random source', () => {
    const zero = new TestInvoker(1, undefined, { weight: '0' });
    const others = [new TestInvoker(2, undefined, { weight: '10' }), new TestInvoker(3, undefined, { weight: '30' })];
    // 0 and 0.25 land exactly on a boundary between weights (0 × 40, 0.25 × 40 = 10).
    for (const draw of [0, 0.25, 0.5, 0.999999]) {
      const picked = new RandomLoadBalance(() => draw).select([zero, ...others], invocation());
      assert.notEqual(picked, zero, `draw ${draw}`);
      assert.equal(picked, draw < 0.25 ? others[0] : others[1], `draw ${draw}`);
    }
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
    assert.ok(getLoadBalance(DEFAULT_LOAD_BALANCE) instanceof RandomLoadBalance, 'random is the default, as in Dubbo');
    for (const name of ['random', 'roundrobin', 'leastactive', 'consistenthash', 'p2c']) {
      assert.ok(loadBalanceNames().includes(name), name);
    }
  });

  it('rejects an unknown balancer name with INVALID_ARGUMENT', () => {
    assert.throws(() => getLoadBalance('nope'), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'INVALID_ARGUMENT');
      // The message names the bad name and lists the known ones, so a typo in a config is easy to see.
      const known = /no load balance 'nope' \(known: (.*)\)/.exec(err.message)?.[1]?.split(', ') ?? [];
      for (const name of ['random', 'roundrobin', 'leastactive', 'consistenthash', 'p2c']) assert.ok(known.includes(name), `${name} in ${err.message}`);
      return true;
    });
  });

  it('hands out one shared balancer per name, so stateful balancers keep their state between calls', () => {
    const invokers = [new TestInvoker(1), new TestInvoker(2)];
    const ports = Array.from({ length: 4 }, () => getLoadBalance('roundrobin').select(invokers, invocation('shared'))!.url.port);
    assert.deepEqual(ports, [1, 2, 1, 2]);
  });
});
