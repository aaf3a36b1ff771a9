/**
 * The session contract of the transport, on one page: the one `Session`
 * every transport implements (TCP, TLS, WebSocket, UDP), the one
 * `EventListener` an application gives it, and the `ReadWriter` (getty's
 * "PkgHandler") that turns its bytes into packages and back. They refer to
 * each other, so they live together (dubbo-getty `session.go`, `getty.go`).
 * Implementations live in their own files.
 */
import type { RpcError } from '../common/rpc-error.js';
import type { CompressType } from './compress-type.js';

// ---- Session (dubbo-getty session.go)

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

// ---- EventListener (dubbo-getty getty.go)

/**
 * One listener shape for every transport. Handlers may be sync or async; a
 * rejected promise from onMessage is reported through onError and does not
 * close the session.
 */
export interface EventListener<P = unknown> {
  /** Throwing refuses the session; no onClose follows. */
  onOpen?(session: Session<P>): void;
  /** Once per decoded package (UDP endpoints: a `UdpContext`). */
  onMessage?(session: Session<P>, pkg: P): void | Promise<void>;
  /** Every cron period, from the shared timer wheel. */
  onCron?(session: Session<P>): void;
  /** Before onClose when the session ends because of an error. */
  onError?(session: Session<P>, err: RpcError): void;
  /** Exactly once per session that was opened. */
  onClose?(session: Session<P>): void;
}

// ---- ReadWriter: getty's packet Reader/Writer contract (dubbo-getty getty.go, session.go handleTCPPackage)

/**
 * What `Reader.read` returns:
 * - `{ len: 0 }`: the header is not complete yet;
 * - `{ len: n }` (no pkg): the header announces a frame of n bytes that has
 *   not fully arrived; n is checked against maxMsgLen at once, before the body
 *   is buffered;
 * - `{ pkg, len: n }`: one package decoded from the first n bytes.
 * Throwing means the stream is corrupt: the session closes with that error.
 */
export interface ReadResult<P> {
  pkg?: P;
  len: number;
}

export interface Reader<P = unknown> {
  /** Called again while bytes remain after a complete package. */
  read(session: Session, buf: Buffer): ReadResult<P>;
}

export interface Writer<P = unknown> {
  /** Encodes one package; several buffers leave in one vectored write. */
  write(session: Session, pkg: P): Buffer | Buffer[];
}

/**
 * Optional fast path for readers: decode the package that starts at
 * `offset` in `buf`, with `len` counted from `offset`. Stream sessions call
 * it instead of `read` so that several packages in one chunk cost no Buffer
 * view each (the CPU profile's leading cost, docs/transport.md "Performance notes").
 */
export interface OffsetReader<P = unknown> {
  readFrom(session: Session, buf: Buffer, offset: number): ReadResult<P>;
}

/**
 * Optional fast path for writers of small frames: the session reserves
 * `encodedLength` bytes in its shared output slab and the writer fills them,
 * so a package costs no Buffer of its own and the turn's frames leave as one
 * contiguous slice. Return -1 from `encodedLength` to use `write` instead.
 * `encodedLength` validates (and throws) exactly as `write` would.
 */
export interface SlabWriter<P = unknown> {
  encodedLength(session: Session, pkg: P): number;
  /** Writes exactly `encodedLength(session, pkg)` bytes at `target[offset]`. */
  writeInto(session: Session, pkg: P, target: Buffer, offset: number): void;
}

export interface ReadWriter<P = unknown> extends Reader<P>, Writer<P> {
  readFrom?: OffsetReader<P>['readFrom'];
  encodedLength?: SlabWriter<P>['encodedLength'];
  writeInto?: SlabWriter<P>['writeInto'];
}
