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
import type { PerMessageDeflateOptions, WebSocketServer } from 'ws';
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import { DEFAULT_MAX_MSG_LEN } from './base-session.js';
import { checkInteger, type EndpointAddress, type ListenOptions } from './endpoint-options.js';
import { listenOn, ServerEndpoint } from './server-endpoint.js';
import { loadWs } from './ws-module.js';
import { WsSession } from './ws-session.js';

export interface WsServerOptions extends ListenOptions {
  /** Upgrade path. Default "/". */
  path?: string;
  /** Node's https.createServer options (key, cert, ca, requestCert, ...): makes it WSS. */
  tls?: tls.TlsOptions;
  /** permessage-deflate offer (ws option). Default false. */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /** Largest frame ws accepts, checked from its header. Default 1 MiB. */
  maxPayloadBytes?: number;
}

export class WsServer<P = unknown> extends ServerEndpoint<P> {
  readonly path: string;
  private readonly secure: boolean;
  private readonly http: http.Server;
  private readonly wss: WebSocketServer;

  constructor(options: WsServerOptions = {}) {
    super(options);
    this.path = options.path ?? '/';
    if (!this.path.startsWith('/')) throw new RpcError(ErrorCode.INVALID_ARGUMENT, `path must start with "/", got ${this.path}`);
    this.secure = options.tls !== undefined;
    this.http = this.secure ? https.createServer(options.tls!) : http.createServer();
    this.wss = new (loadWs().WebSocketServer)({
      noServer: true,
      perMessageDeflate: options.perMessageDeflate ?? false,
      maxPayload: checkInteger(options.maxPayloadBytes, DEFAULT_MAX_MSG_LEN, 1, 'maxPayloadBytes'),
    });
    this.http.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => this.upgrade(req, socket, head));
    this.http.on('request', rejectPlainRequest);
    this.http.on('tlsClientError', (_err: Error, socket: net.Socket) => socket.destroy());
  }

  /** ws:// or wss:// URL of this server on its bound address. */
  get url(): string {
    return `${this.secure ? 'wss' : 'ws'}://${this.address.host}:${this.address.port}${this.path}`;
  }

  protected listen(): Promise<EndpointAddress> {
    return listenOn(this.http, this.port, this.host);
  }

  private upgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
    socket.on('error', noop);
    const path = (req.url ?? '/').split('?')[0];
    if (this.closed || path !== this.path) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    // A refused session has terminated its WebSocket already.
    this.wss.handleUpgrade(req, socket, head, (ws) => this.adopt(new WsSession<P>(ws, socket, this.secure)));
  }

  protected stopListening(): Promise<void> {
    return new Promise((resolve) => {
      this.wss.close();
      this.http.close(() => resolve());
      this.http.closeIdleConnections();
    });
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
