/**
 * A session over a stream socket: TCP or TLS (dubbo-getty `connection.go`; dubbo-getty `session.go` handleTCPPackage).
 *
 * Read path: bytes are decoded straight from the chunk Node hands us; only
 * an incomplete tail is copied. A large frame is gathered in a buffer that
 * grows (doubling) with the bytes received, up to the length its header
 * announced: a peer that announces 8 MiB and sends 16 bytes costs 64 KiB,
 * not 8 MiB (docs/security.md).
 * Write path: buffers written in one event-loop turn are queued and leave in
 * one socket write on process.nextTick.
 */
import type net from 'node:net';
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import { BaseSession, socketEnds } from './base-session.js';
import { CompressType as Compress } from './compress-type.js';
import { DeflatePipe } from './deflate-pipe.js';
import { SnappyPipe } from './snappy-pipe.js';
import type { StreamPipe, StreamPipeSink } from './stream-pipe.js';
import type { TimerHandle } from './timer-wheel.js';
import { SLAB_FRAME_LIMIT_BYTES, sharedWriteSlab, type WriteSlab } from './write-slab.js';

/** Frames announced larger than this get their own growing buffer instead of tail concat; also its first size. */
const LARGE_FRAME_BYTES = 64 * 1024;
/** Flushes up to this size are merged into one buffer; larger ones go out corked (writev). */
const MERGE_LIMIT_BYTES = 256 * 1024;
/** How long a graceful close waits for the peer to take our last bytes. */
const LINGER_MS = 3_000;

const kSession = Symbol('getty-rpc.tcp-session');

/**
 * Where the read path is, one named state as ws's Receiver keeps its
 * `_state` (websockets/ws `lib/receiver.js`):
 * - 'header': between frames; `held` may keep the incomplete start of the next one;
 * - 'frame': a large frame is being gathered into `frame` as its bytes arrive;
 * - 'paused': reading stopped for backpressure; `held` keeps the bytes not yet decoded.
 */
type ReadState = 'header' | 'frame' | 'paused';

/** A large frame being gathered: `buf` grows towards `len` as bytes arrive, `fill` of them so far. */
interface GatheredFrame {
  buf: Buffer;
  fill: number;
  readonly len: number;
}

interface OwnedSocket extends net.Socket {
  [kSession]?: TcpSession<unknown>;
}

export class TcpSession<P = unknown> extends BaseSession<P> implements StreamPipeSink {
  readonly kind: 'tcp' | 'tls';
  readonly socket: net.Socket;
  private out: Buffer[] = [];
  private outBytes = 0;
  private readonly slab: WriteSlab = sharedWriteSlab();
  /** This turn's run of frames in the shared slab: segBuf[segStart, segEnd), not yet in `out`. */
  private segBuf: Buffer | null = null;
  private segStart = 0;
  private segEnd = 0;
  /**
   * socket.writableLength as of the last flush. It only shrinks until the
   * next flush, so limit checks against it are conservative and cheap.
   */
  private socketBacklog = 0;
  private flushScheduled = false;
  /** Output that triggers the next early write in this turn; 0 = flushThresholdBytes. */
  private earlyFlushBytes = 0;
  private readState: ReadState = 'header';
  /** Bytes received and not yet decoded ('header': an incomplete frame; 'paused': all that came since). */
  private held: Buffer | null = null;
  /** Set in state 'frame' only. */
  private frame: GatheredFrame | null = null;
  /** The peer's FIN arrived: no more bytes come from the socket. */
  private finReceived = false;
  /**
   * Every byte sent before the FIN reached onDecoded (a decompressor may
   * hand them on well after the FIN): the session closes once they are decoded.
   */
  private inputEnded = false;
  private pipe: StreamPipe | null = null;
  private lingerTimer: TimerHandle | null = null;

  constructor(socket: net.Socket, secure: boolean) {
    super(secure ? 'tls-session' : 'tcp-session', socketEnds(socket));
    this.kind = secure ? 'tls' : 'tcp';
    this.socket = socket;
    // Until attach(), a socket error must not crash the process.
    socket.on('error', onEarlyError);
  }

