/**
 * A session over a WebSocket, ws:// or wss:// (go-anchors §1.3, §1.4). One
 * binary message carries one package, or several packed back to back (each
 * is delivered); a bad or oversize message is reported through onError and
 * its undecodable rest skipped, the session stays open. Every cron tick sends
 * a ping, as getty does. Messages sent in one event-loop turn leave in one
 * socket write (the underlying socket is corked for the turn).
 */
import type net from 'node:net';
import type { WebSocket } from 'ws';
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import { BaseSession, socketEnds } from './base-session.js';
import { type CompressType, CompressType as Compress } from './compress-type.js';
import type { TimerHandle } from './timer-wheel.js';

/** How long a graceful close waits for the peer's close frame. */
const CLOSE_WAIT_MS = 3_000;

const kSession = Symbol('getty-rpc.ws-session');

interface OwnedWebSocket extends WebSocket {
  [kSession]?: WsSession<unknown>;
}

interface OwnedSocket extends net.Socket {
  [kSession]?: WsSession<unknown>;
}

export class WsSession<P = unknown> extends BaseSession<P> {
  readonly kind: 'ws' | 'wss';
  readonly ws: WebSocket;
  private readonly socket: net.Socket;
  private corked = false;
  private held: Buffer[] = [];
  private waitingForRoom = false;
  private closeTimer: TimerHandle | null = null;

  constructor(ws: WebSocket, socket: net.Socket, secure: boolean) {
    super(secure ? 'wss-session' : 'ws-session', socketEnds(socket));
    this.kind = secure ? 'wss' : 'ws';
    this.ws = ws;
    this.socket = socket;
    ws.binaryType = 'nodebuffer';
    ws.on('error', onEarlyError);
  }

  get bufferedBytes(): number {
    return this.ws.bufferedAmount;
  }

  /** WS has no snappy; deflate values turn on permessage-deflate for this session's sends. */
  protected override checkCompressType(type: CompressType): void {
    if (type === Compress.Snappy) throw new RpcError(ErrorCode.INVALID_ARGUMENT, 'WebSocket sessions do not support snappy');
  }

  protected override needsCron(): boolean {
    return true;
  }

  protected override cron(): void {
    if (this.isClosed) return;
    // getty pings every cron tick so idle WS sessions stay alive through proxies.
    if (this.ws.readyState === this.ws.OPEN) this.ws.ping();
    super.cron();
  }

  protected attach(): void {
    const ws = this.ws as OwnedWebSocket;
    const socket = this.socket as OwnedSocket;
    ws[kSession] = this as WsSession<unknown>;
    socket[kSession] = this as WsSession<unknown>;
    ws.off('error', onEarlyError);
    ws.on('message', onWsMessage);
    ws.on('error', onWsError);
    ws.on('close', onWsClose);
    ws.on('ping', onWsHeartbeat);
    ws.on('pong', onWsHeartbeat);
    socket.on('drain', onSocketDrain);
  }

  // ---- read path

  /** @internal one message from the peer */
  onMessage(data: Buffer): void {
    if (this.isClosed) return;
    this.stats.bytesIn += data.length;
    this.lastReadAt = Date.now();
    if (this.maxMsgLen > 0 && data.length > this.maxMsgLen) {
      this.reportError(new RpcError(ErrorCode.MSG_TOO_LONG, `message of ${data.length} bytes > max ${this.maxMsgLen}`));
      return;
    }
    if (this.held.length > 0) {
      this.hold(data);
      return;
    }
    const rest = this.handle(data);
    if (rest !== null) this.hold(rest);
  }

  /**
   * Delivers every package the message holds (a peer may pack several
   * frames into one message: none is dropped). Returns the part not taken
   * yet when the pool or maxInflight says stop, else null.
   */
  private handle(data: Buffer): Buffer | null {
    const handler = this.handler;
    if (handler === null) {
      if (!this.canTakeMore()) return data;
      this.lastActive = this.lastReadAt;
      this.deliver(data as P);
      return null;
    }
    let offset = 0;
    while (offset < data.length && !this.isClosed) {
      if (!this.canTakeMore()) return data.subarray(offset);
      const len = this.decodeOne(handler, data, offset);
      if (len < 0) return null;
      offset += len;
    }
    return null;
  }

