import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getLoadBalance } from '../../../rpc/load-balance/load-balance.js';
import { P2cLoadBalance } from '../../../rpc/load-balance/p2c-load-balance.js';
import { RpcStatus } from '../../../rpc/load-balance/rpc-status.js';
import { invocation, seededRandom, TestInvoker, tally } from '../cluster/test-invoker.js';

describe('P2cLoadBalance', () => {
  it('sends calls to the faster of two measured providers', () => {
    const slow = new TestInvoker(50001);
    const fast = new TestInvoker(50002);
    RpcStatus.begin(slow.url, 'p2c');
    RpcStatus.end(slow.url, 'p2c', 80, true);
    RpcStatus.begin(fast.url, 'p2c');
    RpcStatus.end(fast.url, 'p2c', 2, true);
    const balancer = new P2cLoadBalance(seededRandom(9));
    const counts = tally(Array.from({ length: 100 }, () => balancer.select([slow, fast], invocation('p2c'))));
    assert.equal(counts.get(50002), 100);
  });

  it('tries a provider without measurements first', () => {
    const measured = new TestInvoker(50011);
    const fresh = new TestInvoker(50012);
    RpcStatus.begin(measured.url, 'p2c');
    RpcStatus.end(measured.url, 'p2c', 1, true);
    const balancer = new P2cLoadBalance(seededRandom(2));
    assert.equal(balancer.select([measured, fresh], invocation('p2c')), fresh);
  });

  it('weighs calls in flight: a fast but busy provider loses to an idle one', () => {
    const busy = new TestInvoker(50021);
    const idle = new TestInvoker(50022);
    for (const invoker of [busy, idle]) {
      RpcStatus.begin(invoker.url, 'p2c');
      RpcStatus.end(invoker.url, 'p2c', invoker === busy ? 5 : 10, true);
    }
    for (let i = 0; i < 5; i++) RpcStatus.begin(busy.url, 'p2c');
    const balancer = new P2cLoadBalance(seededRandom(4));
    assert.equal(balancer.select([busy, idle], invocation('p2c')), idle);
  });

  it('draws two distinct providers among many', () => {
    const invokers = [1, 2, 3, 4, 5].map((i) => new TestInvoker(50030 + i));
    const balancer = new P2cLoadBalance(seededRandom(8));
    const counts = tally(Array.from({ length: 500 }, () => balancer.select(invokers, invocation('p2c-many'))));
    assert.equal(counts.size, 5);
  });

  it('chooses a provider without finished calls even against one that answers in 0 ms', () => {
    const measured = new TestInvoker(50041);
    const fresh = new TestInvoker(50042);
    RpcStatus.begin(measured.url, 'p2c-new');
    RpcStatus.end(measured.url, 'p2c-new', 0, true);
    // The newcomer's first call is still in flight: no latency to compare, so it is still tried.
    RpcStatus.begin(fresh.url, 'p2c-new');
    const balancer = new P2cLoadBalance(seededRandom(12));
    const counts = tally(Array.from({ length: 100 }, () => balancer.select([measured, fresh], invocation('p2c-new'))));
    assert.equal(counts.get(50042), 100);
  });

  it('draws the pair uniformly: of four providers ranked by load, shares 1/2, 1/3, 1/6 and 0', () => {
    // The k-th least loaded of n wins the pairs it shares with the n-k more loaded ones: 2(n-k) / n(n-1).
    const invokers = [1, 2, 3, 4].map((i) => new TestInvoker(50050 + i));
    invokers.forEach((invoker, rank) => {
      RpcStatus.begin(invoker.url, 'p2c-rank');
      RpcStatus.end(invoker.url, 'p2c-rank', 10 * (rank + 1), true);
    });
    const calls = 12_000;
    const balancer = new P2cLoadBalance(seededRandom(21));
    const counts = tally(Array.from({ length: calls }, () => balancer.select(invokers, invocation('p2c-rank'))));
    [1 / 2, 1 / 3, 1 / 6, 0].forEach((share, rank) => {
      const got = (counts.get(50051 + rank) ?? 0) / calls;
      assert.ok(Math.abs(got - share) < 0.04, `rank ${rank}: share ${got.toFixed(3)}, expected ${share.toFixed(3)}`);
    });
  });

  it('returns undefined for no providers and the only provider for one', () => {
    const balancer = new P2cLoadBalance(seededRandom(1));
    const only = new TestInvoker(50061);
    assert.equal(balancer.select([], invocation('p2c')), undefined);
    assert.equal(balancer.select([only], invocation('p2c')), only);
  });

  it('is registered as p2c', () => {
    assert.ok(getLoadBalance('p2c') instanceof P2cLoadBalance);
  });
});