  get bufferedBytes(): number {
    return this.outBytes + this.socket.writableLength + (this.pipe?.pendingBytes ?? 0);
  }

  protected override validateConfig(): void {
    if (this.handler === null) throw new RpcError(ErrorCode.INVALID_ARGUMENT, 'a stream session needs setPkgHandler()');
  }

  protected attach(): void {
    const socket = this.socket as OwnedSocket;
    socket[kSession] = this as TcpSession<unknown>;
    this.pipe = this.createPipe();
    socket.setNoDelay(true);
    socket.off('error', onEarlyError);
    socket.on('data', onSocketData);
    socket.on('end', onSocketEnd);
    socket.on('error', onSocketError);
    socket.on('close', onSocketClose);
    socket.on('drain', onSocketDrain);
  }

  private createPipe(): StreamPipe | null {
    if (this.compressType === Compress.None) return null;
    if (this.compressType === Compress.Snappy) return new SnappyPipe(this);
    return new DeflatePipe(this, this.compressType);
  }

  // ---- read path

  /** @internal raw chunk from the socket */
  onChunk(chunk: Buffer): void {
    this.stats.bytesIn += chunk.length;
    this.lastReadAt = Date.now();
    if (this.pipe === null) this.decodeChunk(chunk);
    else this.pipe.decode(chunk);
  }

  /**
   * Plain bytes from the decompressor, which may call from its own stream
   * events rather than from onSocketData: what decoding throws (a closed task
   * pool, a failed allocation) ends this session only, never the process.
   */
  onDecoded(chunk: Buffer): void {
    try {
      this.decodeChunk(chunk);
    } catch (err) {
      this.close(RpcError.from(err, ErrorCode.LIMIT_EXCEEDED));
    }
  }

  /** Plain bytes, from the socket or from the decompressor. */
  private decodeChunk(chunk: Buffer): void {
    if (this.isClosed) return;
    if (this.readState === 'paused') {
      this.held = this.held === null ? Buffer.from(chunk) : Buffer.concat([this.held, chunk]);
      return;
    }
    const rest = this.readState === 'frame' ? this.fillFrame(this.frame!, chunk) : chunk;
    if (rest === null || this.isClosed) return;
    if (this.isPaused()) {
      this.decodeChunk(rest);
      return;
    }
    const held = this.held;
    this.held = null;
    this.decode(held === null ? rest : Buffer.concat([held, rest], held.length + rest.length));
  }

  /** The state as it is now: decoding (a method call) may have paused the read path. */
  private isPaused(): boolean {
    return this.readState === 'paused';
  }

  /** Copies into the frame buffer (grown as needed); decodes it once complete and returns the rest. */
  private fillFrame(frame: GatheredFrame, chunk: Buffer): Buffer | null {
    const n = Math.min(frame.len - frame.fill, chunk.length);
    const buf = this.frameWithRoom(frame, frame.fill + n);
    if (buf === null) return null;
    chunk.copy(buf, frame.fill, 0, n);
    frame.fill += n;
    if (frame.fill < frame.len) return null;
    this.frame = null;
    this.readState = 'header';
    this.decode(buf);
    return chunk.subarray(n);
  }

  /**
   * The frame buffer with room for `needed` bytes: doubled (capped at the
   * announced length) when short, so memory follows the bytes received. A
   * failed allocation closes this session, never the process.
   */
  private frameWithRoom(frame: GatheredFrame, needed: number): Buffer | null {
    if (needed <= frame.buf.length) return frame.buf;
    const grown = this.allocate(Math.min(frame.len, Math.max(needed, frame.buf.length * 2)));
    if (grown === null) return null;
    frame.buf.copy(grown, 0, 0, frame.fill);
    frame.buf = grown;
    return grown;
  }

  private allocate(bytes: number): Buffer | null {
    try {
      return Buffer.allocUnsafe(bytes);
    } catch (err) {
      this.fail(new RpcError(ErrorCode.LIMIT_EXCEEDED, `cannot buffer a frame of ${bytes} bytes: ${String(err)}`, { cause: err }));
      return null;
    }
  }

