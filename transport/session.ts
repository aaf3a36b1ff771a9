/**
 * The one Session interface shared by TCP, TLS, WebSocket and UDP sessions
 * (go-anchors §1.2). Implementations live in their own files.
 */
import type { RpcError } from '../common/rpc-error.js';
import type { EventListener } from './event-listener.js';
import type { ReadWriter } from './package-handler.js';

export type SessionKind = 'tcp' | 'tls' | 'ws' | 'wss' | 'udp-client' | 'udp-endpoint';

export interface SessionStats {
  bytesIn: number;
  bytesOut: number;
  pkgsIn: number;
  pkgsOut: number;
}

export interface Session<P = unknown> {
  readonly id: number;
  readonly name: string;
  readonly kind: SessionKind;
  readonly localAddress: string;
  readonly remoteAddress: string;
  readonly closed: boolean;
  /** Date.now() of the last package received (getty updates it on receive only). */
  readonly lastActive: number;
  readonly stats: Readonly<SessionStats>;

  // ---- configuration, called from the newSession callback before the session runs
  setName(name: string): this;
  setPkgHandler(handler: ReadWriter<P>): this;
  setEventListener(listener: EventListener<P>): this;
  /** Idle read timeout; 0 disables. */
  setReadTimeout(ms: number): this;
  /** A write not flushed within this time closes the session; 0 disables. */
  setWriteTimeout(ms: number): this;
  /** onCron period in milliseconds (default 60 000). */
  setCronPeriod(ms: number): this;
  /** Largest frame accepted, in bytes; checked from the header. */
  setMaxMsgLen(bytes: number): this;

  // ---- attributes (getty's session context)
  getAttribute<T = unknown>(key: unknown): T | undefined;
  setAttribute(key: unknown, value: unknown): void;
  deleteAttribute(key: unknown): void;

  // ---- writes: throw RpcError SESSION_CLOSED after close; false = over the high-water mark
  writePkg(pkg: P): boolean;
  writeBytes(buf: Buffer): boolean;
  writeBytesArray(bufs: readonly Buffer[]): boolean;

  /** Idempotent. */
  close(reason?: RpcError): void;
  /** Runs `cb` once when the session closes (at once if already closed). */
  onClosed(cb: (session: Session<P>) => void): void;
}
