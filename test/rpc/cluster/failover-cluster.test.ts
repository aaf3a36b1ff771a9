import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../../common/rpc-error.js';
import { FailoverCluster } from '../../../rpc/cluster/failover-cluster.js';
import { StaticDirectory } from '../../../rpc/cluster/static-directory.js';
import { consumerUrl, failsWith, invocation, TestInvoker } from './test-invoker.js';

function reference(invokers: TestInvoker[], params: Record<string, string> = {}) {
  return new FailoverCluster().join(new StaticDirectory(consumerUrl(params), invokers));
}

describe('FailoverCluster', () => {
  it('succeeds on every call with one failing provider, counting the retries', async () => {
    const broken = new TestInvoker(1, failsWith(ErrorCode.NETWORK));
    const good = [new TestInvoker(2), new TestInvoker(3)];
    const cluster = reference([broken, ...good]);
    for (let i = 0; i < 60; i++) assert.ok([2, 3].includes((await cluster.invoke(invocation())) as number));
    const goodCalls = good[0]!.calls + good[1]!.calls;
    // every call succeeds exactly once; each visit to the broken provider cost one retry.
    assert.equal(goodCalls, 60);
    assert.ok(broken.calls > 0, 'random balancing never reached the broken provider');
    cluster.destroy();
  });

  it('makes retries+1 attempts on distinct providers, then reports the last error', async () => {
    const invokers = [1, 2, 3, 4].map((port) => new TestInvoker(port, failsWith(ErrorCode.TIMEOUT)));
    const cluster = reference(invokers);
    await assert.rejects(cluster.invoke(invocation()), (err: { code: string; message: string }) => {
      assert.equal(err.code, ErrorCode.TIMEOUT);
      assert.match(err.message, /3 provider\(s\)/);
      return true;
    });
    assert.equal(invokers.reduce((sum, invoker) => sum + invoker.calls, 0), 3);
    assert.equal(invokers.filter((invoker) => invoker.calls > 1).length, 0);
    cluster.destroy();
  });

  it('takes retries from the reference URL, method first, then from the attachment', async () => {
    const only = new TestInvoker(1, failsWith(ErrorCode.NETWORK));
    const cluster = reference([only], { retries: '4', 'echo.retries': '0' });
    await assert.rejects(cluster.invoke(invocation('echo')), { code: ErrorCode.NETWORK });
    assert.equal(only.calls, 1);
    await assert.rejects(cluster.invoke(invocation('other')), { code: ErrorCode.NETWORK });
    assert.equal(only.calls, 1 + 5);
    const plain = reference([new TestInvoker(2, failsWith(ErrorCode.NETWORK))]);
    await assert.rejects(plain.invoke(invocation('x', [], { attachments: { retries: '1' } })), { code: ErrorCode.NETWORK });
    assert.equal((plain.directory.list(invocation())[0] as TestInvoker).calls, 2);
    cluster.destroy();
    plain.destroy();
  });

  it('never retries a business error (SERVICE_ERROR)', async () => {
    const thrower = new TestInvoker(1, failsWith(ErrorCode.SERVICE_ERROR));
    const good = new TestInvoker(2);
    const cluster = reference([thrower, good], { loadbalance: 'roundrobin' });
    const outcomes = await Promise.allSettled([cluster.invoke(invocation()), cluster.invoke(invocation())]);
    assert.deepEqual(outcomes.map((o) => o.status).sort(), ['fulfilled', 'rejected']);
    assert.equal(thrower.calls, 1);
    assert.equal(good.calls, 1);
    cluster.destroy();
  });

  it('moves on when the chosen provider was removed (its invoker destroyed) just before the call', async () => {
    // selected while still listed, destroyed before it ran: the invoker answers CLIENT_CLOSED.
    const removed = new TestInvoker(21, failsWith(ErrorCode.CLIENT_CLOSED));
    const cluster = reference([removed, new TestInvoker(22)], { loadbalance: 'roundrobin' });
    assert.equal(await cluster.invoke(invocation()), 22);
    assert.equal(removed.calls, 1);
    cluster.destroy();
  });

  it('stops retrying once the caller cancels', async () => {
    const controller = new AbortController();
    const cancelling = new TestInvoker(11, async () => {
      controller.abort();
      throw new Error('connection reset');
    });
    const cluster = reference([cancelling, new TestInvoker(12)], { loadbalance: 'roundrobin' });
    // roundrobin sends the first call to the first provider, which cancels the call while failing.
    await assert.rejects(cluster.invoke(invocation('echo', [], { signal: controller.signal })), { code: ErrorCode.CANCELLED });
    cluster.destroy();
  });

  it('wraps a non-RpcError thrown by a provider into SERVER_ERROR', async () => {
    const cluster = reference([new TestInvoker(1, async () => { throw new TypeError('bug'); })], { retries: '0' });
    await assert.rejects(cluster.invoke(invocation()), { code: ErrorCode.SERVER_ERROR });
    cluster.destroy();
  });
});
