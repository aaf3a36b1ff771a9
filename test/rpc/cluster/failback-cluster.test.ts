import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, RpcError } from '../../../common/rpc-error.js';
import { FailbackCluster, type FailbackEvent, type FailbackScheduler } from '../../../rpc/cluster/failback-cluster.js';
import type { Invocation } from '../../../rpc/invocation.js';
import { StaticDirectory } from '../../../rpc/cluster/directory/static-directory.js';
import { consumerUrl, deferred, failsWith, invocation, TestInvoker, within } from './test-invoker.js';

/** Collects failback events and lets a test wait for the n-th of a kind. */
function recorder() {
  const events: FailbackEvent[] = [];
  const waiters = new Set<() => void>();
  const countOf = (kind: FailbackEvent['kind']) => events.filter((event) => event.kind === kind).length;
  const onEvent = (event: FailbackEvent) => {
    events.push(event);
    for (const check of [...waiters]) check();
  };
  const until = (kind: FailbackEvent['kind'], count = 1) => {
    const done = deferred<void>();
    const check = () => {
      if (countOf(kind) < count) return;
      waiters.delete(check);
      done.resolve();
    };
    waiters.add(check);
    check();
    return within(done.promise, 5000, `failback '${kind}' x${count}`);
  };
  return { events, onEvent, until };
}

/** A scheduler the test drives: it counts the passes asked for and runs one when told. */
function manualScheduler() {
  const waiting = new Set<() => void>();
  let scheduled = 0;
  const scheduler: FailbackScheduler = {
    schedule(_delayMs, callback) {
      scheduled++;
      waiting.add(callback);
      return { cancel: () => waiting.delete(callback) };
    },
  };
  const runPass = () => {
    const [next] = waiting;
    assert.ok(next, 'no retry pass is scheduled');
    waiting.delete(next);
    next();
  };
  return { scheduler, runPass, scheduledCount: () => scheduled, waitingCount: () => waiting.size };
}

