/**
 * What every session kind shares (go-anchors §1.2, §1.7): configuration,
 * attributes, stats, listener dispatch (inline or through a task pool), the
 * timer-wheel driven cron / idle / write checks, and the once-only close.
 * Subclasses own the socket: they decode bytes and put buffers on the wire.
 */
import type net from 'node:net';
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import type { CompressType } from './compress-type.js';
import { CompressType as Compress, isCompressType } from './compress-type.js';
import type { EventListener } from './event-listener.js';
import type { ReadWriter } from './package-handler.js';
import type { Session, SessionKind, SessionStats } from './session.js';
import type { TaskPool } from './task-pool.js';
import { defaultTimerWheel, type TimerHandle, type TimerWheel } from './timer-wheel.js';

/** Default largest frame: 1 MiB (getty's 4 KiB default bites every user, go-anchors §0.3). */
export const DEFAULT_MAX_MSG_LEN = 1024 * 1024;
/** Default cron period: 60 s, as getty. */
export const DEFAULT_CRON_PERIOD_MS = 60_000;
/** Default write-buffer limit: 64 MiB queued towards a peer before the session is dropped. */
export const DEFAULT_MAX_WRITE_BUFFER_BYTES = 64 * 1024 * 1024;
/** Default high-water mark: writes return false above 1 MiB buffered. */
export const DEFAULT_WRITE_HIGH_WATER_MARK = 1024 * 1024;
/** Default early-flush threshold: 4 KiB of output queued in one turn is written at once (docs/transport.md, Performance notes: 4 KiB beat 16 KiB, 64 KiB and off). */
export const DEFAULT_FLUSH_THRESHOLD_BYTES = 4 * 1024;

let nextSessionId = 1;

/** The numeric settings the setters validate through one path. */
type NumericSetting =
  | 'readTimeoutMs'
  | 'writeTimeoutMs'
  | 'cronPeriodMs'
  | 'maxMsgLen'
  | 'maxWriteBufferBytes'
  | 'writeHighWaterMark'
  | 'flushThresholdBytes'
  | 'maxInflight';

/** Who owns the session: its endpoint supplies the pool and the wheel. */
export interface SessionOwner {
  readonly taskPool: TaskPool | null;
  readonly wheel: TimerWheel;
  /** Called once after the session closed (and after onClose). */
  sessionClosed(session: BaseSession<unknown>, peerClosedCleanly: boolean): void;
  /**
   * The session's output held by the socket changed by `delta` to `bytes`
   * (reported once per flush and on drain, never per package). A server
   * returns the error to drop the session with when the sum over its
   * sessions passes its bound and this session holds more than its share.
   */
  backlogChanged?(session: BaseSession<unknown>, delta: number, bytes: number): RpcError | null;
}

const detachedOwner: SessionOwner = {
  taskPool: null,
  get wheel() {
    return defaultTimerWheel();
  },
  sessionClosed() {},
};

export abstract class BaseSession<P = unknown> implements Session<P> {
  readonly id = nextSessionId++;
  abstract readonly kind: SessionKind;
  name: string;
  handler: ReadWriter<P> | null = null;
  listener: EventListener<P> = {};
  readTimeoutMs = 0;
  writeTimeoutMs = 0;
  cronPeriodMs = DEFAULT_CRON_PERIOD_MS;
  maxMsgLen = DEFAULT_MAX_MSG_LEN;
  maxWriteBufferBytes = DEFAULT_MAX_WRITE_BUFFER_BYTES;
  writeHighWaterMark = DEFAULT_WRITE_HIGH_WATER_MARK;
  flushThresholdBytes = DEFAULT_FLUSH_THRESHOLD_BYTES;
  /** onMessage promises not yet settled at which the session stops reading; 0 = no cap. */
  maxInflight = 0;
  /** onMessage promises not yet settled (one integer; no allocation per package). */
  inflight = 0;
  /** Why the session closed: the RpcError given to close(), undefined for a clean close. */
  closeReason: RpcError | undefined = undefined;
  compressType: CompressType = Compress.None;
  lastActive = Date.now();
  /** Date.now() of the last bytes received, for the idle check. */
  lastReadAt = Date.now();
  readonly stats: SessionStats = { bytesIn: 0, bytesOut: 0, pkgsIn: 0, pkgsOut: 0 };
  protected owner: SessionOwner = detachedOwner;
  protected isClosed = false;
  protected started = false;
  /** True when the peer ended the stream cleanly (EOF): no reconnect, no onError. */
  peerClosedCleanly = false;
  private opened = false;
  private attributes: Map<unknown, unknown> | null = null;
  private closeCallbacks: ((session: Session<P>) => void)[] | null = null;
  private cronTimer: TimerHandle | null = null;
  private idleTimer: TimerHandle | null = null;
  private writeTimer: TimerHandle | null = null;
  /** Resumes reading once enough calls settled (set while paused on maxInflight). */
  private inflightWaiter: (() => void) | null = null;
  /** @internal Output last reported to the owner (backlogChanged): what the socket holds for this session. */
  reportedBacklog = 0;

