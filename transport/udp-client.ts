/**
 * Connected UDP client (dubbo-getty `connection.go` gettyUDPConn, getty's UDP_CLIENT). Like getty's
 * dialUDP it sends "connect-ping" after connecting and fails if the kernel
 * reports the port unreachable (ICMP) within `connectCheckMs`; silence means
 * the peer may be there. Writes go to the one peer.
 */
import dgram from 'node:dgram';
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import type { BaseSession, SessionOwner } from './base-session.js';
import { checkCallback, checkHost, checkInteger, checkPort, type EndpointCommonOptions, type NewSessionCallback } from './endpoint-options.js';
import type { Session } from './session-contract.js';
import type { TaskPool } from './task-pool.js';
import { defaultTimerWheel, type TimerWheel } from './timer-wheel.js';
import { CONNECT_PING, closeQuietly, UdpSession } from './udp-session.js';

export interface UdpClientOptions extends EndpointCommonOptions {
  /** Peer host. Default 127.0.0.1. */
  host?: string;
  port: number;
  /** How long to wait for an ICMP "port unreachable" after the ping. Default 100. */
  connectCheckMs?: number;
}

export class UdpClient<P = unknown> implements SessionOwner {
  readonly taskPool: TaskPool | null;
  readonly wheel: TimerWheel;
  readonly host: string;
  readonly port: number;
  private readonly connectCheckMs: number;
  private session: UdpSession<P> | null = null;
  private socket: dgram.Socket | null = null;
  private isClosed = false;

  constructor(options: UdpClientOptions) {
    this.host = checkHost(options.host);
    this.port = checkPort(options.port, false);
    this.connectCheckMs = checkInteger(options.connectCheckMs, 100, 1, 'connectCheckMs');
    this.taskPool = options.taskPool ?? null;
    this.wheel = options.wheel ?? defaultTimerWheel();
  }

  get sessions(): Session<P>[] {
    return this.session !== null && !this.session.closed ? [this.session] : [];
  }

  /** Connects and checks the peer; rejects CONNECT_FAILED when the port is unreachable. */
  async runEventLoop(newSession: NewSessionCallback<P>): Promise<void> {
    checkCallback(newSession, 'newSession');
    if (this.isClosed) throw new RpcError(ErrorCode.ENDPOINT_CLOSED, 'client is closed');
    if (this.socket !== null) throw new RpcError(ErrorCode.INVALID_ARGUMENT, 'runEventLoop called twice');
    const socket = dgram.createSocket(this.host.includes(':') ? 'udp6' : 'udp4');
    this.socket = socket;
    try {
      await this.connect(socket);
      await this.probe(socket);
    } catch (err) {
      closeQuietly(socket);
      throw err;
    }
    this.startSession(socket, newSession);
  }

  private startSession(socket: dgram.Socket, newSession: NewSessionCallback<P>): void {
    const session = new UdpSession<P>(socket, true);
    const refusal = session.open(this, newSession);
    if (refusal !== null) throw refusal;
    this.session = session;
  }

  private connect(socket: dgram.Socket): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(this.failure(err));
      socket.once('error', onError);
      socket.connect(this.port, this.host, () => {
        socket.off('error', onError);
        resolve();
      });
    });
  }

  /** getty's connect-ping: an ICMP error arrives as an 'error' event on a connected socket. */
  private probe(socket: dgram.Socket): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = this.wheel.schedule(this.connectCheckMs, () => {
        socket.off('error', onError);
        resolve();
      });
      const onError = (err: Error) => {
        timer.cancel();
        reject(this.failure(err));
      };
      socket.once('error', onError);
      socket.send(CONNECT_PING);
    });
  }

  private failure(err: Error): RpcError {
    return new RpcError(ErrorCode.CONNECT_FAILED, `udp connect to ${this.host}:${this.port} failed: ${err.message}`, { cause: err });
  }

  sessionClosed(_session: BaseSession<unknown>): void {}

  /** Closes the session and its socket. Idempotent. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    if (this.session !== null) this.session.close();
    else if (this.socket !== null) closeQuietly(this.socket);
  }
}

export function createUdpClient<P = unknown>(options: UdpClientOptions): UdpClient<P> {
  return new UdpClient<P>(options);
}
