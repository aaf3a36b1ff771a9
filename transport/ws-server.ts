/**
 * WebSocket server, ws:// or wss:// when `tls` is given (go-anchors §1.5).
 * Upgrades on `path` only; every accepted socket becomes a WsSession.
 * `maxPayloadBytes` is checked by ws from the frame header, so an oversize
 * frame closes the connection before its body is buffered.
 */
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type tls from 'node:tls';
import { type PerMessageDeflateOptions, type WebSocket, WebSocketServer } from 'ws';
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import { type BaseSession, DEFAULT_MAX_MSG_LEN, type SessionOwner } from './base-session.js';
import {
  checkCallback,
  checkHost,
  checkInteger,
  checkPort,
  type EndpointAddress,
  type EndpointCommonOptions,
  type NewSessionCallback,
} from './endpoint-options.js';
import type { Session } from './session.js';
import type { TaskPool } from './task-pool.js';
import { defaultTimerWheel, type TimerWheel } from './timer-wheel.js';
import { WsSession } from './ws-session.js';

export interface WsServerOptions extends EndpointCommonOptions {
  /** Listen host. Default 127.0.0.1. */
  host?: string;
  /** Listen port; 0 picks a free one. Default 0. */
  port?: number;
  /** Upgrade path. Default "/". */
  path?: string;
  /** Node's https.createServer options (key, cert, ca, requestCert, ...): makes it WSS. */
  tls?: tls.TlsOptions;
  /** permessage-deflate offer (ws option). Default false. */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /** Largest frame ws accepts, checked from its header. Default 1 MiB. */
  maxPayloadBytes?: number;
}

export class WsServer<P = unknown> implements SessionOwner {
  readonly taskPool: TaskPool | null;
  readonly wheel: TimerWheel;
  readonly path: string;
  private readonly host: string;
  private readonly port: number;
  private readonly secure: boolean;
  private readonly http: http.Server;
  private readonly wss: WebSocketServer;
  private readonly live = new Set<BaseSession<unknown>>();
  private newSession: NewSessionCallback<P> | null = null;
  private bound: EndpointAddress | null = null;
  private closing: Promise<void> | null = null;

  constructor(options: WsServerOptions = {}) {
    this.host = checkHost(options.host);
    this.port = checkPort(options.port, true);
    this.path = options.path ?? '/';
    if (!this.path.startsWith('/')) throw new RpcError(ErrorCode.INVALID_ARGUMENT, `path must start with "/", got ${this.path}`);
    this.taskPool = options.taskPool ?? null;
    this.wheel = options.wheel ?? defaultTimerWheel();
    this.secure = options.tls !== undefined;
    this.http = this.secure ? https.createServer(options.tls!) : http.createServer();
    this.wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: options.perMessageDeflate ?? false,
      maxPayload: checkInteger(options.maxPayloadBytes, DEFAULT_MAX_MSG_LEN, 1, 'maxPayloadBytes'),
    });
    this.http.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => this.upgrade(req, socket, head));
    this.http.on('request', rejectPlainRequest);
    this.http.on('tlsClientError', (_err: Error, socket: net.Socket) => socket.destroy());
  }

  get address(): EndpointAddress {
    if (this.bound === null) throw new RpcError(ErrorCode.ENDPOINT_CLOSED, 'server is not listening');
    return this.bound;
  }

  /** ws:// or wss:// URL of this server on its bound address. */
  get url(): string {
    return `${this.secure ? 'wss' : 'ws'}://${this.address.host}:${this.address.port}${this.path}`;
  }

  get sessions(): Session<P>[] {
    return [...this.live] as Session<P>[];
  }

  runEventLoop(newSession: NewSessionCallback<P>): Promise<void> {
    checkCallback(newSession, 'newSession');
    if (this.closing !== null) return Promise.reject(new RpcError(ErrorCode.ENDPOINT_CLOSED, 'server is closed'));
    if (this.newSession !== null) return Promise.reject(new RpcError(ErrorCode.INVALID_ARGUMENT, 'runEventLoop called twice'));
    this.newSession = newSession;
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(new RpcError(ErrorCode.CONNECT_FAILED, `listen failed: ${err.message}`, { cause: err }));
      this.http.once('error', onError);
      this.http.listen(this.port, this.host, () => {
        this.http.off('error', onError);
        const addr = this.http.address() as net.AddressInfo;
        this.bound = { host: addr.address, port: addr.port };
        resolve();
      });
    });
  }

  private upgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
    socket.on('error', noop);
    const path = (req.url ?? '/').split('?')[0];
    if (this.closing !== null || path !== this.path) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, socket));
  }

  private accept(ws: WebSocket, socket: net.Socket): void {
    const session = new WsSession<P>(ws, socket, this.secure);
    try {
      this.newSession!(session);
    } catch {
      ws.terminate();
      return;
    }
    this.live.add(session as BaseSession<unknown>);
    try {
      session.start(this);
    } catch {
      session.close();
      ws.terminate();
    }
  }

  sessionClosed(session: BaseSession<unknown>): void {
    this.live.delete(session);
  }

  /** Stops listening and closes every session. Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise((resolve) => {
      for (const session of [...this.live]) session.close();
      this.wss.close();
      this.http.close(() => resolve());
      this.http.closeIdleConnections();
    });
    return this.closing;
  }
}

function rejectPlainRequest(_req: http.IncomingMessage, res: http.ServerResponse): void {
  res.writeHead(426, { 'content-type': 'text/plain', connection: 'close' });
  res.end('WebSocket upgrade required');
}

function noop(): void {}

export function createWsServer<P = unknown>(options: WsServerOptions = {}): WsServer<P> {
  return new WsServer<P>(options);
}