  /** Delivers the package at `offset`; its length, or -1 when the rest of the message is bad (reported, skipped). */
  private decodeOne(handler: NonNullable<typeof this.handler>, data: Buffer, offset: number): number {
    const available = data.length - offset;
    let result: { pkg?: P; len: number };
    try {
      result = handler.read(this, offset === 0 ? data : data.subarray(offset));
    } catch (err) {
      this.reportError(err);
      return -1;
    }
    if (result.pkg === undefined) {
      this.reportError(new RpcError(ErrorCode.BAD_PACKAGE, `message ends inside a package (${available} bytes left)`));
      return -1;
    }
    const len = result.len;
    if (!Number.isInteger(len) || len <= 0 || len > available) {
      this.reportError(new RpcError(ErrorCode.BAD_PACKAGE, `reader returned a package of ${len} bytes from ${available}`));
      return -1;
    }
    this.lastActive = this.lastReadAt;
    this.deliver(result.pkg);
    return len;
  }

  /** No room: pause the socket; what ws already parsed waits here (one socket chunk at most). */
  private hold(data: Buffer): void {
    this.held.push(data);
    this.waitUntilRoom();
  }

  private waitUntilRoom(): void {
    if (this.waitingForRoom) return;
    this.waitingForRoom = true;
    this.ws.pause();
    this.waitForRoom(() => this.drainHeld());
  }

  private drainHeld(): void {
    this.waitingForRoom = false;
    while (this.held.length > 0 && !this.isClosed) {
      const rest = this.handle(this.held.shift()!);
      if (rest !== null) {
        this.held.unshift(rest);
        this.waitUntilRoom();
        return;
      }
    }
    if (!this.isClosed) this.ws.resume();
  }

  /** @internal ping or pong: the peer is alive (getty updates active time on both). */
  onHeartbeat(): void {
    this.lastReadAt = this.lastActive = Date.now();
  }

  // ---- write path: one message per package

  protected send(buf: Buffer): boolean {
    this.checkWriteBuffer(buf.length);
    this.corkForTurn();
    this.stats.bytesOut += buf.length;
    this.ws.send(buf, { binary: true, compress: this.compressType !== Compress.None });
    return this.bufferedBytes <= this.writeHighWaterMark;
  }

  /** A package encoded as several buffers is still one message. */
  protected override sendArray(bufs: readonly Buffer[]): boolean {
    return this.send(bufs.length === 1 ? bufs[0]! : Buffer.concat(bufs as Buffer[]));
  }

  private corkForTurn(): void {
    if (this.corked) return;
    this.corked = true;
    this.socket.cork();
    process.nextTick(uncorkSession, this);
  }

  /** @internal */
  uncork(): void {
    this.corked = false;
    this.socket.uncork();
    if (this.socket.writableLength > 0) this.armWriteTimer();
    this.reportBacklog(this.ws.bufferedAmount);
  }

  /** @internal */
  onDrain(): void {
    this.disarmWriteTimer();
    this.reportBacklog(this.ws.bufferedAmount);
  }

  // ---- close

  protected release(graceful: boolean): void {
    this.held = [];
    if (!graceful) {
      this.ws.terminate();
      return;
    }
    // A session paused for backpressure reads again, or the peer's close frame would not be seen.
    if (this.waitingForRoom) this.ws.resume();
    this.ws.close(1000, 'bye-bye');
    this.closeTimer = this.owner.wheel.schedule(CLOSE_WAIT_MS, () => this.ws.terminate());
  }

  override terminate(): void {
    this.closeTimer?.cancel();
    this.ws.terminate();
  }

  /** @internal the connection is gone; a close frame with 1000/1001 (or no code) is a clean peer close. */
  onWsClosed(code: number): void {
    this.closeTimer?.cancel();
    if (this.isClosed) return;
    if (code === 1000 || code === 1001 || code === 1005) this.peerClosedCleanly = true;
    this.close(this.peerClosedCleanly ? undefined : new RpcError(ErrorCode.NETWORK, `websocket closed with code ${code}`));
  }
}

function uncorkSession(session: WsSession<unknown>): void {
  session.uncork();
}

function onWsMessage(this: OwnedWebSocket, data: Buffer, isBinary: boolean): void {
  const session = this[kSession]!;
  session.onMessage(isBinary ? data : Buffer.from(data));
}

function onWsError(this: OwnedWebSocket, err: Error & { code?: string }): void {
  const code = err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? ErrorCode.MSG_TOO_LONG : ErrorCode.BAD_PACKAGE;
  this[kSession]!.close(new RpcError(code, `websocket error: ${err.message}`, { cause: err }));
}

function onWsClose(this: OwnedWebSocket, code: number): void {
  this[kSession]!.onWsClosed(code);
}

function onWsHeartbeat(this: OwnedWebSocket): void {
  this[kSession]!.onHeartbeat();
}

function onSocketDrain(this: OwnedSocket): void {
  this[kSession]!.onDrain();
}

function onEarlyError(): void {}
