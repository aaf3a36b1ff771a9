/**
 * ProviderWorkers: a provider on node:cluster workers sharing one port. Real
 * worker processes, real sockets on 127.0.0.1, real RpcClients.
 */
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import cluster from 'node:cluster';
import { once } from 'node:events';
import net from 'node:net';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isRpcError } from '../../../common/rpc-error.js';
import { RpcClient } from '../../../rpc/consumer/rpc-client.js';
import { type ProviderWorkers, startProviderWorkers } from '../../../rpc/provider/provider-workers.js';
import { failIfEndedEarly } from './exit-guard.js';
import { FIXTURE_PATH, WorkerInfo } from './provider-workers-fixture.js';

failIfEndedEarly();

const setup = () => {
  throw new Error('the primary never calls setup');
};

function startTwo(args: string[] = ['worker']): Promise<ProviderWorkers> {
  return startProviderWorkers({ workers: 2, setup, exec: FIXTURE_PATH, args, execArgv: [], handleSignals: false });
}

function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Polls a condition with a bounded deadline (for a state that has no event here). */
async function waitFor(condition: () => Promise<boolean>, what: string, deadlineMs = 5_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('ProviderWorkers', () => {
  it('runs 2 workers that both answer on one port', async () => {
    const workers = await startTwo();
    const clients = Array.from({ length: 4 }, () => new RpcClient({ connections: 1 }));
    try {
      assert.equal(workers.role, 'primary');
      assert.equal(workers.workerPids.length, 2);
      const url = `dubbo://127.0.0.1:${workers.port}`;
      const pids = await Promise.all(clients.map((c) => c.refer(WorkerInfo, { url, retries: 0 }).pid()));
      assert.deepEqual(new Set(pids), new Set(workers.workerPids), 'connections are spread over both workers');
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await workers.stop();
    }
    assert.ok(workers.workerPids.every(isGone), 'no worker process left');
    assert.equal(Object.keys(cluster.workers ?? {}).length, 0);
  });

  it('stops gracefully: a call in flight still gets its answer, then the port is closed and no worker is left', async () => {
    const workers = await startTwo();
    const client = new RpcClient({ connections: 1 });
    try {
      const proxy = client.refer(WorkerInfo, { url: `dubbo://127.0.0.1:${workers.port}`, retries: 0 });
      const held = proxy.hold(300);
      await waitFor(async () => (await proxy.holding()) === 1, 'the held call to reach its worker');
      const stopping = workers.stop({ graceMs: 10_000 });
      assert.ok(workers.workerPids.includes(await held), 'the held call was answered by a worker');
      await stopping;
      assert.equal(workers.liveWorkers, 0);
      assert.ok(workers.workerPids.every(isGone));
      assert.ok(await refusesConnections(workers.port), 'nobody listens on the port any more');
    } finally {
      await client.close();
      await workers.stop();
    }
  });

  it('turns SIGTERM to the primary into a graceful stop that ends only its own workers', async () => {
    const primary = fork(FIXTURE_PATH, ['primary'], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const exited = once(primary, 'exit');
    try {
      const [ready] = (await once(primary, 'message')) as [{ port: number; pids: number[] }];
      assert.equal(ready.pids.length, 2);
      primary.kill('SIGTERM');
      const [code, signal] = await exited;
      assert.equal(signal, null, 'the primary handled SIGTERM instead of dying of it');
      assert.equal(code, 0);
      assert.ok(ready.pids.every(isGone), 'its workers are gone');
      assert.ok(await refusesConnections(ready.port));
    } finally {
      if (primary.exitCode === null && primary.signalCode === null) primary.kill('SIGKILL');
    }
  });

  it('ends its workers by themselves when the primary is killed outright', async () => {
    const primary = fork(FIXTURE_PATH, ['primary'], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const exited = once(primary, 'exit');
    const [ready] = (await once(primary, 'message')) as [{ port: number; pids: number[] }];
    primary.kill('SIGKILL');
    await exited;
    try {
      await waitFor(async () => ready.pids.every(isGone), 'the orphaned workers to stop', 15_000);
    } finally {
      // Orphans are no longer the primary's to end: whatever this test's workers left, it ends.
      for (const pid of ready.pids.filter((pid) => !isGone(pid))) process.kill(pid, 'SIGKILL');
    }
  });

  it('rejects with the worker\'s RpcError when setup throws, and leaves no worker running', async () => {
    const before = Object.keys(cluster.workers ?? {}).length;
    await assert.rejects(startTwo(['fail']), (err) => isRpcError(err, 'INVALID_ARGUMENT') && /setup refused on purpose/.test(err.message));
    assert.equal(Object.keys(cluster.workers ?? {}).length, before);
  });

  it('validates its options once, with INVALID_ARGUMENT', async () => {
    await assert.rejects(startProviderWorkers({ workers: 0, setup }), (err) => isRpcError(err, 'INVALID_ARGUMENT'));
    await assert.rejects(startProviderWorkers({ workers: 1.5, setup }), (err) => isRpcError(err, 'INVALID_ARGUMENT'));
    await assert.rejects(
      startProviderWorkers({ setup: 'nope' as unknown as () => never }),
      (err) => isRpcError(err, 'INVALID_ARGUMENT'),
    );
  });
});
