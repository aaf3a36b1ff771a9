/**
 * The one place the RPC layer creates transport endpoints, so the rest of rpc/
 * sees only the small shapes below (TCP and WebSocket alike).
 */
import type { ConnectionOptions, TlsOptions } from 'node:tls';
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import type { Session } from '../transport/session.js';
import type { TaskPool } from '../transport/task-pool.js';
import { createTcpClient } from '../transport/tcp-client.js';
import { createTcpServer } from '../transport/tcp-server.js';
import type { TimerWheel } from '../transport/timer-wheel.js';

export type TransportKind = 'tcp' | 'ws';

type NewSession = (session: Session) => void;

/** What the RPC layer needs of a transport client. */
export interface TransportClient {
  runEventLoop(newSession: NewSession): Promise<void>;
  readonly sessions: readonly Session[];
  close(): Promise<void>;
}

/** What the RPC layer needs of a transport server. */
export interface TransportServer {
  runEventLoop(newSession: NewSession): Promise<void>;
  readonly address: { host: string; port: number };
  close(): Promise<void>;
}

export interface ClientSpec {
  transport: TransportKind;
  host: string;
  port: number;
  /** WebSocket path. */
  path: string;
  tls?: ConnectionOptions | undefined;
  connections: number;
  wheel: TimerWheel;
}

export interface ServerSpec {
  transport: TransportKind;
  host: string;
  port: number;
  path: string;
  tls?: TlsOptions | undefined;
  taskPool?: TaskPool | undefined;
}

export function createTransportClient(spec: ClientSpec): TransportClient {
  if (spec.transport === 'ws') throw wsMissing();
  const { host, port, tls, connections, wheel } = spec;
  return createTcpClient({ host, port, tls, connectionNumber: connections, wheel });
}

export function createTransportServer(spec: ServerSpec): TransportServer {
  if (spec.transport === 'ws') throw wsMissing();
  const { host, port, tls, taskPool } = spec;
  return createTcpServer({ host, port, tls, taskPool });
}

function wsMissing(): RpcError {
  return new RpcError(ErrorCode.INVALID_ARGUMENT, 'the WebSocket transport is not available');
}
