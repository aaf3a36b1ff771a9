/** The IPC messages between the runner and its server and load children. */
import type { WindowFigures } from './closed-loop.js';

/** Server child → runner, once listening. */
export interface ServerReady {
  type: 'ready';
  port: number;
}

/** Server child → runner, answering a `usage` request. */
export interface ServerUsage {
  type: 'usage';
  requestId: number;
  /** user + system CPU time of the whole process (all threads), in µs. */
  cpuMicros: number;
  /** The server's own monotonic clock when sampled, in ms. */
  atMs: number;
  rssBytes: number;
  heapUsedBytes: number;
}

/** Runner → server child. */
export type ServerCommand = { type: 'usage'; requestId: number; gc?: boolean } | { type: 'stop' };

/** Everything a load child needs; passed as its one argv argument (JSON). */
export interface LoadConfig {
  system: string;
  host: string;
  port: number;
  connections: number;
  inFlight: number;
  payloadBytes: number;
  warmupMs: number;
  windowMs: number;
  windows: number;
  /** Open loop: calls/s sent on a fixed schedule (absent: closed loop with `inFlight` per connection). */
  ratePerSec?: number;
}

/** The load child's own CPU time (µs, all threads) at its monotonic time atMs. */
export interface ClientCpuSample {
  clientCpuMicros: number;
  clientAtMs: number;
}

/** Load child → runner. */
export type LoadEvent =
  | ({ type: 'window-open'; index: number } & ClientCpuSample)
  | ({ type: 'window-closed'; index: number; figures: WindowFigures } & ClientCpuSample)
  | { type: 'failed'; message: string }
  | { type: 'done' };