  /** getty's read loop: call the Reader while bytes remain (dubbo-getty `session.go` handleTCPPackage). */
  private decode(buf: Buffer): void {
    const reader = this.handler!;
    let offset = 0;
    while (offset < buf.length) {
      if (!this.canTakeMore()) {
        this.pauseWith(buf.subarray(offset));
        return;
      }
      const len = this.readOne(reader, buf, offset);
      if (len < 0) return;
      if (len === 0) {
        this.hold(buf.subarray(offset));
        return;
      }
      offset += len;
    }
  }

  /**
   * Decodes one package from `buf` at `offset`: its length, 0 when
   * incomplete, -1 when the session closed. An OffsetReader reads in place;
   * a plain Reader gets a view that starts at the package.
   */
  private readOne(reader: NonNullable<typeof this.handler>, buf: Buffer, offset: number): number {
    let result: { pkg?: P; len: number };
    try {
      if (reader.readFrom !== undefined) result = reader.readFrom(this, buf, offset);
      else result = reader.read(this, offset === 0 ? buf : buf.subarray(offset));
    } catch (err) {
      return this.fail(RpcError.from(err, ErrorCode.BAD_PACKAGE));
    }
    const len = result.len;
    if (this.isClosed) return -1;
    if (!Number.isInteger(len) || len < 0) return this.fail(badPackage(`reader returned length ${len}`));
    if (this.maxMsgLen > 0 && len > this.maxMsgLen) return this.fail(tooLong(len, this.maxMsgLen));
    const available = buf.length - offset;
    if (result.pkg === undefined) return this.incomplete(buf, offset, len);
    if (len === 0 || len > available) return this.fail(badPackage(`reader returned a package of ${len} bytes from ${available}`));
    this.lastActive = this.lastReadAt;
    this.deliver(result.pkg);
    return this.isClosed ? -1 : len;
  }

  private incomplete(buf: Buffer, offset: number, announced: number): number {
    const view = offset === 0 ? buf : buf.subarray(offset);
    if (this.maxMsgLen > 0 && view.length > this.maxMsgLen) return this.fail(tooLong(view.length, this.maxMsgLen));
    // Never allocate what the header announced: start small and grow with the bytes received.
    if (announced > LARGE_FRAME_BYTES && announced > view.length) {
      const buf = this.allocate(Math.min(announced, Math.max(LARGE_FRAME_BYTES, view.length * 2)));
      if (buf === null) return -1;
      view.copy(buf, 0);
      this.frame = { buf, fill: view.length, len: announced };
      this.readState = 'frame';
      return -1;
    }
    return 0;
  }

  /** Copies the incomplete start of a frame: the chunk it lives in may be large. */
  private hold(view: Buffer): void {
    this.held = Buffer.from(view);
  }

  private fail(err: RpcError): -1 {
    this.close(err);
    return -1;
  }

  /** Task pool full or maxInflight calls unsettled: stop reading until there is room (TCP backpressure). */
  private pauseWith(rest: Buffer): void {
    this.held = this.held === null ? Buffer.from(rest) : Buffer.concat([Buffer.from(rest), this.held]);
    this.readState = 'paused';
    this.socket.pause();
    this.pipe?.pause();
    this.waitForRoom(() => this.resumeReading());
  }

  /**
   * Called back by the task pool or by a settled onMessage, outside any socket
   * event: what decoding throws ends this session only (the pool's close
   * wakes paused sessions, whose packages it then refuses).
   */
  private resumeReading(): void {
    try {
      this.readAgain();
    } catch (err) {
      this.close(RpcError.from(err, ErrorCode.LIMIT_EXCEEDED));
    }
  }

  private readAgain(): void {
    if (this.isClosed || this.readState !== 'paused') return;
    this.readState = 'header';
    const held = this.held;
    this.held = null;
    if (held !== null) this.decode(held);
    if (this.isPaused() || this.isClosed) return;
    this.socket.resume();
    this.pipe?.resume();
    if (this.inputEnded) this.endIfDecoded();
  }

  /**
   * @internal the peer sent FIN: decode what came with it (dubbo-getty
   * apache/dubbo-getty#77), through the decompressor if any, then close cleanly.
   */
  onEnd(): void {
    if (this.isClosed || this.finReceived) return;
    this.finReceived = true;
    this.peerClosedCleanly = true;
    if (this.pipe !== null) this.pipe.end(() => this.onInputEnded());
    else this.onInputEnded();
  }

