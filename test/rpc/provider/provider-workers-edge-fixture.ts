/**
 * Worker script for provider-workers-edges.test.ts (does nothing outside a node:cluster worker).
 * The first argument picks what the worker does:
 * - `probe`: one RpcServer with `Probe`; before listening it sends the primary a null and a
 *   user message, and it answers a `{ ping }` from the primary with `{ pong }`.
 * - `ports`: a stand-in server that "listens" on 41000 + the worker's id (workers disagree).
 * - `exit`: exits with code 3 while setting up, without a word to the primary.
 * - `stall`: closes its IPC channel and stays alive without listening.
 * - `throw-undefined`: setup throws `undefined`.
 * - `refuse`: setup throws an RpcError INVALID_ARGUMENT.
 */
import cluster from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { ErrorCode, RpcError } from '../../../common/rpc-error.js';
import { type ProviderWorkers, startProviderWorkers } from '../../../rpc/provider/provider-workers.js';
import { RpcServer } from '../../../rpc/provider/rpc-server.js';
import { defineService } from '../../../rpc/service.js';

export const EDGE_FIXTURE_PATH = fileURLToPath(import.meta.url);

export const Probe = defineService('org.getty.test.WorkerProbe', {
  /** JSON of what this worker's handle says about itself, and its Node flags. */
  state: { params: [], returns: 'java.lang.String' },
  /** Answers after `ms` ms with the worker's liveWorkers at that moment. */
  hold: { params: ['int'], returns: 'int' },
  /** Calls to `hold` in progress. */
  holding: { params: [], returns: 'int' },
});

let handle: ProviderWorkers | undefined;
let holding = 0;

function probeServer(): RpcServer {
  process.send!(null);
  process.send!({ hello: 'from the application' });
  return new RpcServer({ host: '127.0.0.1', port: 0 }).addService(Probe, {
    state: async () =>
      JSON.stringify({ role: handle!.role, live: handle!.liveWorkers, pids: handle!.workerPids.length, execArgv: process.execArgv }),
    holding: async () => holding,
    hold: (ms: number) => {
      holding++;
      return new Promise<number>((resolve) => setTimeout(() => resolve(handle!.liveWorkers), ms)).finally(() => holding--);
    },
  });
}

const setups: Record<string, () => unknown> = {
  probe: probeServer,
  ports: () => ({ port: 41000 + cluster.worker!.id, start: async () => {}, stop: async () => {} }),
  exit: () => process.exit(3),
  stall: () => {
    // Stays alive with its channel to the primary closed (node:cluster would end a worker
    // whose channel closes: its handler is taken off first), so no stop message reaches it.
    process.removeAllListeners('disconnect');
    process.disconnect();
    setInterval(() => {}, 60_000);
    return new Promise(() => {});
  },
  'throw-undefined': () => {
    throw undefined;
  },
  refuse: () => {
    throw new RpcError(ErrorCode.INVALID_ARGUMENT, 'refused by the edge fixture');
  },
};

if (cluster.isWorker) {
  const setup = setups[process.argv[2] ?? ''] as () => RpcServer;
  process.on('message', (msg: { ping?: boolean }) => {
    if (msg?.ping) process.send!({ pong: process.pid });
  });
  // A script that handles start's rejection: the worker must still end itself.
  startProviderWorkers({ setup }).then(
    (started) => {
      handle = started;
    },
    () => {},
  );
}
