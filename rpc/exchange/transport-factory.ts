/**
 * The one place the RPC layer creates transport endpoints, so the rest of rpc/
 * sees only the small shapes below (TCP and WebSocket alike).
 */
import type { ConnectionOptions, TlsOptions } from 'node:tls';
import type { ServerStats } from '../../transport/endpoint-options.js';
import type { Session } from '../../transport/session-contract.js';
import type { TaskPool } from '../../transport/task-pool.js';
import { createTcpClient } from '../../transport/tcp-client.js';
import { createTcpServer } from '../../transport/tcp-server.js';
import type { TimerWheel } from '../../transport/timer-wheel.js';
import { createWsClient } from '../../transport/ws-client.js';
import { createWsServer } from '../../transport/ws-server.js';

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
  stats(): ServerStats;
  /** `lingerMs`: how long closed sessions may still wait for their peer (default 3 000). */
  close(options?: { lingerMs?: number }): Promise<void>;
}

export interface ClientSpec {
  transport: TransportKind;
  host: string;
  port: number;
  /** WebSocket path. */
  path: string;
  tls?: ConnectionOptions | undefined;
  connections: number;
  /** Largest frame, in bytes (also the WebSocket message limit). */
  maxFrameLen: number;
  wheel: TimerWheel;
}

export interface ServerSpec {
  transport: TransportKind;
  host: string;
  port: number;
  /** WebSocket path (ws only). */
  path: string;
  tls?: TlsOptions | undefined;
  /** Runs request handling on a transport task pool instead of inline. */
  taskPool?: TaskPool | undefined;
  /** Largest frame read or written, in bytes. */
  maxFrameLen: number;
  maxConnections: number;
  maxServerWriteBufferBytes: number;
  handshakeTimeoutMs: number;
  /** WebSocket only. */
  allowedOrigins: readonly string[];
}

/** A TCP (or TLS) client, or a WebSocket one carrying each frame as one binary message. */
export function createTransportClient(spec: ClientSpec): TransportClient {
  const { host, port, tls, connections, wheel, maxFrameLen } = spec;
  if (spec.transport === 'ws') {
    const url = `${tls ? 'wss' : 'ws'}://${host}:${port}${spec.path}`;
    return createWsClient({ url, tls, connectionNumber: connections, wheel, maxPayloadBytes: maxFrameLen });
  }
  return createTcpClient({ host, port, tls, connectionNumber: connections, wheel });
}

/** A TCP (or TLS) server, or a WebSocket (or wss) one on `path`. */
export function createTransportServer(spec: ServerSpec): TransportServer {
  const { host, port, tls, taskPool, maxFrameLen, maxConnections, maxServerWriteBufferBytes, handshakeTimeoutMs } = spec;
  const limits = { maxConnections, maxServerWriteBufferBytes, handshakeTimeoutMs };
  if (spec.transport === 'ws') {
    const { path, allowedOrigins } = spec;
    return createWsServer({ host, port, path, tls, taskPool, maxPayloadBytes: maxFrameLen, allowedOrigins, ...limits });
  }
  return createTcpServer({ host, port, tls, taskPool, ...limits });
}
