/**
 * A session over a UDP socket (dubbo-getty `connection.go` gettyUDPConn): connected (`udp-client`,
 * one peer) or unconnected (`udp-endpoint`, one session for the whole
 * socket; packages travel as UdpContext { pkg, peer }). One datagram is one
 * package; a bad or oversize datagram is reported and skipped. UDP cannot
 * pause its socket, so when the task pool is full a datagram is dropped and
 * reported (LIMIT_EXCEEDED) — UDP may drop anyway, memory must not grow.
 */
import type dgram from 'node:dgram';
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import { BaseSession, type SessionEnds } from './base-session.js';
import type { CompressType } from './compress-type.js';
import { CompressType as Compress } from './compress-type.js';

/** Where a datagram came from or goes to. */
export interface UdpPeer {
  address: string;
  port: number;
}

/** What an unconnected endpoint's onMessage receives and its writePkg takes. */
export interface UdpContext<T = unknown> {
  pkg: T;
  peer: UdpPeer;
}

/** getty's liveness probe for connected UDP; endpoints ignore it. */
export const CONNECT_PING = Buffer.from('connect-ping');

const kSession = Symbol('getty-rpc.udp-session');

interface OwnedSocket extends dgram.Socket {
  [kSession]?: UdpSession<unknown>;
}

export class UdpSession<P = unknown> extends BaseSession<P> {
  readonly kind: 'udp-client' | 'udp-endpoint';
  readonly socket: dgram.Socket;
  private readonly connected: boolean;
  private inFlightBytes = 0;

  constructor(socket: dgram.Socket, connected: boolean) {
    super('udp-session', udpEnds(socket, connected));
    this.kind = connected ? 'udp-client' : 'udp-endpoint';
    this.socket = socket;
    this.connected = connected;
  }

  get bufferedBytes(): number {
    return this.inFlightBytes;
  }

  protected override checkCompressType(type: CompressType): void {
    if (type !== Compress.None) throw new RpcError(ErrorCode.INVALID_ARGUMENT, 'UDP sessions do not compress');
  }

  protected attach(): void {
    const socket = this.socket as OwnedSocket;
    socket[kSession] = this as UdpSession<unknown>;
    socket.on('message', onDatagram);
    socket.on('error', onSocketError);
    socket.on('close', onSocketClose);
  }

  // ---- read path

