/**
 * ProviderWorkers at its edges: what a worker's handle reports, stop's grace
 * reaching the workers, workers that misbehave while starting (different
 * ports, an exit, a stall, a throw), messages that are not ours, and the
 * options' messages. Real worker processes (provider-workers-edge-fixture.ts),
 * real sockets on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import cluster, { type Worker } from 'node:cluster';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../../common/rpc-error.js';
import { RpcClient } from '../../../rpc/consumer/rpc-client.js';
import { type ProviderWorkersOptions, startProviderWorkers } from '../../../rpc/provider/provider-workers.js';
import { EDGE_FIXTURE_PATH, Probe } from './provider-workers-edge-fixture.js';
import { failIfEndedEarly } from './exit-guard.js';
import { FIXTURE_PATH, WorkerInfo } from './provider-workers-fixture.js';

failIfEndedEarly();

const setup = () => {
  throw new Error('the primary never calls setup');
};

function start(mode: string, extra: Partial<ProviderWorkersOptions> = {}) {
  return startProviderWorkers({ workers: 2, setup, exec: EDGE_FIXTURE_PATH, args: [mode], execArgv: [], handleSignals: false, ...extra });
}

/** How each worker forked from now on ended: its exit code and signal, by pid. */
function recordExits(): Map<number, { code: number | null; signal: string | null }> {
  const exits = new Map<number, { code: number | null; signal: string | null }>();
  const onExit = (worker: Worker, code: number | null, signal: string | null) => void exits.set(worker.process.pid!, { code, signal });
  cluster.on('exit', onExit);
  after(() => void cluster.off('exit', onExit));
  return exits;
}

interface WorkerState {
  role: string;
  live: number;
  pids: number;
  execArgv: string[];
}

describe('ProviderWorkers edges', () => {
  const exits = recordExits();

  it('tells primary from worker: a worker is one live worker with no pids, and runs with the execArgv given', async () => {
    const workers = await start('probe', { execArgv: ['--max-old-space-size=200'] });
    const client = new RpcClient({ connections: 1 });
    try {
      assert.equal(workers.role, 'primary');
      assert.equal(workers.liveWorkers, 2);
      const proxy = client.refer(Probe, { url: `dubbo://127.0.0.1:${workers.port}`, retries: 0 });
      const state = JSON.parse((await proxy.state()) ?? "") as WorkerState;
      assert.deepEqual(state, { role: 'worker', live: 1, pids: 0, execArgv: ['--max-old-space-size=200'] });
    } finally {
      await client.close();
      await workers.stop();
    }
    assert.equal(workers.liveWorkers, 0);
    for (const pid of workers.workerPids) assert.deepEqual(exits.get(pid), { code: 0, signal: null }, 'each worker ended by itself');
  });

  it('leaves no listener of its start on the workers, and a worker ignores messages that are not a stop', async () => {
    const workers = await start('probe');
    const client = new RpcClient({ connections: 1 });
    try {
      const forked = Object.values(cluster.workers ?? {}).filter((w): w is Worker => workers.workerPids.includes(w!.process.pid!));
      assert.equal(forked.length, 2);
      for (const worker of forked) {
        // node:cluster keeps one 'message' listener of its own on each worker.
        assert.ok(worker.listenerCount('message') <= 1, `${worker.listenerCount('message')} message listeners`);
        assert.equal(worker.listenerCount('exit'), 0);
      }
      const proxy = client.refer(Probe, { url: `dubbo://127.0.0.1:${workers.port}`, retries: 0 });
      assert.equal((JSON.parse((await proxy.state()) ?? "") as WorkerState).live, 1);
      for (const worker of forked) {
        const pong = once(worker, 'message');
        worker.send(null as never);
        worker.send({ gettyRpc: 'hello' });
        worker.send({ ping: true });
        assert.deepEqual((await pong)[0], { pong: worker.process.pid });
      }
      assert.equal((JSON.parse((await proxy.state()) ?? "") as WorkerState).live, 1, 'still serving, not stopping');
      assert.equal(workers.liveWorkers, 2);
    } finally {
      await client.close();
      await workers.stop();
    }
  });

  it('stop() without options gives calls in flight the graceMs the pool was started with', async () => {
    const workers = await start('probe', { graceMs: 10_000 });
    const client = new RpcClient({ connections: 1 });
    try {
      const proxy = client.refer(Probe, { url: `dubbo://127.0.0.1:${workers.port}`, retries: 0 });
      const held = proxy.hold(300);
      while ((await proxy.holding()) !== 1) await new Promise((resolve) => setTimeout(resolve, 20));
      const stopping = workers.stop();
      assert.equal(await held, 0, 'answered by a worker that was stopping');
      await stopping;
    } finally {
      await client.close();
      await workers.stop();
    }
    for (const pid of workers.workerPids) assert.deepEqual(exits.get(pid), { code: 0, signal: null });
  });

  it('stop({ graceMs: 0 }) reaches the workers: a call in flight is cut, and they still end by themselves', async () => {
    const workers = await start('probe', { graceMs: 0 });
    const client = new RpcClient({ connections: 1 });
    try {
      const proxy = client.refer(Probe, { url: `dubbo://127.0.0.1:${workers.port}`, retries: 0 });
      const held = proxy.hold(3_000);
      held.catch(() => {});
      while ((await proxy.holding()) !== 1) await new Promise((resolve) => setTimeout(resolve, 20));
      await workers.stop({ graceMs: 0 });
      await assert.rejects(held);
    } finally {
      await client.close();
      await workers.stop();
    }
    for (const pid of workers.workerPids) assert.deepEqual(exits.get(pid), { code: 0, signal: null });
  });
});

