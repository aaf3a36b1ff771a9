/**
 * Fixture for provider-workers.test.ts (does nothing when run on its own).
 * - As a node:cluster worker: one RpcServer with `WorkerInfo` (args: `worker`, or `fail` to make setup throw).
 * - `node provider-workers-fixture.js primary`: a primary with 2 workers that reports
 *   `{ port, pids }` over IPC and disconnects once stopped (the SIGTERM test).
 */
import cluster from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { ErrorCode, RpcError } from '../../../common/rpc-error.js';
import { startProviderWorkers } from '../../../rpc/provider/provider-workers.js';
import { RpcServer } from '../../../rpc/provider/rpc-server.js';
import { defineService } from '../../../rpc/service.js';

export const WorkerInfo = defineService('org.getty.test.WorkerInfo', {
  pid: { params: [], returns: 'int' },
  /** Answers after `ms` ms: a call that is in flight while the provider stops. */
  hold: { params: ['int'], returns: 'int' },
  /** Calls to `hold` in progress in this worker. */
  holding: { params: [], returns: 'int' },
});

let holding = 0;

function buildServer(): RpcServer {
  if (process.argv[2] === 'fail') throw new RpcError(ErrorCode.INVALID_ARGUMENT, 'setup refused on purpose');
  return new RpcServer({ host: '127.0.0.1', port: 0 }).addService(WorkerInfo, {
    pid: async () => process.pid,
    holding: async () => holding,
    hold: (ms: number) => {
      holding++;
      return new Promise<number>((resolve) => setTimeout(() => resolve(process.pid), ms)).finally(() => holding--);
    },
  });
}

export const FIXTURE_PATH = fileURLToPath(import.meta.url);

async function runPrimary(): Promise<void> {
  const workers = await startProviderWorkers({ workers: 2, setup: buildServer, exec: FIXTURE_PATH, args: ['worker'], execArgv: [] });
  process.send!({ port: workers.port, pids: workers.workerPids });
  await workers.stopped;
  process.disconnect();
}

if (cluster.isWorker) void startProviderWorkers({ setup: buildServer });
else if (process.argv[2] === 'primary') void runPrimary();
