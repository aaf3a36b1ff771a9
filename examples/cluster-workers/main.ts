/**
 * cluster-workers: one provider on 2 node:cluster worker processes sharing
 * one port, so it uses both cores. The primary calls it through 4
 * connections, shows which worker answered each, then stops the workers
 * gracefully (as SIGTERM or Ctrl-C would) and exits 0.
 *
 *   npm run build && node dist/examples/cluster-workers/main.js
 *
 * The same file runs in the primary and in each worker: `startProviderWorkers`
 * forks the workers in the primary and runs `setup` in each worker.
 */
import cluster from 'node:cluster';
import { defineService, RpcClient, RpcServer, startProviderWorkers } from '../../index.js';

const WhoService = defineService('org.apache.dubbo.demo.WhoService', {
  who: { params: ['java.lang.String'], returns: 'java.lang.String' },
});

/** Runs in every worker: the provider it serves (not started; the worker starts it). */
function setup(): RpcServer {
  // Port 0 in a cluster: every worker gets the same OS-picked port. A real provider names one (e.g. 20880).
  return new RpcServer({ host: '127.0.0.1', port: 0, application: 'cluster-provider' }).addService(WhoService, {
    who: async (caller) => `hello ${caller}, from worker pid ${process.pid}`,
  });
}

async function callFromPrimary(port: number): Promise<void> {
  const clients = Array.from({ length: 4 }, () => new RpcClient({ application: 'cluster-consumer', connections: 1 }));
  try {
    const replies = await Promise.all(
      clients.map((client, i) => client.refer(WhoService, { url: `dubbo://127.0.0.1:${port}` }).who(`connection ${i}`)),
    );
    for (const reply of replies) console.log(reply);
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
}

async function main(): Promise<void> {
  const workers = await startProviderWorkers({ workers: 2, setup, graceMs: 2_000 });
  if (cluster.isWorker) return; // a worker now just serves until the primary stops it
  console.log(`2 workers (pids ${workers.workerPids.join(', ')}) listen on 127.0.0.1:${workers.port}`);
  try {
    await callFromPrimary(workers.port);
  } finally {
    await workers.stop();
  }
  console.log(`stopped; workers left: ${workers.liveWorkers}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
