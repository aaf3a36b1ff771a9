import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
});
