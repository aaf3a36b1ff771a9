/**
 * Unconnected UDP endpoint (go-anchors §1.6, getty's UDP_ENDPOINT): one
 * socket, one session. onMessage receives UdpContext { pkg, peer }; reply
 * with session.writePkg({ pkg, peer }).
 */
import dgram from 'node:dgram';
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import type { SessionOwner } from './base-session.js';
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
import { defaultTimerWheel, type TimerWheel } from './timer-wheel.js';
import { type UdpContext, UdpSession } from './udp-session.js';

export interface UdpEndpointOptions extends EndpointCommonOptions {
  /** Bind host. Default 127.0.0.1. */
  host?: string;
  /** Bind port; 0 picks a free one. Default 0. */
  port?: number;
}

export class UdpEndpoint<T = unknown> implements SessionOwner {
  readonly taskPool: TaskPool | null;
  readonly wheel: TimerWheel;
  private readonly host: string;
  private readonly port: number;
  private session: UdpSession<UdpContext<T>> | null = null;
  private socket: dgram.Socket | null = null;
  private bound: EndpointAddress | null = null;
  private isClosed = false;

  constructor(options: UdpEndpointOptions = {}) {
    this.host = checkHost(options.host);
    this.port = checkPort(options.port, true);
    this.taskPool = options.taskPool ?? null;
    this.wheel = options.wheel ?? defaultTimerWheel();
  }

  get address(): EndpointAddress {
    if (this.bound === null) throw new RpcError(ErrorCode.ENDPOINT_CLOSED, 'endpoint is not bound');
    return this.bound;
  }

  get sessions(): Session<UdpContext<T>>[] {
    return this.session !== null && !this.session.closed ? [this.session] : [];
  }

  /** Binds, then configures and starts the one session; newSession throwing rejects. */
  async runEventLoop(newSession: NewSessionCallback<UdpContext<T>>): Promise<void> {
    checkCallback(newSession, 'newSession');
    if (this.isClosed) throw new RpcError(ErrorCode.ENDPOINT_CLOSED, 'endpoint is closed');
    if (this.socket !== null) throw new RpcError(ErrorCode.INVALID_ARGUMENT, 'runEventLoop called twice');
    const socket = dgram.createSocket(this.host.includes(':') ? 'udp6' : 'udp4');
    this.socket = socket;
    await bind(socket, this.port, this.host);
    const addr = socket.address();
    this.bound = { host: addr.address, port: addr.port };
    const session = new UdpSession<UdpContext<T>>(socket, false);
    try {
      newSession(session);
      if (!session.start(this)) throw new RpcError(ErrorCode.CONNECT_FAILED, 'onOpen refused the endpoint session');
    } catch (err) {
      if (!session.closed) session.close();
      throw RpcError.from(err, ErrorCode.INVALID_ARGUMENT);
    }
    this.session = session;
  }

  sessionClosed(): void {}

  /** Closes the session and its socket. Idempotent. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    if (this.session !== null) this.session.close();
    else this.socket?.close();
  }
}

export function bind(socket: dgram.Socket, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(new RpcError(ErrorCode.CONNECT_FAILED, `udp bind failed: ${err.message}`, { cause: err }));
    socket.once('error', onError);
    socket.bind(port, host, () => {
      socket.off('error', onError);
      resolve();
    });
  });
}

export function createUdpEndpoint<T = unknown>(options: UdpEndpointOptions = {}): UdpEndpoint<T> {
  return new UdpEndpoint<T>(options);
}
