import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, RpcError } from '../../../common/rpc-error.js';
import { notSent } from '../../../rpc/never-sent.js';
import { FailoverCluster } from '../../../rpc/cluster/failover-cluster.js';
import { StaticDirectory } from '../../../rpc/cluster/directory/static-directory.js';
import type { Invocation } from '../../../rpc/invocation.js';
import { ServiceUrl, type UrlParams } from '../../../registry/service-url.js';
import { consumerUrl, failsWith, invocation, type Responder, SERVICE, TestInvoker } from './test-invoker.js';

/** A provider a governance rule configured: `ruleUrl` holds what the rule wrote (rpc/governance/configured-invoker.ts). */
class RuledInvoker extends TestInvoker {
  readonly ruleUrl: ServiceUrl;
  constructor(port: number, rule: UrlParams, responder?: Responder) {
    super(port, responder);
    this.ruleUrl = new ServiceUrl({ protocol: 'override', host: '0.0.0.0', port: 0, path: SERVICE, params: rule });
  }
}

function reference(invokers: TestInvoker[], params: Record<string, string> = {}) {
  return new FailoverCluster().join(new StaticDirectory(consumerUrl(params), invokers));
}

describe('FailoverCluster', () => {
  it('succeeds on every call with one unreachable provider, counting the retries', async () => {
    const broken = new TestInvoker(1, failsWith(ErrorCode.CONNECT_FAILED));
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
    const cluster = reference(invokers, { retries: '2' });
    await assert.rejects(cluster.invoke(invocation()), (err: { code: string; message: string }) => {
      assert.equal(err.code, ErrorCode.TIMEOUT);
      assert.match(err.message, /3 provider\(s\)/);
      return true;
    });
    assert.equal(invokers.reduce((sum, invoker) => sum + invoker.calls, 0), 3);
    assert.equal(invokers.filter((invoker) => invoker.calls > 1).length, 0);
    cluster.destroy();
  });

  it('takes retries from the call, then the reference URL, method first', async () => {
    const only = new TestInvoker(1, failsWith(ErrorCode.NETWORK));
    const cluster = reference([only], { retries: '4', 'methods.echo.retries': '0' });
    await assert.rejects(cluster.invoke(invocation('echo')), { code: ErrorCode.NETWORK });
    assert.equal(only.calls, 1);
    await assert.rejects(cluster.invoke(invocation('other')), { code: ErrorCode.NETWORK });
    assert.equal(only.calls, 1 + 5);
    const plain = reference([new TestInvoker(2, failsWith(ErrorCode.NETWORK))]);
    await assert.rejects(plain.invoke(invocation('x', [], { retries: 1 })), { code: ErrorCode.NETWORK });
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
    const removed = new TestInvoker(21, async () => {
      throw notSent(new RpcError(ErrorCode.CLIENT_CLOSED, 'invoker destroyed'));
    });
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

  it('does not re-send by default a call that may have reached the provider (TIMEOUT, NETWORK after the write)', async () => {
    for (const code of [ErrorCode.TIMEOUT, ErrorCode.NETWORK, ErrorCode.SERVER_ERROR]) {
      const invokers = [1, 2, 3].map((port) => new TestInvoker(port, failsWith(code)));
      const cluster = reference(invokers);
      await assert.rejects(cluster.invoke(invocation()), (err: RpcError) => err.code === code && /not re-sent/.test(err.message));
      assert.equal(invokers.reduce((sum, invoker) => sum + invoker.calls, 0), 1, code);
      cluster.destroy();
    }
  });

  it('retries by default what provably never ran: not sent, refused by a limit, a stopping provider, no such service', async () => {
    const neverRan = [
      () => notSent(new RpcError(ErrorCode.NETWORK, 'cannot connect')),
      () => new RpcError(ErrorCode.CONNECT_FAILED, 'refused'),
      () => new RpcError(ErrorCode.LIMIT_EXCEEDED, 'too many calls'),
      () => new RpcError(ErrorCode.SERVER_SHUTTING_DOWN, 'stopping'),
      () => new RpcError(ErrorCode.SERVICE_NOT_FOUND, 'not here'),
    ];
    for (const error of neverRan) {
      const failsOnce = new TestInvoker(1, async (_invocation, call) => {
        if (call === 1) throw error();
        return 'second attempt';
      });
      const cluster = reference([failsOnce]);
      assert.equal(await cluster.invoke(invocation()), 'second attempt', error().code);
      assert.equal(failsOnce.calls, 2);
      cluster.destroy();
    }
  });

  it('re-sends after a timeout when the method is idempotent (reference or method param) or the call sets retries', async () => {
    const cases: Array<[Record<string, string>, Partial<Invocation>]> = [
      [{ idempotent: 'true' }, {}],
      [{ 'methods.echo.idempotent': 'true' }, {}],
      [{}, { retries: 2 }],
    ];
    for (const [params, extra] of cases) {
      const invokers = [1, 2, 3].map((port) => new TestInvoker(port, failsWith(ErrorCode.TIMEOUT)));
      const cluster = reference(invokers, params);
      await assert.rejects(cluster.invoke(invocation('echo', [], extra)), { code: ErrorCode.TIMEOUT });
      assert.equal(invokers.reduce((sum, invoker) => sum + invoker.calls, 0), 3, JSON.stringify(params));
      cluster.destroy();
    }
  });

  it('starts no attempt once the call deadline has passed', async () => {
    const invokers = [1, 2, 3].map((port) => new TestInvoker(port, failsWith(ErrorCode.CONNECT_FAILED)));
    const cluster = reference(invokers);
    const deadline = performance.now() - 1;
    await assert.rejects(cluster.invoke(invocation('echo', [], { deadline })), (err: RpcError) => /budget is spent/.test(err.message));
    assert.equal(invokers.reduce((sum, invoker) => sum + invoker.calls, 0), 1);
    cluster.destroy();
  });

  it('pauses between attempts by retrybackoff with jitter, never past the deadline', async () => {
    const failing = [1, 2, 3, 4].map((port) => new TestInvoker(port, failsWith(ErrorCode.CONNECT_FAILED)));
    const cluster = reference(failing, { retrybackoff: '100', retries: '3' });
    let started = performance.now();
    await assert.rejects(cluster.invoke(invocation()), { code: ErrorCode.CONNECT_FAILED });
    // 100, 200 then 400 ms, each x [0.5, 1.5): between 350 and 1050 ms in all.
    const paused = performance.now() - started;
    assert.ok(paused >= 340 && paused < 1050 + 500, `paused ${Math.round(paused)} ms`);
    assert.equal(failing.reduce((sum, invoker) => sum + invoker.calls, 0), 4);
    const short = [1, 2].map((port) => new TestInvoker(port, failsWith(ErrorCode.CONNECT_FAILED)));
    const bounded = reference(short, { retrybackoff: '10000' });
    started = performance.now();
    await assert.rejects(bounded.invoke(invocation('echo', [], { deadline: performance.now() + 200 })), (err: RpcError) => /budget is spent/.test(err.message));
    assert.ok(performance.now() - started < 150, 'a pause longer than the time left is not taken');
    assert.equal(short.reduce((sum, invoker) => sum + invoker.calls, 0), 1);
    cluster.destroy();
    bounded.destroy();
  });

  it("falls back to random when only a provider's URL names a balancer this process does not know", async () => {
    const invokers = [new TestInvoker(1, undefined, { loadbalance: 'shortestresponse' }), new TestInvoker(2, undefined, { loadbalance: 'shortestresponse' })];
    const cluster = reference(invokers);
    for (let i = 0; i < 10; i++) assert.ok([1, 2].includes((await cluster.invoke(invocation())) as number));
    cluster.destroy();
  });

  it('goes back to providers already tried once every provider was', async () => {
    const invokers = [1, 2].map((port) => new TestInvoker(port, failsWith(ErrorCode.CONNECT_FAILED)));
    const cluster = reference(invokers, { retries: '3' });
    await assert.rejects(cluster.invoke(invocation()), { code: ErrorCode.CONNECT_FAILED });
    assert.equal(invokers[0]!.calls + invokers[1]!.calls, 4);
    assert.ok(invokers.every((invoker) => invoker.calls > 0), 'each provider is tried before any is tried again');
    cluster.destroy();
  });

  it("stops at a business error met on a retry and passes it on as the provider's own", async () => {
    let attempts = 0;
    const business = new RpcError(ErrorCode.SERVICE_ERROR, 'insufficient funds');
    const answer = async () => {
      attempts++;
      throw attempts === 1 ? new RpcError(ErrorCode.CONNECT_FAILED, 'refused') : business;
    };
    const cluster = reference([new TestInvoker(1, answer), new TestInvoker(2, answer), new TestInvoker(3, answer)]);
    await assert.rejects(cluster.invoke(invocation()), (err) => err === business);
    assert.equal(attempts, 2);
    cluster.destroy();
  });

  it('says which providers it tried, keeping the last error as cause', async () => {
    const refused = (port: number) => new TestInvoker(port, async () => { throw new RpcError(ErrorCode.CONNECT_FAILED, `refused by ${port}`); });
    const cluster = reference([refused(1), refused(2)], { retries: '1' });
    await assert.rejects(cluster.invoke(invocation()), (err: RpcError) => {
      assert.equal(err.code, ErrorCode.CONNECT_FAILED);
      const last = err.cause as RpcError;
      assert.match(last.message, /^refused by [12]$/);
      const order = last.message.endsWith('2') ? '1, 127.0.0.1:2' : '2, 127.0.0.1:1';
      assert.equal(err.message, `${SERVICE}.echo failed on 2 provider(s) [127.0.0.1:${order}]: ${last.message}`);
      return true;
    });
    cluster.destroy();
  });

  it('fails with the last provider error when the providers are all gone before a retry', async () => {
    let directory!: StaticDirectory;
    // the provider leaves (the directory empties) while its attempt fails.
    const leaving = new TestInvoker(1, async () => {
      directory.destroy();
      throw new RpcError(ErrorCode.CONNECT_FAILED, 'refused');
    });
    directory = new StaticDirectory(consumerUrl(), [leaving]);
    const cluster = new FailoverCluster().join(directory);
    await assert.rejects(cluster.invoke(invocation()), { code: ErrorCode.CONNECT_FAILED, message: 'refused' });
    assert.equal(leaving.calls, 1);
  });

  it('re-sends a timed-out call when a governance rule set retries', async () => {
    const invokers = [1, 2, 3].map((port) => new RuledInvoker(port, { retries: '2' }, failsWith(ErrorCode.TIMEOUT)));
    const cluster = reference(invokers);
    await assert.rejects(cluster.invoke(invocation()), { code: ErrorCode.TIMEOUT });
    assert.equal(invokers.reduce((sum, invoker) => sum + invoker.calls, 0), 3);
    cluster.destroy();
  });
});
