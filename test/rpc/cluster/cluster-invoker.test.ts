/**
 * What every strategy shares (ClusterInvoker): the NO_PROVIDER, CLIENT_CLOSED
 * and CANCELLED errors, the RpcStatus counts each attempt leaves for the
 * `leastactive` and `p2c` balancers, and a provider that throws instead of
 * rejecting.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { ErrorCode, RpcError } from '../../../common/rpc-error.js';
import { joinCluster } from '../../../rpc/cluster/adaptive-cluster-invoker.js';
import { StaticDirectory } from '../../../rpc/cluster/directory/static-directory.js';
import type { Invocation } from '../../../rpc/invocation.js';
import { RpcStatus } from '../../../rpc/load-balance/rpc-status.js';
import { consumerUrl, deferred, invocation, SERVICE, TestInvoker } from './test-invoker.js';

/** A provider whose invoke() throws synchronously instead of returning a rejected promise. */
class ThrowingInvoker extends TestInvoker {
  override invoke(_inv: Invocation): Promise<unknown> {
    this.calls++;
    throw new RpcError(ErrorCode.CONNECT_FAILED, 'no route');
  }
}

describe('ClusterInvoker errors', () => {
  it('names the service and method in NO_PROVIDER', async () => {
    const reference = joinCluster(new StaticDirectory(consumerUrl(), []), 'failfast');
    await assert.rejects(reference.invoke(invocation('greet')), { code: ErrorCode.NO_PROVIDER, message: `no provider available for ${SERVICE}.greet` });
  });

  it('names the interface in CLIENT_CLOSED once destroyed', async () => {
    const reference = joinCluster(new StaticDirectory(consumerUrl(), [new TestInvoker(1)]), 'failfast');
    reference.destroy();
    await assert.rejects(reference.invoke(invocation()), { code: ErrorCode.CLIENT_CLOSED, message: `reference to ${SERVICE} is destroyed` });
  });

  it("gives CANCELLED the call's name and the abort reason as cause", async () => {
    const reference = joinCluster(new StaticDirectory(consumerUrl(), [new TestInvoker(1)]), 'failfast');
    const controller = new AbortController();
    const reason = new Error('user left');
    controller.abort(reason);
    await assert.rejects(reference.invoke(invocation('greet', [], { signal: controller.signal })), (err: RpcError) => {
      assert.equal(err.code, ErrorCode.CANCELLED);
      assert.equal(err.message, `call to ${SERVICE}.greet was cancelled`);
      assert.equal(err.cause, reason);
      return true;
    });
    reference.destroy();
  });

  it('fails a failover call with the provider error, not NO_PROVIDER, when the reference is destroyed during the attempt', async () => {
    const answer = deferred();
    const provider = new TestInvoker(1, () => answer.promise);
    const reference = joinCluster(new StaticDirectory(consumerUrl(), [provider, new TestInvoker(2, () => answer.promise)]), 'failover');
    const call = reference.invoke(invocation());
    reference.destroy();
    answer.reject(new RpcError(ErrorCode.CONNECT_FAILED, 'refused'));
    await assert.rejects(call, { code: ErrorCode.CONNECT_FAILED, message: 'refused' });
  });
});

describe('ClusterInvoker provider statistics', () => {
  it('counts a call as active while it runs, then as finished, failed or not, with its duration', async () => {
    const answer = deferred();
    const provider = new TestInvoker(4101, async (_inv, call) => {
      if (call === 2) throw new RpcError(ErrorCode.SERVICE_ERROR, 'no');
      return answer.promise;
    });
    const reference = joinCluster(new StaticDirectory(consumerUrl(), [provider]), 'failfast');
    const status = RpcStatus.of(provider.url, 'echo');
    const started = performance.now();
    const call = reference.invoke(invocation());
    assert.equal(status.active, 1);
    answer.resolve('ok');
    assert.equal(await call, 'ok');
    const tookMs = performance.now() - started;
    assert.deepEqual([status.active, status.total, status.failed], [0, 1, 0]);
    assert.ok(status.latencyEwmaMs <= tookMs, `recorded ${status.latencyEwmaMs} ms for a call of ${tookMs} ms`);
    await assert.rejects(reference.invoke(invocation()), { code: ErrorCode.SERVICE_ERROR });
    assert.deepEqual([status.active, status.total, status.failed], [0, 2, 1]);
    assert.ok(status.latencyEwmaMs <= performance.now() - started);
    reference.destroy();
  });

  it('treats a provider that throws synchronously as a failed attempt: counted, and retried elsewhere', async () => {
    const thrower = new ThrowingInvoker(4102);
    const good = new TestInvoker(4103);
    const throwsAlone = new ThrowingInvoker(4104);
    const failfast = joinCluster(new StaticDirectory(consumerUrl(), [throwsAlone]), 'failfast');
    const started = performance.now();
    await assert.rejects(failfast.invoke(invocation()), { code: ErrorCode.CONNECT_FAILED });
    const tookMs = performance.now() - started;
    const status = RpcStatus.of(throwsAlone.url, 'echo');
    assert.deepEqual([status.active, status.total, status.failed], [0, 1, 1]);
    assert.ok(status.latencyEwmaMs <= tookMs, `recorded ${status.latencyEwmaMs} ms for a call of ${tookMs} ms`);
    const failover = joinCluster(new StaticDirectory(consumerUrl({ loadbalance: 'roundrobin' }), [thrower, good]), 'failover');
    for (let i = 0; i < 4; i++) assert.equal(await failover.invoke(invocation()), 4103);
    assert.ok(thrower.calls > 0);
    failfast.destroy();
    failover.destroy();
  });
});
