/**
 * One WebSocket to a provider carrying Dubbo frames as binary messages
 * (the server side is transport/ws: one frame per message, but several
 * frames or a split frame are read correctly too). Answers the provider's
 * heartbeats; hands responses to the client; fails nothing itself: the
 * client learns of the end through `onClosed`.
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import type { DubboCodec } from '../exchange/dubbo-codec.js';
import { answerHeartbeat } from '../exchange/heartbeat.js';
import type { DubboPackage, DubboResponse } from '../protocol/dubbo-package.js';
import { type BrowserSocket, type BrowserSocketClass, SOCKET_OPEN } from './browser-socket.js';

export interface BrowserConnectionHandlers {
  onResponse(response: DubboResponse): void;
  /** Called once when the socket ends; `err` says why. */
  onClosed(err: RpcError): void;
}

export class BrowserConnection {
  /** Settles when the socket is open (rejects with NETWORK when it never opens). */
  readonly ready: Promise<void>;
  private readonly socket: BrowserSocket;
  /** Bytes of a frame not yet complete (bounded: the codec checks the header's length first). */
  private rest: Buffer = Buffer.alloc(0);
  private closeReason: RpcError | undefined;

  constructor(
    readonly url: string,
    SocketClass: BrowserSocketClass,
    private readonly codec: DubboCodec,
    private readonly handlers: BrowserConnectionHandlers,
  ) {
    this.socket = openSocket(SocketClass, url);
    this.ready = this.whenOpen();
    this.socket.addEventListener('message', (event) => this.onMessage(event.data));
    this.socket.addEventListener('close', () => this.ended());
    // A 'close' always follows an 'error'; listening keeps Node's `ws` from throwing it as unhandled.
    this.socket.addEventListener('error', () => {});
  }

  /** True once the socket has ended or is ending: the client opens a new one for the next call. */
  get closed(): boolean {
    return this.closeReason !== undefined;
  }

  writePkg(pkg: DubboPackage): void {
    if (this.socket.readyState !== SOCKET_OPEN) throw new RpcError(ErrorCode.NETWORK, `WebSocket to ${this.url} is not open`);
    this.socket.send(Buffer.concat(this.codec.write(null, pkg)));
  }

  /** Closes the socket; `reason` is what pending calls are failed with. Idempotent. */
  close(reason: RpcError): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason;
    this.socket.close();
    this.handlers.onClosed(reason);
  }

  private whenOpen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.addEventListener('open', () => resolve());
      this.socket.addEventListener('close', () => reject(this.closeReason ?? connectFailed(this.url)));
    });
  }

  private ended(): void {
    this.close(new RpcError(ErrorCode.NETWORK, `WebSocket to ${this.url} closed`));
  }

  private onMessage(data: unknown): void {
    if (this.closed) return;
    try {
      this.readFrames(toBuffer(data));
    } catch (err) {
      // A bad header or an oversize frame: this socket cannot be trusted any more.
      this.close(RpcError.from(err, ErrorCode.BAD_PACKAGE));
    }
  }

  private readFrames(chunk: Buffer): void {
    let buf = this.rest.length === 0 ? chunk : Buffer.concat([this.rest, chunk]);
    for (;;) {
      const { pkg, len } = this.codec.read(null, buf);
      if (pkg === undefined) break;
      buf = buf.subarray(len);
      this.dispatch(pkg);
    }
    // Copied: the decoded packages may share memory with `buf`.
    this.rest = Buffer.from(buf);
  }

  private dispatch(pkg: DubboPackage): void {
    if (pkg.kind === 'response') {
      if (!pkg.event) this.handlers.onResponse(pkg);
      return;
    }
    // The provider's heartbeat is answered; other requests are ignored.
    answerHeartbeat(pkg, this);
  }
}

function openSocket(SocketClass: BrowserSocketClass, url: string): BrowserSocket {
  let socket: BrowserSocket;
  try {
    socket = new SocketClass(url);
  } catch (err) {
    throw new RpcError(ErrorCode.INVALID_ARGUMENT, `cannot open WebSocket to ${url}`, { cause: err });
  }
  socket.binaryType = 'arraybuffer';
  return socket;
}

function connectFailed(url: string): RpcError {
  return new RpcError(ErrorCode.NETWORK, `cannot connect to ${url}`);
}

/** A message's data as a Buffer (ArrayBuffer in browsers; `ws` may hand a Buffer or fragments). */
function toBuffer(data: unknown): Buffer {
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data)) return Buffer.concat(data as Buffer[]);
  throw new RpcError(ErrorCode.BAD_PACKAGE, `expected a binary WebSocket message, got ${typeof data}`);
}
