/**
 * What every strategy shares (ClusterInvoker): the NO_PROVIDER, CLIENT_CLOSED
 * and CANCELLED errors, the RpcStatus counts each attempt leaves for the
 * `leastactive` and `p2c` balancers, a provider that throws instead of
 * rejecting, and a provider retired between its selection and the send.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { ErrorCode, RpcError } from '../../../common/rpc-error.js';
import { joinCluster } from '../../../rpc/cluster/adaptive-cluster-invoker.js';
import { StaticDirectory } from '../../../rpc/cluster/directory/static-directory.js';
import type { Invocation } from '../../../rpc/invocation.js';
import { notSent } from '../../../rpc/never-sent.js';
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

/**
 * The race a registry update opens: the balancer picks a provider, then the
 * update retires it (its client closes) before the request is written. Here
 * the retired provider is the only available one when the call selects, and
 * its invoke() retires it and brings the replacement up, deterministically.
 */
function retirementRace(options: { port?: number; sent?: boolean; staysAvailable?: boolean; replacement?: TestInvoker } = {}) {
  const port = options.port ?? 4201;
  const replacement = options.replacement ?? new TestInvoker(4202);
  replacement.available = false;
  const retired = new TestInvoker(port, async () => {
    retired.available = options.staysAvailable ?? false;
    replacement.available = true;
    const closed = new RpcError(ErrorCode.CLIENT_CLOSED, `client to 127.0.0.1:${port} closed`);
    throw options.sent ? closed : notSent(closed);
  });
  return { retired, replacement, directory: new StaticDirectory(consumerUrl({ retries: '0' }), [retired, replacement]) };
}

describe('ClusterInvoker and a provider retired before the send', () => {
  for (const strategy of ['failover', 'failfast', 'failsafe', 'failback', 'available']) {
    it(`${strategy}: routes the call once to an available provider, even with retries 0`, async () => {
      const { retired, replacement, directory } = retirementRace();
      const reference = joinCluster(directory, strategy);
      assert.equal(await reference.invoke(invocation()), 4202);
      assert.deepEqual([retired.calls, replacement.calls], [1, 1]);
      reference.destroy();
    });
  }

  it('fails with CLIENT_CLOSED when no other provider is available', async () => {
    const { retired, replacement, directory } = retirementRace();
    replacement.destroy();
    const reference = joinCluster(directory, 'failfast');
    await assert.rejects(reference.invoke(invocation()), { code: ErrorCode.CLIENT_CLOSED, message: /4201 closed/ });
    assert.deepEqual([retired.calls, replacement.calls], [1, 0]);
    reference.destroy();
  });

  it('does not re-route a call that may have been sent, or whose provider is still available', async () => {
    for (const options of [{ sent: true }, { staysAvailable: true }]) {
      const { retired, replacement, directory } = retirementRace(options);
      const reference = joinCluster(directory, 'failfast');
      await assert.rejects(reference.invoke(invocation()), { code: ErrorCode.CLIENT_CLOSED }, JSON.stringify(options));
      assert.deepEqual([retired.calls, replacement.calls], [1, 0], JSON.stringify(options));
      reference.destroy();
    }
  });

  it('re-routes once only: a second retired provider fails the call (failover with retries 0 names both)', async () => {
    const second = retirementRace({ port: 4203, replacement: new TestInvoker(4204) });
    const { retired, replacement, directory } = retirementRace({ replacement: second.retired });
    const reference = joinCluster(new StaticDirectory(directory.url, [retired, replacement, second.replacement]), 'failover');
    second.replacement.available = false;
    await assert.rejects(reference.invoke(invocation()), (err: RpcError) => {
      assert.equal(err.code, ErrorCode.CLIENT_CLOSED);
      assert.match(err.message, /failed on 2 provider\(s\) \[127\.0\.0\.1:4201, 127\.0\.0\.1:4203\]: client to 127\.0\.0\.1:4203 closed/);
      return true;
    });
    assert.deepEqual([retired.calls, replacement.calls, second.replacement.calls], [1, 1, 0]);
    reference.destroy();
  });

  it('a failover retry after the re-routed attempt avoids both providers already tried', async () => {
    const third = new TestInvoker(4204);
    const { retired, replacement } = retirementRace({ replacement: new TestInvoker(4202, async () => {
      third.available = true;
      throw new RpcError(ErrorCode.CONNECT_FAILED, 'refused');
    }) });
    third.available = false;
    const reference = joinCluster(new StaticDirectory(consumerUrl({ retries: '1' }), [retired, replacement, third]), 'failover');
    assert.equal(await reference.invoke(invocation()), 4204);
    assert.deepEqual([retired.calls, replacement.calls, third.calls], [1, 1, 1]);
    reference.destroy();
  });

  it('stops when the call was cancelled meanwhile', async () => {
    const controller = new AbortController();
    const { retired, replacement, directory } = retirementRace({ replacement: new TestInvoker(4202) });
    const reference = joinCluster(directory, 'failfast');
    const call = reference.invoke(invocation('echo', [], { signal: controller.signal }));
    controller.abort();
    await assert.rejects(call, { code: ErrorCode.CLIENT_CLOSED });
    assert.deepEqual([retired.calls, replacement.calls], [1, 0]);
    reference.destroy();
  });

  it('broadcast and forking do not re-route: each provider they address hears the call once', async () => {
    for (const strategy of ['broadcast', 'forking']) {
      const { retired, replacement, directory } = retirementRace();
      const reference = joinCluster(directory, strategy);
      const outcome = await reference.invoke(invocation()).then((value) => value, (err: RpcError) => err.code);
      assert.deepEqual([retired.calls, replacement.calls], [1, 1], strategy);
      // broadcast fails on any provider's failure; forking's first success wins.
      assert.equal(outcome, strategy === 'broadcast' ? ErrorCode.CLIENT_CLOSED : 4202);
      reference.destroy();
    }
  });
});
