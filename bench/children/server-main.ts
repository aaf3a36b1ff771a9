/**
 * Server child: starts one system's echo server on 127.0.0.1, reports the
 * port, answers CPU/RSS samples, and exits on `stop` or when the runner goes
 * away (so no server outlives its runner).
 */
import { performance } from 'node:perf_hooks';
import { procUsageOf } from '../lib/proc-usage.js';
import type { ServerCommand, ServerReady, ServerUsage } from '../lib/ipc-messages.js';
import type { EchoServer } from '../systems/bench-system.js';
import { loadSystem } from '../systems/all-systems.js';

/**
 * `gc` needs the child to run with --expose-gc; without it the sample is taken
 * as is. A server's worker processes (`pids`) add their CPU and RSS (not their heap).
 */
function usage(requestId: number, gc: boolean, pids: readonly number[]): ServerUsage {
  if (gc) (globalThis as { gc?: () => void }).gc?.();
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  const workers = procUsageOf(pids);
  return {
    type: 'usage',
    requestId,
    cpuMicros: cpu.user + cpu.system + workers.cpuMicros,
    atMs: performance.now(),
    rssBytes: mem.rss + workers.rssBytes,
    heapUsedBytes: mem.heapUsed,
  };
}

async function stop(server: EchoServer): Promise<never> {
  await server.close().catch(() => undefined);
  process.exit(0);
}

async function main(): Promise<void> {
  const heartbeatMs = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
  const server = await (await loadSystem(process.argv[2])).startServer('127.0.0.1', { heartbeatMs });
  process.on('message', (msg: ServerCommand) => {
    if (msg.type === 'usage') process.send!(usage(msg.requestId, msg.gc === true, server.pids ?? []));
    else void stop(server);
  });
  process.on('disconnect', () => void stop(server));
  process.send!({ type: 'ready', port: server.port } satisfies ServerReady);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
