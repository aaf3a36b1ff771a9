/**
 * TCP and TLS-over-TCP server (go-anchors §1.5). Every accepted connection
 * becomes a TcpSession, configured by the newSession callback and started;
 * a self-connection is refused, as getty does.
 */
import net from 'node:net';
import tls from 'node:tls';
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import type { BaseSession, SessionOwner } from './base-session.js';
import {
  checkCallback,
  checkHost,
  checkPort,
  type EndpointAddress,
  type EndpointCommonOptions,
  type NewSessionCallback,
} from './endpoint-options.js';
import type { Session } from './session.js';
import type { TaskPool } from './task-pool.js';
import { TcpSession } from './tcp-session.js';
import { defaultTimerWheel, type TimerWheel } from './timer-wheel.js';

export interface TcpServerOptions extends EndpointCommonOptions {
  /** Listen host. Default 127.0.0.1. */
  host?: string;
  /** Listen port; 0 picks a free one (see `address`). Default 0. */
  port?: number;
  /** Node's tls.createServer options (key, cert, ca, requestCert, ...): makes it TLS. */
  tls?: tls.TlsOptions;
}

export class TcpServer<P = unknown> implements SessionOwner {
  readonly taskPool: TaskPool | null;
  readonly wheel: TimerWheel;
  private readonly host: string;
  private readonly port: number;
  private readonly server: net.Server;
  private readonly secure: boolean;
  private readonly live = new Set<BaseSession<unknown>>();
  private newSession: NewSessionCallback<P> | null = null;
  private bound: EndpointAddress | null = null;
  private closing: Promise<void> | null = null;

  constructor(options: TcpServerOptions = {}) {
    this.host = checkHost(options.host);
    this.port = checkPort(options.port, true);
    this.taskPool = options.taskPool ?? null;
    this.wheel = options.wheel ?? defaultTimerWheel();
    this.secure = options.tls !== undefined;
    this.server = this.secure
      ? tls.createServer({ ...options.tls, allowHalfOpen: true })
      : net.createServer({ allowHalfOpen: true });
    this.server.on(this.secure ? 'secureConnection' : 'connection', (socket: net.Socket) => this.accept(socket));
    // A failed TLS handshake is that client's problem; the server keeps serving.
    this.server.on('tlsClientError', (_err: Error, socket: net.Socket) => socket.destroy());
  }

  /** The bound address; throws before runEventLoop resolved. */
  get address(): EndpointAddress {
    if (this.bound === null) throw new RpcError(ErrorCode.ENDPOINT_CLOSED, 'server is not listening');
    return this.bound;
  }

  get sessions(): Session<P>[] {
    return [...this.live] as Session<P>[];
  }

  get closed(): boolean {
    return this.closing !== null;
  }

  /** Starts listening; resolves once bound. */
  runEventLoop(newSession: NewSessionCallback<P>): Promise<void> {
    checkCallback(newSession, 'newSession');
    if (this.closing !== null) return Promise.reject(new RpcError(ErrorCode.ENDPOINT_CLOSED, 'server is closed'));
    if (this.newSession !== null) return Promise.reject(new RpcError(ErrorCode.INVALID_ARGUMENT, 'runEventLoop called twice'));
    this.newSession = newSession;
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(new RpcError(ErrorCode.CONNECT_FAILED, `listen failed: ${err.message}`, { cause: err }));
      this.server.once('error', onError);
      this.server.listen(this.port, this.host, () => {
        this.server.off('error', onError);
        this.server.on('error', noop);
        const addr = this.server.address() as net.AddressInfo;
        this.bound = { host: addr.address, port: addr.port };
        resolve();
      });
    });
  }

  private accept(socket: net.Socket): void {
    if (this.closing !== null || isSelfConnect(socket)) {
      socket.destroy();
      return;
    }
    const session = new TcpSession<P>(socket, this.secure);
    try {
      this.newSession!(session);
    } catch {
      socket.destroy();
      return;
    }
    this.live.add(session as BaseSession<unknown>);
    try {
      session.start(this);
    } catch {
      session.close();
      socket.destroy();
    }
  }

  sessionClosed(session: BaseSession<unknown>): void {
    this.live.delete(session);
  }

  /** Stops listening and closes every session. Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const session of [...this.live]) session.close();
    });
    return this.closing;
  }
}

/** TCP simultaneous open can connect a socket to itself (getty's errSelfConnect). */
export function isSelfConnect(socket: net.Socket): boolean {
  return socket.localPort === socket.remotePort && socket.localAddress === socket.remoteAddress;
}

export function createTcpServer<P = unknown>(options: TcpServerOptions = {}): TcpServer<P> {
  return new TcpServer<P>(options);
}

function noop(): void {}
