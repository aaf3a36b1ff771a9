/**
 * Shared option types and the one-time validation every endpoint runs on its
 * options (typed options, defaults in doc comments, INVALID_ARGUMENT once).
 */
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import type { Session } from './session.js';
import type { TaskPool } from './task-pool.js';
import type { TimerWheel } from './timer-wheel.js';

/**
 * Configures a session before it runs (setPkgHandler, setEventListener, ...).
 * Throwing refuses the connection: the socket is closed, no listener runs.
 */
export type NewSessionCallback<P = unknown> = (session: Session<P>) => void;

/** The bound address of a server or endpoint. */
export interface EndpointAddress {
  host: string;
  port: number;
}

/** What every endpoint accepts besides its address. */
export interface EndpointCommonOptions {
  /** Dispatches onMessage; full → the session stops reading. Not closed by the endpoint. Default: inline. */
  taskPool?: TaskPool;
  /** Drives cron, idle and write checks. Default: defaultTimerWheel(). */
  wheel?: TimerWheel;
}

/** What a listening endpoint (server, UDP endpoint) accepts. */
export interface ListenOptions extends EndpointCommonOptions {
  /** Listen host. Default 127.0.0.1. */
  host?: string;
  /** Listen port; 0 picks a free one (see `address`). Default 0. */
  port?: number;
  /**
   * Connections held at once (TLS handshakes and lingering closes included);
   * one more is closed at accept and counted as refused `maxConnections`.
   * 0 = no limit. Default 0. Stream servers only.
   */
  maxConnections?: number;
  /**
   * Output the server's sessions may hold in their sockets together, in
   * bytes. Past it, a session holding more than its share (this / open
   * sessions) is dropped with WRITE_BUFFER_FULL. Default 256 MiB
   * (DEFAULT_MAX_SERVER_WRITE_BUFFER_BYTES).
   */
  maxServerWriteBufferBytes?: number;
}

/** Default bound on the output all sessions of one server hold together: 256 MiB. */
export const DEFAULT_MAX_SERVER_WRITE_BUFFER_BYTES = 256 * 1024 * 1024;

/** Why a connection never became a session (ServerStats.refused). */
export type RefusalReason = 'maxConnections' | 'handshake' | 'origin' | 'newSession' | 'selfConnect' | 'closing';

/** A server's counters (`server.stats()`). */
export interface ServerStats {
  /** Sessions opened since start. */
  accepted: number;
  /** Sessions open now. */
  open: number;
  /** Connections closed before they became a session, by reason. */
  refused: Record<RefusalReason, number>;
  /** Sessions closed with an error, by its RpcError code (the session's closeReason). */
  dropped: Partial<Record<ErrorCode, number>>;
  /** Bytes the open sessions' sockets hold (as of their last flush or drain). */
  bufferedBytes: number;
}

export function invalidArgument(message: string): RpcError {
  return new RpcError(ErrorCode.INVALID_ARGUMENT, message);
}

export function checkHost(host: unknown, fallback = '127.0.0.1'): string {
  if (host === undefined) return fallback;
  if (typeof host !== 'string' || host.length === 0) throw invalidArgument(`host must be a non-empty string, got ${String(host)}`);
  return host;
}

export function checkPort(port: unknown, allowZero: boolean): number {
  if (port === undefined && allowZero) return 0;
  const min = allowZero ? 0 : 1;
  if (!Number.isInteger(port) || (port as number) < min || (port as number) > 65535) {
    throw invalidArgument(`port must be an integer in ${min}..65535, got ${String(port)}`);
  }
  return port as number;
}

export function checkInteger(value: unknown, fallback: number, min: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || (value as number) < min) {
    throw invalidArgument(`${name} must be an integer >= ${min}, got ${String(value)}`);
  }
  return value as number;
}

export function checkCallback(fn: unknown, name: string): void {
  if (typeof fn !== 'function') throw invalidArgument(`${name} must be a function`);
}
