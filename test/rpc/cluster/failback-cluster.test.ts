import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../../common/rpc-error.js';
import { FailbackCluster, type FailbackEvent } from '../../../rpc/cluster/failback-cluster.js';
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
});
