import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getLoadBalance } from '../../../rpc/load-balance/load-balance.js';
import { ROUND_ROBIN_RECYCLE_MS, RoundRobinLoadBalance } from '../../../rpc/load-balance/round-robin-load-balance.js';
import { invocation, TestInvoker, tally } from '../cluster/test-invoker.js';

describe('RoundRobinLoadBalance', () => {
  it('gives exact proportions 100/200/300 for weights 1:2:3 over 600 calls', () => {
    const invokers = [1, 2, 3].map((weight) => new TestInvoker(20000 + weight, undefined, { weight: String(weight) }));
    const balancer = new RoundRobinLoadBalance();
    const picks = Array.from({ length: 600 }, () => balancer.select(invokers, invocation()));
    const counts = tally(picks);
    assert.equal(counts.get(20001), 100);
    assert.equal(counts.get(20002), 200);
    assert.equal(counts.get(20003), 300);
  });

  it('interleaves smoothly instead of sending runs to the heaviest provider', () => {
    const invokers = [new TestInvoker(1, undefined, { weight: '5' }), new TestInvoker(2, undefined, { weight: '1' }), new TestInvoker(3, undefined, { weight: '1' })];
    const balancer = new RoundRobinLoadBalance();
    const ports = Array.from({ length: 7 }, () => balancer.select(invokers, invocation())!.url.port);
    // nginx's smooth sequence for 5:1:1 is a a b a c a a: never more than two of `a` in a row.
    assert.deepEqual(ports, [1, 1, 2, 1, 3, 1, 1]);
  });

  it('keeps separate state per method', () => {
    const invokers = [new TestInvoker(1), new TestInvoker(2)];
    const balancer = new RoundRobinLoadBalance();
    const first = balancer.select(invokers, invocation('a'))!.url.port;
    assert.equal(balancer.select(invokers, invocation('b'))!.url.port, first);
    assert.notEqual(balancer.select(invokers, invocation('a'))!.url.port, first);
  });

  it('keeps separate state per group and per version of a service', () => {
    const invokers = [new TestInvoker(1), new TestInvoker(2)];
    for (const [a, b] of [
      [{ group: 'a' }, { group: 'b' }],
      [{ version: '1.0' }, { version: '2.0' }],
    ]) {
      const balancer = new RoundRobinLoadBalance();
      const first = balancer.select(invokers, invocation('m', [], a))!.url.port;
      assert.equal(balancer.select(invokers, invocation('m', [], b))!.url.port, first, `${JSON.stringify(b)} starts afresh`);
      assert.notEqual(balancer.select(invokers, invocation('m', [], a))!.url.port, first, `${JSON.stringify(a)} goes on`);
    }
  });

  it('forgets a provider not offered for over 60 s, and not before', (t) => {
    // dubbo-go's RECYCLE_PERIOD: a provider's running total is dropped once it is stale.
    t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    const [a, b, c] = [1, 2, 3].map((port) => new TestInvoker(port));
    const pickAfter = (idleMs: number) => {
      const balancer = new RoundRobinLoadBalance();
      const start = Date.now();
      assert.equal(balancer.select([a!, b!], invocation())!.url.port, 1, 'a first: its total drops below b');
      t.mock.timers.setTime(start + idleMs);
      assert.equal(balancer.select([b!, c!], invocation())!.url.port, 2, 'b, without a');
      return balancer.select([a!, b!], invocation())!.url.port;
    };
    // Remembered, a is still behind b; forgotten, it starts again level with b and wins the tie.
    assert.equal(pickAfter(ROUND_ROBIN_RECYCLE_MS), 2);
    assert.equal(pickAfter(ROUND_ROBIN_RECYCLE_MS + 1), 1);
  });

  it('is registered as roundrobin', () => {
    assert.ok(getLoadBalance('roundrobin') instanceof RoundRobinLoadBalance);
  });

  it('gives equal weights an even share and skips weight 0', () => {
    const invokers = [new TestInvoker(1), new TestInvoker(2), new TestInvoker(3, undefined, { weight: '0' })];
    const balancer = new RoundRobinLoadBalance();
    const counts = tally(Array.from({ length: 100 }, () => balancer.select(invokers, invocation())));
    assert.equal(counts.get(1), 50);
    assert.equal(counts.get(2), 50);
    assert.equal(counts.get(3), undefined);
  });

  it('follows a provider whose weight changes (warm-up over, re-registered)', () => {
    const balancer = new RoundRobinLoadBalance();
    const even = [new TestInvoker(1, undefined, { weight: '100' }), new TestInvoker(2, undefined, { weight: '100' })];
    const before = tally(Array.from({ length: 200 }, () => balancer.select(even, invocation())));
    assert.deepEqual([before.get(1), before.get(2)], [100, 100]);
    // The same address registered again with three times the weight.
    const heavier = [new TestInvoker(1, undefined, { weight: '300' }), even[1]!];
    const after = tally(Array.from({ length: 400 }, () => balancer.select(heavier, invocation())));
    assert.deepEqual([after.get(1), after.get(2)], [300, 100]);
  });

  it('returns undefined for an empty list and the only invoker for a list of one', () => {
    const balancer = new RoundRobinLoadBalance();
    const only = new TestInvoker(1);
    assert.equal(balancer.select([], invocation()), undefined);
    assert.equal(balancer.select([only], invocation()), only);
  });
});
