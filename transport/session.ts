/**
 * The one Session interface shared by TCP, TLS, WebSocket and UDP sessions
 * (go-anchors §1.2). Implementations live in their own files.
 */
import type { RpcError } from '../common/rpc-error.js';
import type { CompressType } from './compress-type.js';
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
  /** Bytes accepted by writes and not yet taken by the kernel. */
  readonly bufferedBytes: number;
  /** onMessage promises not yet settled. */
  readonly inflight: number;
  /**
   * Why the session closed: the RpcError it was closed with (a limit, a bad
   * frame, a network error), undefined while open or after a clean close.
   * Readable in onClose and onClosed callbacks.
   */
  readonly closeReason: RpcError | undefined;

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
  /** Largest frame accepted, in bytes; checked from the header (default 1 MiB; 0 disables). */
  setMaxMsgLen(bytes: number): this;
  /**
   * Bytes queued towards the peer (ours plus the socket's) above which the
   * session closes with RpcError WRITE_BUFFER_FULL (default 64 MiB).
   */
  setMaxWriteBufferBytes(bytes: number): this;
  /**
   * onMessage promises not yet settled at which the session stops reading
   * until half of them settled (0 = no cap, the default). Stream sessions
   * pause their socket; UDP drops the datagram (LIMIT_EXCEEDED).
   */
  setMaxInflight(count: number): this;
  /** Queued bytes above which writes return false (default 1 MiB). */
  setWriteHighWaterMark(bytes: number): this;
  /**
   * TCP/TLS: output queued in one turn past this many bytes is written at
   * once instead of at the end of the turn, so the peer can start on the
   * first replies while a long batch is still being handled (default 4 KiB;
   * 0 writes only at the end of the turn).
   */
  setFlushThresholdBytes(bytes: number): this;
  /** getty's SetCompressType; only before the session starts. Both peers must agree. */
  setCompressType(type: CompressType): this;

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
