/**
 * Runs one cell (one system × one shape, closed loop or at a fixed rate) against an already running server:
 * forks a fresh load child, and for each of its windows pairs the client's
 * figures with server CPU/RSS and machine CPU sampled at the window's edges.
 */
import type { Shape, Timing } from './bench-plan.js';
import { ChildHandle } from './child-process-handle.js';
import type { ClientCpuSample, LoadConfig, LoadEvent, ServerUsage } from './ipc-messages.js';
import { type MachineCpuSample, machineBusyPercent, sampleMachineCpu } from './machine-cpu.js';
import type { ServerProcess } from './server-process.js';
import type { WindowFigures } from './closed-loop.js';

export interface TrialFigures {
  callsPerSec: number;
  p50Micros: number;
  p99Micros: number;
  maxMicros: number;
  errors: number;
  /** Percent of one core, all threads of the process. */
  serverCpuPercent: number;
  clientCpuPercent: number;
  /** Machine busy time not used by server or client, percent of one core. */
  foreignCpuPercent: number;
  serverRssBytes: number;
  /** Open loop only: due calls not sent because every slot was busy. */
  shed?: number;
}

interface Edge {
  server: Promise<ServerUsage>;
  machine: MachineCpuSample;
  client: ClientCpuSample;
}

/** Time allowed beyond the planned duration before the load child is killed. */
const CELL_SLACK_MS = 60_000;

export async function runCell(
  server: ServerProcess,
  systemId: string,
  shape: Shape,
  timing: Timing,
  extraWarmupMs = 0,
  ratePerSec?: number,
): Promise<TrialFigures[]> {
  const config: LoadConfig = { system: systemId, host: '127.0.0.1', port: server.port, ...shape, ...timing, ratePerSec };
  const load = new ChildHandle('load-main.js', [JSON.stringify(config)]);
  const budgetMs = timing.warmupMs + extraWarmupMs + timing.windows * timing.windowMs + CELL_SLACK_MS;
  const killer = setTimeout(() => load.kill(), budgetMs);
  try {
    return await collectTrials(load, server);
  } finally {
    clearTimeout(killer);
    await load.end(5_000);
  }
}

function collectTrials(load: ChildHandle, server: ServerProcess): Promise<TrialFigures[]> {
  const trials: Promise<TrialFigures>[] = [];
  let opened: Edge | undefined;
  let finished = false;
  return new Promise<TrialFigures[]>((resolve, reject) => {
    load.child.on('message', (event: LoadEvent) => {
      if (event.type === 'window-open') opened = edgeNow(server, event);
      else if (event.type === 'window-closed' && opened) trials.push(trialOf(opened, edgeNow(server, event), event.figures));
      else if (event.type === 'failed') reject(new Error(`load generator failed: ${event.message}`));
      if (event.type === 'done' || event.type === 'failed') finished = true;
      if (event.type === 'done') Promise.all(trials).then(resolve, reject);
    });
    load.child.once('exit', (code) => finished || reject(new Error(`load generator exited (code ${code}) before finishing`)));
  });
}

function edgeNow(server: ServerProcess, client: ClientCpuSample): Edge {
  return { server: server.usage(), machine: sampleMachineCpu(), client };
}

async function trialOf(from: Edge, to: Edge, figures: WindowFigures): Promise<TrialFigures> {
  const [s0, s1] = await Promise.all([from.server, to.server]);
  const serverCpuPercent = cpuPercent(s1.cpuMicros - s0.cpuMicros, s1.atMs - s0.atMs);
  const clientCpuPercent = cpuPercent(
    to.client.clientCpuMicros - from.client.clientCpuMicros,
    to.client.clientAtMs - from.client.clientAtMs,
  );
  const machine = machineBusyPercent(from.machine, to.machine);
  return {
    callsPerSec: (figures.calls / figures.elapsedMs) * 1000,
    p50Micros: figures.p50Micros,
    p99Micros: figures.p99Micros,
    maxMicros: figures.maxMicros,
    errors: figures.errors,
    serverCpuPercent,
    clientCpuPercent,
    foreignCpuPercent: Math.max(0, machine - serverCpuPercent - clientCpuPercent),
    serverRssBytes: s1.rssBytes,
    ...(figures.shed === undefined ? {} : { shed: figures.shed }),
  };
}

function cpuPercent(cpuMicros: number, wallMs: number): number {
  return wallMs > 0 ? (cpuMicros / 1000 / wallMs) * 100 : 0;
}