/** Lets the promise callbacks queued so far run (the end of a retry pass schedules the next). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('FailbackCluster', () => {
  it('resolves undefined at once, queues the call and later succeeds', async () => {
    const flaky = new TestInvoker(1, async (_inv, call) => {
      if (call === 1) throw new Error('connection reset');
      return 'delivered';
    });
    const log = recorder();
    const cluster = new FailbackCluster({ retryIntervalMs: 20, onEvent: log.onEvent }).join(new StaticDirectory(consumerUrl(), [flaky]));
    assert.equal(await cluster.invoke(invocation('notify', ['x'])), undefined);
    assert.equal(cluster.pendingTasks, 1);
    await log.until('retried');
    assert.equal(flaky.calls, 2);
    assert.equal(cluster.pendingTasks, 0);
    assert.deepEqual(log.events.map((e) => e.kind), ['queued', 'retried']);
    cluster.destroy();
  });

  it('gives up after 3 retries by default', async () => {
    const dead = new TestInvoker(1, failsWith(ErrorCode.NETWORK));
    const log = recorder();
    const cluster = new FailbackCluster({ retryIntervalMs: 10, onEvent: log.onEvent }).join(new StaticDirectory(consumerUrl(), [dead]));
    await cluster.invoke(invocation());
    await log.until('dropped');
    assert.equal(dead.calls, 1 + 3);
    assert.deepEqual(log.events.map((e) => e.kind), ['queued', 'failed', 'failed', 'dropped']);
    assert.equal(cluster.pendingTasks, 0);
    cluster.destroy();
  });

  it('keeps at most failbacktasks calls and drops the rest', async () => {
    const dead = new TestInvoker(1, failsWith(ErrorCode.NETWORK));
    const log = recorder();
    const directory = new StaticDirectory(consumerUrl({ failbacktasks: '2' }), [dead]);
    const cluster = new FailbackCluster({ retryIntervalMs: 60_000, onEvent: log.onEvent }).join(directory);
    for (let i = 0; i < 5; i++) await cluster.invoke(invocation());
    assert.equal(cluster.pendingTasks, 2);
    assert.deepEqual(log.events.map((e) => e.kind), ['queued', 'queued', 'dropped', 'dropped', 'dropped']);
    cluster.destroy();
    assert.equal(cluster.pendingTasks, 0);
  });

  it('does not queue a business error, which would only repeat', async () => {
    const log = recorder();
    const directory = new StaticDirectory(consumerUrl(), [new TestInvoker(1, failsWith(ErrorCode.SERVICE_ERROR))]);
    const cluster = new FailbackCluster({ onEvent: log.onEvent }).join(directory);
    assert.equal(await cluster.invoke(invocation()), undefined);
    assert.equal(cluster.pendingTasks, 0);
    assert.deepEqual(log.events.map((e) => e.kind), ['dropped']);
    cluster.destroy();
  });

  it('retries on another provider than the one that failed', async () => {
    const broken = new TestInvoker(1, failsWith(ErrorCode.NETWORK));
    const healthy = new TestInvoker(2);
    const log = recorder();
    const directory = new StaticDirectory(consumerUrl({ loadbalance: 'roundrobin' }), [broken, healthy]);
    const cluster = new FailbackCluster({ retryIntervalMs: 10, onEvent: log.onEvent }).join(directory);
    await cluster.invoke(invocation('failback-move'));
    await log.until('retried');
    assert.deepEqual([broken.calls, healthy.calls], [1, 1]);
    cluster.destroy();
  });

  it('runs one retry pass for all waiting calls, and schedules none once nothing waits', async () => {
    const flaky = new TestInvoker(1, async (_inv, call) => {
      if (call <= 3) throw new RpcError(ErrorCode.CONNECT_FAILED, 'refused');
      return 'delivered';
    });
    const timer = manualScheduler();
    const log = recorder();
    const cluster = new FailbackCluster({ scheduler: timer.scheduler, onEvent: log.onEvent }).join(new StaticDirectory(consumerUrl(), [flaky]));
    for (let i = 0; i < 3; i++) await cluster.invoke(invocation());
    assert.equal(timer.scheduledCount(), 1);
    timer.runPass();
    await log.until('retried', 3);
    await settle();
    assert.equal(timer.scheduledCount(), 1);
    assert.equal(timer.waitingCount(), 0);
    cluster.destroy();
  });

  it('sends every retry to a provider other than the one that failed', async () => {
    const broken = new TestInvoker(1, failsWith(ErrorCode.CONNECT_FAILED));
    const healthy = new TestInvoker(2);
    const timer = manualScheduler();
    const log = recorder();
    const cluster = new FailbackCluster({ scheduler: timer.scheduler, onEvent: log.onEvent }).join(new StaticDirectory(consumerUrl(), [broken, healthy]));
    for (let i = 0; i < 500 && broken.calls < 10; i++) await cluster.invoke(invocation());
    assert.equal(cluster.pendingTasks, 10);
    timer.runPass();
    await log.until('retried', 10);
    assert.equal(broken.calls, 10, 'no retry went back to the failed provider');
    cluster.destroy();
  });

  it("takes the number of retries from the reference's retries param", async () => {
    const log = recorder();
    const timer = manualScheduler();
    const directory = new StaticDirectory(consumerUrl({ retries: '1' }), [new TestInvoker(1, failsWith(ErrorCode.CONNECT_FAILED))]);
    const cluster = new FailbackCluster({ scheduler: timer.scheduler, onEvent: log.onEvent }).join(directory);
    await cluster.invoke(invocation());
    timer.runPass();
    await log.until('dropped');
    assert.deepEqual(log.events.map((e) => e.kind), ['queued', 'dropped']);
    cluster.destroy();
  });

  it('queues a failed call without an event listener', async () => {
    const directory = new StaticDirectory(consumerUrl(), [new TestInvoker(1, failsWith(ErrorCode.CONNECT_FAILED))]);
    const cluster = new FailbackCluster({ scheduler: manualScheduler().scheduler }).join(directory);
    assert.equal(await cluster.invoke(invocation()), undefined);
    assert.equal(cluster.pendingTasks, 1);
    cluster.destroy();
  });

  it("retries without the call's deadline, which has long passed by then", async () => {
    const deadlines: (number | undefined)[] = [];
    const provider = new TestInvoker(1, async (inv: Invocation, call) => {
      deadlines.push(inv.deadline);
      if (call === 1) throw new RpcError(ErrorCode.CONNECT_FAILED, 'refused');
      return 'delivered';
    });
    const log = recorder();
    const timer = manualScheduler();
    const cluster = new FailbackCluster({ scheduler: timer.scheduler, onEvent: log.onEvent }).join(new StaticDirectory(consumerUrl(), [provider]));
    await cluster.invoke(invocation('notify', [], { deadline: 12345 }));
    timer.runPass();
    await log.until('retried');
    assert.deepEqual(deadlines, [12345, undefined]);
    cluster.destroy();
  });

  it('drops a call that fails after destroy, scheduling no retry', async () => {
    const answer = deferred();
    const timer = manualScheduler();
    const log = recorder();
    const cluster = new FailbackCluster({ scheduler: timer.scheduler, onEvent: log.onEvent }).join(new StaticDirectory(consumerUrl(), [new TestInvoker(1, () => answer.promise)]));
    const call = cluster.invoke(invocation());
    cluster.destroy();
    answer.reject(new RpcError(ErrorCode.CONNECT_FAILED, 'refused'));
    assert.equal(await call, undefined);
    assert.deepEqual(log.events.map((e) => e.kind), ['dropped']);
    assert.equal(cluster.pendingTasks, 0);
    assert.equal(timer.scheduledCount(), 0);
  });
});