  /**
   * `ends` are "host:port" snapshots taken while the socket is connected,
   * so they stay readable after close (in onClose, in logs).
   */
  constructor(
    defaultName: string,
    private readonly ends: SessionEnds,
  ) {
    this.name = defaultName;
  }

  get localAddress(): string {
    return this.ends.local;
  }

  get remoteAddress(): string {
    return this.ends.remote;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  // ---- configuration (from newSession, before start)

  setName(name: string): this {
    this.name = String(name);
    return this;
  }

  setPkgHandler(handler: ReadWriter<P>): this {
    if (typeof handler?.read !== 'function' || typeof handler.write !== 'function') {
      throw invalid('setPkgHandler needs an object with read() and write()');
    }
    this.handler = handler;
    return this;
  }

  setEventListener(listener: EventListener<P>): this {
    if (typeof listener !== 'object' || listener === null) throw invalid('setEventListener needs an object');
    this.listener = listener;
    return this;
  }

  /** Idle timeout in ms: no bytes for this long closes the session (READ_TIMEOUT). Default 0 (off). */
  setReadTimeout(ms: number): this {
    return this.setNumber('readTimeoutMs', ms, 0);
  }

  /** Queued bytes that do not drain within this many ms close the session (WRITE_TIMEOUT). Default 0 (off). */
  setWriteTimeout(ms: number): this {
    return this.setNumber('writeTimeoutMs', ms, 0);
  }

  /** onCron period in ms, at least 1. Default 60 000. */
  setCronPeriod(ms: number): this {
    return this.setNumber('cronPeriodMs', ms, 1);
  }

  /** Largest frame in bytes, checked from the header; 0 disables the check. Default 1 MiB. */
  setMaxMsgLen(bytes: number): this {
    return this.setNumber('maxMsgLen', bytes, 0);
  }

  /** Bytes queued towards the peer before the session closes with WRITE_BUFFER_FULL, at least 1. Default 64 MiB. */
  setMaxWriteBufferBytes(bytes: number): this {
    return this.setNumber('maxWriteBufferBytes', bytes, 1);
  }

  /** Buffered bytes above which writes return false. Default 1 MiB. */
  setWriteHighWaterMark(bytes: number): this {
    return this.setNumber('writeHighWaterMark', bytes, 0);
  }

  /** TCP/TLS: queued output past this many bytes leaves at once, not at the end of the turn; 0 = end of turn only. Default 4 KiB. */
  setFlushThresholdBytes(bytes: number): this {
    return this.setNumber('flushThresholdBytes', bytes, 0);
  }

  /**
   * onMessage promises not yet settled at which the session stops reading
   * (TCP backpressure on stream sessions; UDP drops the datagram with
   * LIMIT_EXCEEDED). Reading resumes once half of them settled. 0 = no cap.
   * Default 0.
   */
  setMaxInflight(count: number): this {
    if (!Number.isInteger(count)) throw invalid(`maxInflight must be an integer >= 0, got ${String(count)}`);
    return this.setNumber('maxInflight', count, 0);
  }

  /** The one validation every numeric setting runs (INVALID_ARGUMENT when it fails). */
  private setNumber(key: NumericSetting, value: number, min: number): this {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
      throw invalid(`${key} must be a finite number >= ${min}, got ${String(value)}`);
    }
    this[key] = value;
    return this;
  }