describe('ProviderWorkers without its primary', () => {
  it('a worker whose primary is killed outright answers its call in flight, then ends', async () => {
    const primary = fork(FIXTURE_PATH, ['primary'], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const exited = once(primary, 'exit');
    const client = new RpcClient({ connections: 1 });
    let pids: number[] = [];
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    try {
      const [ready] = (await once(primary, 'message')) as [{ port: number; pids: number[] }];
      pids = ready.pids;
      const proxy = client.refer(WorkerInfo, { url: `dubbo://127.0.0.1:${ready.port}`, retries: 0 });
      const held = proxy.hold(500);
      held.catch(() => {});
      while ((await proxy.holding()) !== 1) await new Promise((resolve) => setTimeout(resolve, 20));
      primary.kill('SIGKILL');
      await exited;
      assert.ok(pids.includes(await held), 'answered by its worker');
      const deadline = Date.now() + 15_000;
      while (pids.some(alive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(pids.filter(alive), [], 'the orphaned workers ended');
    } finally {
      await client.close();
      if (primary.exitCode === null && primary.signalCode === null) primary.kill('SIGKILL');
      // Orphans are no longer the primary's to end: whatever this test's workers left, it ends.
      for (const pid of pids.filter(alive)) process.kill(pid, 'SIGKILL');
    }
  });
});

describe('ProviderWorkers start failures', () => {
  const exits = recordExits();
  const ours = () => Object.keys(cluster.workers ?? {}).length;

  it('rejects when the workers listen on different ports, naming them, and stops them', async () => {
    await assert.rejects(start('ports'), (err) => {
      assert.ok(isRpcError(err, ErrorCode.SERVER_ERROR));
      assert.match((err as Error).message, /^workers listen on different ports: 410\d+, 410\d+$/);
      return true;
    });
    assert.equal(ours(), 0);
  });

  it('rejects when a worker exits before listening, with its exit code', async () => {
    await assert.rejects(start('exit', { startTimeoutMs: 60_000 }), (err) => {
      assert.ok(isRpcError(err, ErrorCode.SERVER_ERROR));
      assert.equal((err as Error).message, 'worker exited (code 3) before listening');
      return true;
    });
    assert.equal(ours(), 0);
  });

  it('rejects after startTimeoutMs when a worker never listens, and kills what it cannot stop', async () => {
    const before = exits.size;
    await assert.rejects(start('stall', { startTimeoutMs: 300 }), (err) => {
      assert.ok(isRpcError(err, ErrorCode.SERVER_ERROR));
      assert.equal((err as Error).message, 'worker did not listen within 300 ms');
      return true;
    });
    assert.equal(ours(), 0);
    const ended = [...exits.values()].slice(before);
    assert.deepEqual(ended, [
      { code: null, signal: 'SIGKILL' },
      { code: null, signal: 'SIGKILL' },
    ]);
  });

  it('reports what setup threw, with its code, and the failed workers exit by themselves with code 1', async () => {
    const before = exits.size;
    await assert.rejects(start('refuse'), (err) => {
      assert.ok(isRpcError(err, ErrorCode.INVALID_ARGUMENT));
      assert.equal((err as Error).message, 'worker failed to start: refused by the edge fixture');
      return true;
    });
    await assert.rejects(start('throw-undefined', { startTimeoutMs: 60_000 }), (err) => {
      assert.ok(isRpcError(err, ErrorCode.SERVER_ERROR));
      assert.equal((err as Error).message, 'worker failed to start: undefined');
      return true;
    });
    while (ours() > 0) await once(cluster, 'exit');
    const ended = [...exits.values()].slice(before);
    assert.equal(ended.length, 4);
    for (const end of ended) assert.deepEqual(end, { code: 1, signal: null });
  });
});

describe('ProviderWorkers options', () => {
  it('names the option at fault, before forking anything', async () => {
    const cases: [Partial<ProviderWorkersOptions>, string][] = [
      [{ workers: 257 }, 'ProviderWorkers: workers must be an integer in 1..256'],
      [{ exec: '' }, "ProviderWorkers: exec must name the workers' script"],
      [{ exec: 42 as unknown as string }, "ProviderWorkers: exec must name the workers' script"],
      [{ graceMs: -1 }, 'ProviderWorkers: graceMs must be ≥ 0'],
      [{ graceMs: Number.NaN }, 'ProviderWorkers: graceMs must be ≥ 0'],
      [{ startTimeoutMs: 0 }, 'ProviderWorkers: startTimeoutMs must be > 0'],
    ];
    for (const [bad, message] of cases) {
      await assert.rejects(start('probe', bad), (err) => isRpcError(err, ErrorCode.INVALID_ARGUMENT) && (err as Error).message === message);
    }
    assert.equal(Object.keys(cluster.workers ?? {}).length, 0);
  });
});