  private onInputEnded(): void {
    this.inputEnded = true;
    this.endIfDecoded();
  }

  /** Closes after the peer's FIN, unless paused (resumeReading comes back here); BAD_PACKAGE inside a frame. */
  private endIfDecoded(): void {
    if (this.isClosed || this.readState === 'paused') return;
    const partial = this.held?.length ?? 0;
    const framePartial = this.frame?.fill ?? 0;
    if (partial + framePartial > 0) {
      this.close(badPackage(`peer closed inside a frame (${partial + framePartial} bytes left)`));
      return;
    }
    this.close();
  }

  // ---- write path

  /** Small frames of a SlabWriter are encoded straight into the shared output slab. */
  override writePkg(pkg: P): boolean {
    const handler = this.handler;
    if (handler?.writeInto === undefined || handler.encodedLength === undefined || this.isClosed) return super.writePkg(pkg);
    let len: number;
    try {
      len = handler.encodedLength(this, pkg);
    } catch (err) {
      throw RpcError.from(err, ErrorCode.BAD_PACKAGE);
    }
    if (!Number.isInteger(len) || len <= 0 || len > SLAB_FRAME_LIMIT_BYTES) return super.writePkg(pkg);
    const buffered = this.outBytes + this.socketBacklog + len;
    if (buffered > this.maxWriteBufferBytes) this.checkWriteBuffer(len);
    const offset = this.reserveSlab(len);
    try {
      handler.writeInto(this, pkg, this.segBuf!, offset);
    } catch (err) {
      this.unreserveSlab(offset, len);
      throw RpcError.from(err, ErrorCode.BAD_PACKAGE);
    }
    this.queued(len);
    this.stats.pkgsOut++;
    return buffered <= this.writeHighWaterMark;
  }

  /** Extends this session's slab run when nobody wrote behind it meanwhile; else starts a new run. */
  private reserveSlab(len: number): number {
    const slab = this.slab;
    if (this.segBuf === slab.buf && this.segEnd === slab.pos && slab.fits(len)) {
      slab.pos += len;
      this.segEnd += len;
      return this.segEnd - len;
    }
    this.sealSegment();
    const offset = slab.reserve(len);
    this.segBuf = slab.buf;
    this.segStart = offset;
    this.segEnd = offset + len;
    return offset;
  }

  /** A writer threw after the reservation: give the bytes back (nothing ran in between). */
  private unreserveSlab(offset: number, len: number): void {
    this.segEnd = offset;
    if (this.slab.buf === this.segBuf && this.slab.pos === offset + len) this.slab.pos = offset;
  }

  /** Moves the slab run into the output queue, so later buffers keep their order behind it. */
  private sealSegment(): void {
    const seg = this.segBuf;
    if (seg === null) return;
    this.segBuf = null;
    if (this.segEnd > this.segStart) this.out.push(seg.subarray(this.segStart, this.segEnd));
  }

  protected send(buf: Buffer): boolean {
    const len = buf.length;
    const buffered = this.outBytes + this.socketBacklog + len;
    if (buffered > this.maxWriteBufferBytes) this.checkWriteBuffer(len);
    if (len === 0) return buffered <= this.writeHighWaterMark;
    if (this.segBuf !== null) this.sealSegment();
    this.out.push(buf);
    this.queued(len);
    return buffered <= this.writeHighWaterMark;
  }