  /** @internal */
  onDatagram(data: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.isClosed || data.equals(CONNECT_PING)) return;
    this.stats.bytesIn += data.length;
    this.lastReadAt = Date.now();
    if (this.maxMsgLen > 0 && data.length > this.maxMsgLen) {
      this.reportError(new RpcError(ErrorCode.MSG_TOO_LONG, `datagram of ${data.length} bytes > max ${this.maxMsgLen}`));
      return;
    }
    if (!this.canTakeMore()) {
      this.reportError(new RpcError(ErrorCode.LIMIT_EXCEEDED, 'task pool full or maxInflight reached: datagram dropped'));
      return;
    }
    const pkg = this.decodeDatagram(data);
    if (pkg === undefined) return;
    this.lastActive = this.lastReadAt;
    const peer = { address: rinfo.address, port: rinfo.port };
    this.deliver((this.connected ? pkg : { pkg, peer }) as P);
  }

  private decodeDatagram(data: Buffer): unknown {
    if (this.handler === null) return data;
    try {
      const result = this.handler.read(this as BaseSession<P>, data);
      if (result.pkg !== undefined && result.len <= data.length) return result.pkg;
      this.reportError(new RpcError(ErrorCode.BAD_PACKAGE, 'datagram does not hold a whole package'));
    } catch (err) {
      this.reportError(err);
    }
    return undefined;
  }

  // ---- write path

  /**
   * Connected: encodes `pkg` and sends it. Unconnected: `pkg` is a
   * UdpContext; its inner pkg is encoded and sent to its peer.
   */
  override writePkg(pkg: P): boolean {
    if (this.connected) return super.writePkg(pkg);
    this.assertOpen();
    const ctx = pkg as unknown as UdpContext;
    if (ctx === null || typeof ctx !== 'object' || !isPeer(ctx.peer)) {
      throw new RpcError(ErrorCode.INVALID_ARGUMENT, 'a UDP endpoint writes UdpContext { pkg, peer }');
    }
    const bytes = this.encode(ctx.pkg);
    this.stats.pkgsOut++;
    return this.sendTo(bytes, ctx.peer);
  }

  private encode(inner: unknown): Buffer {
    if (this.handler === null) {
      if (Buffer.isBuffer(inner)) return inner;
      throw new RpcError(ErrorCode.INVALID_ARGUMENT, 'without a package handler a UDP endpoint sends Buffers only');
    }
    try {
      const out = this.handler.write(this as BaseSession<P>, inner as P);
      return Array.isArray(out) ? Buffer.concat(out) : out;
    } catch (err) {
      throw RpcError.from(err, ErrorCode.BAD_PACKAGE);
    }
  }

  /** Several buffers are one datagram. */
  protected override sendArray(bufs: readonly Buffer[]): boolean {
    return this.send(bufs.length === 1 ? bufs[0]! : Buffer.concat(bufs as Buffer[]));
  }

  protected send(buf: Buffer): boolean {
    if (!this.connected) throw new RpcError(ErrorCode.INVALID_ARGUMENT, 'a UDP endpoint needs a peer: writePkg({ pkg, peer })');
    return this.sendTo(buf, null);
  }

  /**
   * Sends one datagram as it is: an endpoint to `peer` (raw bytes past the
   * package handler), a client to its one peer (`peer` null). Checked before
   * anything is counted: node:dgram throws at once on a bad port or a peer
   * given to a connected socket.
   */
  sendTo(buf: Buffer, peer: UdpPeer | null): boolean {
    this.assertOpen();
    if (this.connected ? peer !== null : !isPeer(peer)) {
      const message = this.connected ? 'a UDP client sends to its own peer: sendTo(buf, null)' : 'a UDP endpoint sends to a peer { address, port }';
      throw new RpcError(ErrorCode.INVALID_ARGUMENT, message);
    }
    this.checkWriteBuffer(buf.length);
    this.inFlightBytes += buf.length;
    this.stats.bytesOut += buf.length;
    const done = (err: Error | null) => this.sent(buf.length, err);
    if (peer === null) this.socket.send(buf, done);
    else this.socket.send(buf, peer.port, peer.address, done);
    return this.inFlightBytes <= this.writeHighWaterMark;
  }

  private sent(len: number, err: Error | null): void {
    this.inFlightBytes -= len;
    if (err !== null && !this.isClosed) this.reportError(err, ErrorCode.NETWORK);
  }

  // ---- close

  protected release(): void {
    closeQuietly(this.socket);
  }

  /** @internal ICMP errors (port unreachable) are reported; UDP has no connection to lose. */
  onSocketError(err: Error): void {
    this.reportError(new RpcError(ErrorCode.NETWORK, `udp error: ${err.message}`, { cause: err }));
  }
}

/** A bound (and, for a client, connected) socket's ends; an endpoint has no one remote end. */
function udpEnds(socket: dgram.Socket, connected: boolean): SessionEnds {
  const local = socket.address();
  const remote = connected ? socket.remoteAddress() : null;
  return { local: `${local.address}:${local.port}`, remote: remote === null ? '' : `${remote.address}:${remote.port}` };
}

/** Closes a UDP socket that may be closed already. */
export function closeQuietly(socket: dgram.Socket): void {
  try {
    socket.close();
  } catch {
    // not running any more
  }
}

/** Port 0 is "any" for bind, not a destination: node:dgram's send throws a RangeError on it. */
function isPeer(peer: unknown): peer is UdpPeer {
  const p = peer as UdpPeer;
  return typeof p === 'object' && p !== null && typeof p.address === 'string' && Number.isInteger(p.port) && p.port > 0 && p.port <= 65535;
}

function onDatagram(this: OwnedSocket, data: Buffer, rinfo: dgram.RemoteInfo): void {
  this[kSession]!.onDatagram(data, rinfo);
}

function onSocketError(this: OwnedSocket, err: Error): void {
  this[kSession]!.onSocketError(err);
}

function onSocketClose(this: OwnedSocket): void {
  this[kSession]!.close();
}
