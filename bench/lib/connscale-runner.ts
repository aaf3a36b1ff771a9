/**
 * Connection scale (docs/performance.md "Connection scale"): one server process holds N idle sessions opened
 * by client children from several 127.0.0.x source addresses, heartbeats on.
 * Reports server memory per session (RSS and JS heap, each after a full GC,
 * against the same server before any connection) and the cron/heartbeat cost
 * (server CPU over an idle window). Raw node:net is the baseline.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ChildHandle } from './child-process-handle.js';
import { heartbeatFrame } from './heartbeat-frames.js';
import type { ConnscaleClientConfig, ConnscaleClientEvent } from './connscale-messages.js';
import type { ServerUsage } from './ipc-messages.js';
import { ServerProcess } from './server-process.js';

export interface ConnscalePlan {
  systems: string[];
  /**
   * Sessions to open per system (≤ 19 000 per server process: the per-process
   * fd limit here is 20 000; a provider on N cluster workers can hold N × that).
   */
  sessions: number;
  heartbeatMs: number;
  /** Idle window over which the cron cost is measured, in ms. */
  idleMs: number;
}

export interface ConnscaleResult {
  system: string;
  target: number;
  /** Sessions open once every dial finished. */
  held: number;
  /** Sessions still open after the idle window (heartbeats kept them alive). */
  heldAfterIdle: number;
  dialErrors: number;
  firstError?: string;
  serverRssBytes: number;
  rssPerSessionBytes: number;
  heapPerSessionBytes: number;
  /** Server CPU over the idle window, percent of one core. */
  idleCpuPercent: number;
  /** Server CPU time per session per heartbeat period, in µs. */
  cpuMicrosPerSessionPeriod: number;
  skipped?: string;
}

/** Connections per client child (each child has its own fd limit). */
const PER_CLIENT = 9_000;
/** Connections per source address, well below the ~28 000 ephemeral ports. */
const PER_ADDRESS = 4_500;
const CONNECT_TIMEOUT_MS = 180_000;
const SETTLE_MS = 1_000;
/** A provider on cluster workers closing ~100 000 sessions needs more than the usual 5 s. */
const SERVER_STOP_GRACE_MS = 60_000;

export async function runConnscale(plan: ConnscalePlan, log: (line: string) => void): Promise<ConnscaleResult[]> {
  const results: ConnscaleResult[] = [];
  for (const system of plan.systems) {
    try {
      results.push(await measureSystem(system, plan, log));
    } catch (err) {
      log(`${system}: ${(err as Error).message}`);
      results.push({ ...emptyResult(system, plan.sessions), skipped: (err as Error).message });
    }
  }
  return results;
}

async function measureSystem(system: string, plan: ConnscalePlan, log: (line: string) => void): Promise<ConnscaleResult> {
  const server = await ServerProcess.start(system, { execArgv: ['--expose-gc'], heartbeatMs: plan.heartbeatMs });
  const clients: ChildHandle[] = [];
  try {
    const before = await server.usage(true);
    const connected = await openSessions(system, server.port, plan, clients);
    log(`${system}: ${connected.held} sessions held (${connected.dialErrors} dial errors)`);
    await sleep(SETTLE_MS);
    const loaded = await server.usage(true);
    const idleFrom = await server.usage();
    await sleep(plan.idleMs);
    const idleTo = await server.usage();
    const heldAfterIdle = await countOpen(clients);
    return { ...figures(system, plan, connected, before, loaded, idleFrom, idleTo), heldAfterIdle };
  } finally {
    for (const c of clients) if (c.child.connected) c.child.send({ type: 'stop' });
    await Promise.all(clients.map((c) => c.end(5_000)));
    await server.stop(SERVER_STOP_GRACE_MS);
  }
}

interface Connected {
  held: number;
  dialErrors: number;
  firstError?: string;
}

async function openSessions(system: string, port: number, plan: ConnscalePlan, clients: ChildHandle[]): Promise<Connected> {
  const replies: Promise<ConnscaleClientEvent>[] = [];
  let addressIndex = 0;
  for (let left = plan.sessions; left > 0; left -= PER_CLIENT) {
    const count = Math.min(left, PER_CLIENT);
    const addresses = Math.ceil(count / PER_ADDRESS);
    const config: ConnscaleClientConfig = {
      host: '127.0.0.1',
      port,
      localAddresses: Array.from({ length: addresses }, () => `127.0.0.${10 + addressIndex++}`),
      perAddress: Math.ceil(count / addresses),
      heartbeatMs: plan.heartbeatMs,
      heartbeatHex: heartbeatFrame(system).toString('hex'),
    };
    const child = new ChildHandle('connscale-client-main.js', [JSON.stringify(config)]);
    clients.push(child);
    replies.push(child.nextMessage((m): m is ConnscaleClientEvent => (m as ConnscaleClientEvent).type === 'connected', CONNECT_TIMEOUT_MS));
  }
  return sumConnected(await Promise.all(replies));
}

async function countOpen(clients: ChildHandle[]): Promise<number> {
  const counts = clients.map((c) => {
    const reply = c.nextMessage((m): m is { type: 'count'; open: number } => (m as ConnscaleClientEvent).type === 'count', 30_000);
    c.child.send({ type: 'count' });
    return reply;
  });
  return (await Promise.all(counts)).reduce((sum, e) => sum + e.open, 0);
}

function sumConnected(events: ConnscaleClientEvent[]): Connected {
  const out: Connected = { held: 0, dialErrors: 0 };
  for (const e of events) {
    if (e.type !== 'connected') continue;
    out.held += e.held;
    out.dialErrors += e.dialErrors;
    out.firstError ??= e.firstError;
  }
  return out;
}

function figures(
  system: string,
  plan: ConnscalePlan,
  connected: Connected,
  before: ServerUsage,
  loaded: ServerUsage,
  idleFrom: ServerUsage,
  idleTo: ServerUsage,
): Omit<ConnscaleResult, 'heldAfterIdle'> {
  const held = Math.max(connected.held, 1);
  const cpuMicros = idleTo.cpuMicros - idleFrom.cpuMicros;
  const wallMs = idleTo.atMs - idleFrom.atMs;
  const periods = wallMs / plan.heartbeatMs;
  return {
    system,
    target: plan.sessions,
    held: connected.held,
    dialErrors: connected.dialErrors,
    firstError: connected.firstError,
    serverRssBytes: loaded.rssBytes,
    rssPerSessionBytes: (loaded.rssBytes - before.rssBytes) / held,
    heapPerSessionBytes: (loaded.heapUsedBytes - before.heapUsedBytes) / held,
    idleCpuPercent: wallMs > 0 ? (cpuMicros / 1000 / wallMs) * 100 : 0,
    cpuMicrosPerSessionPeriod: periods > 0 ? cpuMicros / held / periods : 0,
  };
}

function emptyResult(system: string, target: number): ConnscaleResult {
  return {
    system,
    target,
    held: 0,
    heldAfterIdle: 0,
    dialErrors: 0,
    serverRssBytes: 0,
    rssPerSessionBytes: 0,
    heapPerSessionBytes: 0,
    idleCpuPercent: 0,
    cpuMicrosPerSessionPeriod: 0,
  };
}