  /** getty's SetCompressType; call from newSession. Both peers must agree. */
  setCompressType(type: CompressType): this {
    if (!isCompressType(type)) throw invalid(`unknown compress type ${String(type)}`);
    if (this.started) throw invalid('setCompressType must be called before the session starts');
    this.checkCompressType(type);
    this.compressType = type;
    return this;
  }

  protected checkCompressType(_type: CompressType): void {}

  // ---- attributes

  getAttribute<T = unknown>(key: unknown): T | undefined {
    return this.attributes?.get(key) as T | undefined;
  }

  setAttribute(key: unknown, value: unknown): void {
    this.attributes ??= new Map();
    this.attributes.set(key, value);
  }

  deleteAttribute(key: unknown): void {
    this.attributes?.delete(key);
  }

  // ---- writes

  writePkg(pkg: P): boolean {
    this.assertOpen();
    const handler = this.handler;
    if (handler === null) throw invalid('writePkg needs a package handler (setPkgHandler)');
    let out: Buffer | Buffer[];
    try {
      out = handler.write(this, pkg);
    } catch (err) {
      throw RpcError.from(err, ErrorCode.BAD_PACKAGE);
    }
    this.stats.pkgsOut++;
    return Array.isArray(out) ? this.sendArray(out) : this.send(out);
  }

  writeBytes(buf: Buffer): boolean {
    this.assertOpen();
    return this.send(buf);
  }

  writeBytesArray(bufs: readonly Buffer[]): boolean {
    this.assertOpen();
    return this.sendArray(bufs);
  }

  protected sendArray(bufs: readonly Buffer[]): boolean {
    let below = true;
    for (let i = 0; i < bufs.length; i++) below = this.send(bufs[i]!);
    return below;
  }

  /** Queues one buffer; true while below the high-water mark. */
  protected abstract send(buf: Buffer): boolean;

  /** Bytes accepted by writes and not yet handed to the kernel. */
  abstract get bufferedBytes(): number;

  protected assertOpen(): void {
    if (this.isClosed) throw new RpcError(ErrorCode.SESSION_CLOSED, `session ${this.name}#${this.id} is closed`);
  }

  /** Closes the session when `extra` more bytes would pass the write-buffer limit. */
  protected checkWriteBuffer(extra: number): void {
    const total = this.bufferedBytes + extra;
    if (total <= this.maxWriteBufferBytes) return;
    const err = new RpcError(
      ErrorCode.WRITE_BUFFER_FULL,
      `session ${this.name}#${this.id}: ${total} bytes queued exceed maxWriteBufferBytes ${this.maxWriteBufferBytes}`,
    );
    this.close(err);
    throw err;
  }

  // ---- lifecycle

  /**
   * Starts the session after newSession configured it. Returns false when
   * onOpen refused it (the session is then closed without onClose).
   */
  start(owner: SessionOwner): boolean {
    this.owner = owner;
    this.started = true;
    this.validateConfig();
    if (!this.callOnOpen()) return false;
    // onOpen may close the session itself: that is a refusal too (no timers, no socket events).
    if (this.isClosed) return false;
    this.opened = true;
    this.startTimers();
    this.attach();
    return true;
  }

  protected validateConfig(): void {}

  /** Subscribes to socket events; called once the session is open. */
  protected abstract attach(): void;

  /** Releases the socket; `graceful` flushes queued bytes first. */
  protected abstract release(graceful: boolean): void;

  /**
   * What an endpoint does with a new session: `configure` (its newSession
   * callback), then start. Returns null once the session is open; otherwise
   * the refusal (configure threw, or onOpen refused), the session discarded.
   */
  open(owner: SessionOwner, configure: (session: Session<P>) => void): RpcError | null {
    try {
      configure(this);
      if (this.start(owner)) return null;
      return new RpcError(ErrorCode.CONNECT_FAILED, `session ${this.name}#${this.id} refused by onOpen`);
    } catch (err) {
      this.discard();
      return RpcError.from(err, ErrorCode.INVALID_ARGUMENT);
    }
  }