  private queued(len: number): void {
    this.outBytes += len;
    this.stats.bytesOut += len;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(flushSession, this);
    }
    // A long batch (many packages in one chunk) would otherwise leave only at the end of
    // the turn while the peer idles: write what we have so it can start on it.
    // Each early write of the same turn waits for twice as much output, so a large batch
    // still leaves in O(log n) writes rather than one per threshold (1×256×915 B bench).
    const limit = this.earlyFlushBytes || this.flushThresholdBytes;
    if (this.flushThresholdBytes > 0 && this.outBytes >= limit) {
      this.earlyFlushBytes = limit * 2;
      this.writeQueued();
    }
  }

  /** @internal the end-of-turn write: everything queued leaves, the early-write limit resets */
  flush(): void {
    this.flushScheduled = false;
    this.earlyFlushBytes = 0;
    this.writeQueued();
  }

  private writeQueued(): void {
    this.sealSegment();
    const out = this.out;
    if (out.length === 0 || this.socket.destroyed) return;
    const total = this.outBytes;
    this.out = [];
    this.outBytes = 0;
    if (this.pipe !== null) this.pipe.encode(out.length === 1 ? out[0]! : Buffer.concat(out, total));
    else this.writeOut(out, total);
    this.socketBacklog = this.socket.writableLength + (this.pipe?.pendingBytes ?? 0);
    if (this.socketBacklog > 0) this.armWriteTimer();
    this.reportBacklog(this.socketBacklog);
  }

  private writeOut(out: Buffer[], total: number): void {
    if (out.length === 1) this.socket.write(out[0]!);
    else if (total <= MERGE_LIMIT_BYTES) this.socket.write(Buffer.concat(out, total));
    else {
      // Large batches: cork so Node hands them to the kernel as one writev.
      this.socket.cork();
      for (const buf of out) this.socket.write(buf);
      this.socket.uncork();
    }
  }

  /** Compressed bytes ready for the wire. */
  onEncoded(buf: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(buf);
  }

  onPipeError(err: unknown): void {
    this.close(RpcError.from(err, ErrorCode.BAD_PACKAGE));
  }

  /** @internal */
  onDrain(): void {
    this.socketBacklog = 0;
    this.disarmWriteTimer();
    this.reportBacklog(0);
  }

  // ---- close

  protected release(graceful: boolean): void {
    const socket = this.socket;
    if (!graceful || socket.destroyed) {
      this.dropBuffers();
      socket.destroy();
      return;
    }
    this.flush();
    // A socket paused for backpressure reads again, so the peer's FIN ends it (what arrives
    // now is dropped): a paused socket would wait out the linger instead. The socket, not the
    // read state: a close from a package decoded while resuming finds it still paused.
    if (socket.isPaused()) socket.resume();
    if (this.pipe === null) this.endSocket();
    else this.pipe.flushed(() => this.endSocket());
  }

  private endSocket(): void {
    this.pipe?.destroy();
    this.socket.end();
    if (!this.socket.destroyed) this.lingerTimer = this.owner.wheel.schedule(LINGER_MS, () => this.socket.destroy());
  }

  private dropBuffers(): void {
    this.out = [];
    this.outBytes = 0;
    this.segBuf = null;
    this.held = null;
    this.frame = null;
    this.pipe?.destroy();
  }

  override terminate(): void {
    this.lingerTimer?.cancel();
    this.dropBuffers();
    this.socket.destroy();
  }

  /** @internal the socket is gone */
  onSocketClosed(): void {
    this.lingerTimer?.cancel();
    if (!this.isClosed) this.close();
  }
}

function flushSession(session: TcpSession<unknown>): void {
  session.flush();
}

function onSocketData(this: OwnedSocket, chunk: Buffer): void {
  const session = this[kSession]!;
  try {
    session.onChunk(chunk);
  } catch (err) {
    // Whatever the read path throws (an allocation failure included) ends this session only.
    session.close(RpcError.from(err, ErrorCode.LIMIT_EXCEEDED));
  }
}

function onSocketEnd(this: OwnedSocket): void {
  this[kSession]!.onEnd();
}

function onSocketError(this: OwnedSocket, err: Error): void {
  this[kSession]!.close(new RpcError(ErrorCode.NETWORK, `socket error: ${err.message}`, { cause: err }));
}

function onSocketClose(this: OwnedSocket): void {
  this[kSession]!.onSocketClosed();
}

function onSocketDrain(this: OwnedSocket): void {
  this[kSession]!.onDrain();
}

function onEarlyError(): void {}

function badPackage(message: string): RpcError {
  return new RpcError(ErrorCode.BAD_PACKAGE, message);
}

function tooLong(len: number, max: number): RpcError {
  return new RpcError(ErrorCode.MSG_TOO_LONG, `pkgLen ${len} > session max message len ${max}`);
}
