import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FailfastCluster } from '../../../rpc/cluster/failfast-cluster.js';
import { StaticDirectory } from '../../../rpc/cluster/directory/static-directory.js';
import { LeastActiveLoadBalance } from '../../../rpc/load-balance/least-active-load-balance.js';
import { RpcStatus } from '../../../rpc/load-balance/rpc-status.js';
import { consumerUrl, deferred, invocation, seededRandom, TestInvoker, tally } from '../cluster/test-invoker.js';

describe('LeastActiveLoadBalance', () => {
  it('prefers the idle provider while another has calls in flight', () => {
    const busy = new TestInvoker(30001);
    const idle = new TestInvoker(30002);
    RpcStatus.begin(busy.url, 'echo');
    try {
      const balancer = new LeastActiveLoadBalance(seededRandom(1));
      const counts = tally(Array.from({ length: 200 }, () => balancer.select([busy, idle], invocation('echo'))));
      assert.equal(counts.get(30002), 200);
    } finally {
      RpcStatus.forget(busy.url);
    }
  });

  it('picks among the least active only, wherever they sit in the list', () => {
    const [a, b, c] = [30031, 30032, 30033].map((port) => new TestInvoker(port));
    const active = new Map([[a!, 2], [b!, 0], [c!, 1]]);
    for (const [invoker, count] of active) for (let i = 0; i < count; i++) RpcStatus.begin(invoker.url, 'order');
    try {
      const balancer = new LeastActiveLoadBalance(seededRandom(6));
      for (const order of [[a!, b!, c!], [b!, c!, a!], [c!, b!, a!], [b!, a!, c!]]) {
        const counts = tally(Array.from({ length: 100 }, () => balancer.select(order, invocation('order'))));
        assert.deepEqual([...counts], [[30032, 100]], order.map((invoker) => invoker.port).join(','));
      }
    } finally {
      for (const invoker of [a!, b!, c!]) RpcStatus.forget(invoker.url);
    }
  });

  it('breaks ties by weight', () => {
    const heavy = new TestInvoker(30011, undefined, { weight: '300' });
    const light = new TestInvoker(30012, undefined, { weight: '100' });
    const balancer = new LeastActiveLoadBalance(seededRandom(5));
    const counts = tally(Array.from({ length: 20_000 }, () => balancer.select([heavy, light], invocation('tie'))));
    assert.ok(Math.abs((counts.get(30011) ?? 0) / 20_000 - 0.75) < 0.02, `heavy got ${counts.get(30011)}`);
  });

  it('sees the calls a cluster has in flight, counted per attempt', async () => {
    const answers = [deferred(), deferred()];
    const [a, b] = [30021, 30022].map((port, index) => new TestInvoker(port, () => answers[index]!.promise));
    const directory = new StaticDirectory(consumerUrl({ loadbalance: 'leastactive' }), [a!, b!]);
    const reference = new FailfastCluster().join(directory);
    const first = reference.invoke(invocation('slow'));
    const second = reference.invoke(invocation('slow'));
    // Each pending call counts as active, so the second call must avoid the first call's provider.
    assert.deepEqual([a!.calls, b!.calls], [1, 1]);
    answers[0]!.resolve('a');
    answers[1]!.resolve('b');
    assert.deepEqual((await Promise.all([first, second])).sort(), ['a', 'b']);
    assert.equal(RpcStatus.of(a!.url, 'slow').active, 0);
    assert.equal(RpcStatus.of(a!.url, 'slow').total, 1);
    reference.destroy();
  });
});