  private callOnOpen(): boolean {
    try {
      this.listener.onOpen?.(this);
      return true;
    } catch {
      this.discard();
      return false;
    }
  }

  /**
   * Drops a session that never opened: the socket is destroyed and no
   * listener runs (issue 2: a refused session gets no onClose); close
   * callbacks still run, so what they guard is released. Idempotent.
   */
  discard(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.stopTimers();
    this.release(false);
    this.finishClose();
  }

  close(reason?: RpcError): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.closeReason = reason;
    this.stopTimers();
    this.release(reason === undefined);
    if (reason !== undefined) this.safely(() => this.listener.onError?.(this, reason));
    if (this.opened) this.safely(() => this.listener.onClose?.(this));
    this.finishClose();
  }

  /**
   * @internal Destroys the socket of a session that was closed gracefully
   * and still lingers (its peer has not taken the last bytes): the server's
   * close ran out of time. Nothing for a session whose socket is gone.
   */
  terminate(): void {}

  private finishClose(): void {
    this.inflightWaiter = null;
    if (this.reportedBacklog !== 0) this.owner.backlogChanged?.(this as BaseSession<unknown>, -this.reportedBacklog, 0);
    this.reportedBacklog = 0;
    this.runCloseCallbacks();
    this.attributes = null;
    this.owner.sessionClosed(this as BaseSession<unknown>, this.peerClosedCleanly);
  }

  onClosed(cb: (session: Session<P>) => void): void {
    if (this.isClosed) {
      this.safely(() => cb(this));
      return;
    }
    this.closeCallbacks ??= [];
    this.closeCallbacks.push(cb);
  }

  private runCloseCallbacks(): void {
    const callbacks = this.closeCallbacks;
    this.closeCallbacks = null;
    if (callbacks === null) return;
    for (const cb of callbacks) this.safely(() => cb(this));
  }

  /** Listener code must not break the transport: its throws become warnings. */
  protected safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      process.emitWarning(`listener of session ${this.name}#${this.id} threw: ${describe(err)}`);
    }
  }

  // ---- inbound dispatch

  /** Hands one decoded package to onMessage, inline or through the pool. */
  protected deliver(pkg: P): void {
    this.stats.pkgsIn++;
    const pool = this.owner.taskPool;
    if (pool === null) runMessage(this as BaseSession<unknown>, pkg);
    else pool.add(this.id, runMessage, this as BaseSession<unknown>, pkg);
  }

  /**
   * False when the session may not take another package now: maxInflight
   * calls are unsettled, or the pool has no room. The caller pauses reading
   * and waits (waitForRoom).
   */
  protected canTakeMore(): boolean {
    return (this.maxInflight === 0 || this.inflight < this.maxInflight) && this.poolHasRoom();
  }

  private poolHasRoom(): boolean {
    const pool = this.owner.taskPool;
    return pool === null || pool.closed || pool.hasRoom(this.id);
  }

  /** Calls `cb` once the session may take packages again (after canTakeMore() said no). */
  protected waitForRoom(cb: () => void): void {
    if (this.maxInflight > 0 && this.inflight >= this.maxInflight) this.inflightWaiter = cb;
    else if (this.owner.taskPool !== null) this.owner.taskPool.waitForRoom(this.id, cb);
    else cb();
  }

  /** Made once per session: settles one onMessage promise (no closure per package). */
  readonly messageSettled = (): void => {
    this.inflight--;
    // Resume at half the cap, so a paused session decodes a batch per resume, not one package.
    if (this.inflightWaiter !== null && this.inflight <= this.maxInflight >> 1) {
      const resume = this.inflightWaiter;
      this.inflightWaiter = null;
      resume();
    }
  };

  readonly messageFailed = (err: unknown): void => {
    this.reportError(err, ErrorCode.SERVER_ERROR);
    this.messageSettled();
  };

  /**
   * Tells the owner how many bytes the socket holds for this session; a
   * server over its total output bound drops the session when it holds more
   * than its share (WRITE_BUFFER_FULL).
   */
  protected reportBacklog(bytes: number): void {
    const delta = bytes - this.reportedBacklog;
    if (delta === 0 || this.isClosed) return;
    this.reportedBacklog = bytes;
    const drop = this.owner.backlogChanged?.(this as BaseSession<unknown>, delta, bytes) ?? null;
    if (drop !== null) this.close(drop);
  }

  /** A non-fatal error (a bad datagram or WS message, a failed onMessage). */
  reportError(err: unknown, code: ErrorCode = ErrorCode.BAD_PACKAGE): void {
    const error = RpcError.from(err, code);
    this.safely(() => this.listener.onError?.(this, error));
  }

  // ---- timers (all on the shared wheel; go-anchors §1.10)

  private startTimers(): void {
    const wheel = this.owner.wheel;
    if (this.listener.onCron !== undefined || this.needsCron()) {
      this.cronTimer = wheel.every(this.cronPeriodMs, () => this.cron());
    }
    if (this.readTimeoutMs > 0) this.idleTimer = wheel.schedule(this.readTimeoutMs, () => this.checkIdle());
  }

  /** WS sessions ping on every cron tick even without an onCron listener. */
  protected needsCron(): boolean {
    return false;
  }

  protected cron(): void {
    if (this.isClosed) return;
    this.safely(() => this.listener.onCron?.(this));
  }

  private checkIdle(): void {
    if (this.isClosed) return;
    const idleMs = Date.now() - this.lastReadAt;
    if (idleMs >= this.readTimeoutMs) {
      this.close(new RpcError(ErrorCode.READ_TIMEOUT, `session ${this.name}#${this.id} idle for ${idleMs} ms`));
      return;
    }
    this.idleTimer = this.owner.wheel.schedule(this.readTimeoutMs - idleMs, () => this.checkIdle());
  }

  /** Called when bytes are left queued after a flush: arms the write-timeout check once. */
  protected armWriteTimer(): void {
    if (this.writeTimeoutMs === 0 || this.writeTimer?.active) return;
    this.writeTimer = this.owner.wheel.schedule(this.writeTimeoutMs, () => this.checkWriteProgress());
  }

  /** Called on drain: nothing is stuck any more. */
  protected disarmWriteTimer(): void {
    this.writeTimer?.cancel();
    this.writeTimer = null;
  }

  /** No drain since the timer was armed and bytes are still queued: the peer is stuck. */
  private checkWriteProgress(): void {
    this.writeTimer = null;
    if (this.isClosed || this.bufferedBytes === 0) return;
    this.close(new RpcError(ErrorCode.WRITE_TIMEOUT, `session ${this.name}#${this.id}: write stalled ${this.writeTimeoutMs} ms`));
  }

  private stopTimers(): void {
    this.cronTimer?.cancel();
    this.idleTimer?.cancel();
    this.writeTimer?.cancel();
    this.cronTimer = this.idleTimer = this.writeTimer = null;
  }
}

/** Module-level so dispatch allocates no closure per package. */
function runMessage(session: BaseSession<unknown>, pkg: unknown): unknown {
  // getty PR #108: a session closed meanwhile does not see queued packages.
  if (session.closed) return undefined;
  try {
    const result = session.listener.onMessage?.(session, pkg);
    if (!(result instanceof Promise)) return result;
    session.inflight++;
    return result.then(session.messageSettled, session.messageFailed);
  } catch (err) {
    session.reportError(err, ErrorCode.SERVER_ERROR);
    return undefined;
  }
}

/** "host:port" of both ends of a session. */
export interface SessionEnds {
  local: string;
  remote: string;
}

/** The ends of a connected stream socket (TCP, TLS, the socket under a WebSocket). */
export function socketEnds(socket: net.Socket): SessionEnds {
  return {
    local: `${socket.localAddress}:${socket.localPort}`,
    remote: `${socket.remoteAddress}:${socket.remotePort}`,
  };
}

function invalid(message: string): RpcError {
  return new RpcError(ErrorCode.INVALID_ARGUMENT, message);
}

function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
