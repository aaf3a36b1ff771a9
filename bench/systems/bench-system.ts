/**
 * The contract every benchmarked system implements: an echo server that runs
 * in its own process and an echo client that the closed-loop load generator
 * drives from another. Systems register themselves in `system-registry.ts`.
 */
import type { Shape } from '../lib/bench-plan.js';

export interface EchoServer {
  /** The TCP port the server listens on (always on 127.0.0.1). */
  readonly port: number;
  /**
   * Other processes serving this port (node:cluster workers): their CPU and
   * RSS are added to the server's figures. Default none.
   */
  readonly pids?: readonly number[];
  close(): Promise<void>;
}

export interface EchoServerOptions {
  /**
   * Heartbeat / cron period for server sessions, in ms (connection-scale
   * mode). Systems with a session cron run it at this period and close a
   * session idle for 3 periods, as getty's session timeout check does;
   * systems without one (raw net) ignore it. Default: the system's own.
   */
  heartbeatMs?: number;
}

/** Called by a client when the call sent for `slot` has come back. */
export type ReplyHandler = (slot: number) => void;
/** Called by a client when the call sent for `slot` failed. */
export type FailureHandler = (slot: number, err: unknown) => void;

export interface EchoClientOptions {
  host: string;
  port: number;
  /** Number of connections (sessions) to open. */
  connections: number;
  onReply: ReplyHandler;
  onFailure: FailureHandler;
}

export interface EchoClient {
  /**
   * Sends one echo call on connection `connection`. `payload` is owned by the
   * harness and reused for the next call of the same slot; its first 4 bytes
   * hold `slot` (big-endian), so byte-level echoes can route replies.
   */
  send(connection: number, slot: number, payload: Buffer): void;
  close(): Promise<void>;
}

export interface BenchSystem {
  /** Short id used on the command line and in results (`raw-net`, `grpc-js`). */
  readonly id: string;
  /** What the table shows. */
  readonly label: string;
  /**
   * Extra warm-up in ms on top of the plan's warm-up, for peers whose first
   * seconds run far below steady state (grpc-js, sofa-rpc-node). Default 0.
   */
  readonly extraWarmupMs?: number;
  /** Whether the system runs in `shape` (default every shape); cells it does not run are left out. */
  readonly runsShape?: (shape: Shape) => boolean;
  /** Resolves to a reason when the system cannot run here; undefined when it can. */
  unavailableReason(): Promise<string | undefined>;
  startServer(host: string, options?: EchoServerOptions): Promise<EchoServer>;
  createClient(options: EchoClientOptions): Promise<EchoClient>;
}
