import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../../common/rpc-error.js';
import { AvailableCluster } from '../../../rpc/cluster/available-cluster.js';
import { BroadcastCluster } from '../../../rpc/cluster/broadcast-cluster.js';
import { FailfastCluster } from '../../../rpc/cluster/failfast-cluster.js';
import { FailsafeCluster } from '../../../rpc/cluster/failsafe-cluster.js';
import { ForkingCluster } from '../../../rpc/cluster/forking-cluster.js';
import { StaticDirectory } from '../../../rpc/cluster/directory/static-directory.js';
import { consumerUrl, deferred, failsWith, invocation, TestInvoker, within } from './test-invoker.js';

const directory = (invokers: TestInvoker[], params: Record<string, string> = {}) => new StaticDirectory(consumerUrl(params), invokers);

describe('FailfastCluster', () => {
  it('fails at once with the provider error, without a second attempt', async () => {
    const broken = new TestInvoker(1, failsWith(ErrorCode.NETWORK));
    const good = new TestInvoker(2);
    const cluster = new FailfastCluster().join(directory([broken, good], { loadbalance: 'roundrobin' }));
    const outcomes = await Promise.allSettled([1, 2, 3, 4].map(() => cluster.invoke(invocation())));
    assert.deepEqual(outcomes.map((o) => o.status), ['rejected', 'fulfilled', 'rejected', 'fulfilled']);
    assert.deepEqual([broken.calls, good.calls], [2, 2]);
    cluster.destroy();
  });
});

describe('FailsafeCluster', () => {
  it('resolves undefined when the provider fails, and reports what it swallowed', async () => {
    const swallowed: string[] = [];
    const cluster = new FailsafeCluster((err) => swallowed.push(err.code)).join(directory([new TestInvoker(1, failsWith(ErrorCode.NETWORK))]));
    assert.equal(await cluster.invoke(invocation()), undefined);
    assert.deepEqual(swallowed, [ErrorCode.NETWORK]);
    cluster.destroy();
  });

  it('swallows NO_PROVIDER too', async () => {
    const cluster = new FailsafeCluster().join(directory([]));
    assert.equal(await cluster.invoke(invocation()), undefined);
  });

  it('passes results through', async () => {
    const cluster = new FailsafeCluster().join(directory([new TestInvoker(7)]));
    assert.equal(await cluster.invoke(invocation()), 7);
  });
});

describe('ForkingCluster', () => {
  it('resolves with the first success even when the other fork fails', async () => {
    const cluster = new ForkingCluster().join(directory([new TestInvoker(1, failsWith(ErrorCode.NETWORK)), new TestInvoker(2)]));
    assert.equal(await cluster.invoke(invocation()), 2);
    cluster.destroy();
  });

  it('does not wait for the slower fork', async () => {
    const slowAnswer = deferred();
    const slow = new TestInvoker(1, () => slowAnswer.promise);
    const fast = new TestInvoker(2);
    const cluster = new ForkingCluster().join(directory([slow, fast]));
    assert.equal(await cluster.invoke(invocation()), 2);
    assert.deepEqual([slow.calls, fast.calls], [1, 1]);
    slowAnswer.resolve('late');
    cluster.destroy();
  });

  it('calls exactly `forks` distinct providers', async () => {
    const invokers = [1, 2, 3, 4, 5].map((port) => new TestInvoker(port));
    const cluster = new ForkingCluster().join(directory(invokers, { forks: '3' }));
    await cluster.invoke(invocation());
    assert.deepEqual(invokers.map((i) => i.calls).sort(), [0, 0, 1, 1, 1]);
    cluster.destroy();
  });

  it('calls every provider when forks is below 1 or above the provider count, and one when forks is 1', async () => {
    for (const [forks, expected] of [['0', [1, 1, 1]], ['5', [1, 1, 1]], ['1', [0, 0, 1]]] as const) {
      const invokers = [1, 2, 3].map((port) => new TestInvoker(port));
      const cluster = new ForkingCluster().join(directory(invokers, { forks }));
      await within(cluster.invoke(invocation()), 2000, `forks=${forks}`);
      assert.deepEqual(invokers.map((i) => i.calls).sort(), expected, `forks=${forks}`);
      cluster.destroy();
    }
  });

  it('waits for a slower success after a fork failed', async () => {
    const slowAnswer = deferred();
    const cluster = new ForkingCluster().join(directory([new TestInvoker(1, failsWith(ErrorCode.NETWORK)), new TestInvoker(2, () => slowAnswer.promise)]));
    const call = cluster.invoke(invocation());
    setImmediate(() => slowAnswer.resolve('slow but fine'));
    assert.equal(await call, 'slow but fine');
    cluster.destroy();
  });

  it('fails only when every fork failed', async () => {
    const cluster = new ForkingCluster().join(directory([1, 2].map((port) => new TestInvoker(port, failsWith(ErrorCode.TIMEOUT)))));
    await assert.rejects(cluster.invoke(invocation()), { code: ErrorCode.TIMEOUT });
    cluster.destroy();
  });
});

describe('BroadcastCluster', () => {
  it('calls every provider and fails when one of them fails', async () => {
    const invokers = [new TestInvoker(1), new TestInvoker(2, failsWith(ErrorCode.NETWORK)), new TestInvoker(3)];
    const cluster = new BroadcastCluster().join(directory(invokers));
    await assert.rejects(cluster.invoke(invocation()), { code: ErrorCode.NETWORK });
    assert.deepEqual(invokers.map((i) => i.calls), [1, 1, 1]);
    cluster.destroy();
  });

  it('resolves with the last result when all succeed', async () => {
    const cluster = new BroadcastCluster().join(directory([new TestInvoker(1), new TestInvoker(2)]));
    assert.equal(await cluster.invoke(invocation()), 2);
    cluster.destroy();
  });
});

describe('AvailableCluster', () => {
  it('picks the first available provider', async () => {
    const down = new TestInvoker(1, failsWith(ErrorCode.NETWORK));
    down.available = false;
    const up = new TestInvoker(2);
    const cluster = new AvailableCluster().join(directory([down, up]));
    assert.equal(await cluster.invoke(invocation()), 2);
    assert.equal(down.calls, 0);
    cluster.destroy();
  });

  it('fails with NO_PROVIDER when none is available', async () => {
    const down = new TestInvoker(1);
    down.available = false;
    const cluster = new AvailableCluster().join(directory([down]));
    await assert.rejects(cluster.invoke(invocation()), { code: ErrorCode.NO_PROVIDER, message: 'no available provider for org.example.EchoService.echo' });
    cluster.destroy();
  });
});
