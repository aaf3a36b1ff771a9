/**
 * WebSocket server, ws:// or wss:// when `tls` is given (go-anchors §1.5).
 * Upgrades on `path` only; every accepted socket becomes a WsSession.
 * `maxPayloadBytes` is checked by ws from the frame header, so an oversize
 * frame closes the connection before its body is buffered. The upgrade (and
 * the TLS handshake before it) must come within handshakeTimeoutMs; an
 * upgrade whose Origin header is not in allowedOrigins is refused with 403,
 * so a web page a user happens to visit cannot call the server (RFC 6455
 * §10.2: servers that take browser connections check Origin).
 */
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type tls from 'node:tls';
import type { PerMessageDeflateOptions, WebSocketServer } from 'ws';
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import { DEFAULT_MAX_MSG_LEN } from './base-session.js';
import { checkInteger, type EndpointAddress, invalidArgument, type ListenOptions } from './endpoint-options.js';
import { DEFAULT_HANDSHAKE_TIMEOUT_MS, HandshakeGuard } from './handshake-guard.js';
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
  /** The TLS handshake and the upgrade request must be done within this many ms (refused `handshake`). Default 10 000. */
  handshakeTimeoutMs?: number;
  /**
   * Origins (e.g. "https://app.example.com") whose pages may connect; "*"
   * allows any. An upgrade with an Origin header not listed is refused (403,
   * refused `origin`); one without Origin (not a browser) is accepted.
   * Default [] (no browser page may connect).
   */
  allowedOrigins?: readonly string[];
}

export class WsServer<P = unknown> extends ServerEndpoint<P> {
  readonly path: string;
  private readonly secure: boolean;
  private readonly http: http.Server;
  private readonly wss: WebSocketServer;
  private readonly handshakes: HandshakeGuard;
  private readonly allowedOrigins: ReadonlySet<string>;

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
    this.allowedOrigins = checkOrigins(options.allowedOrigins);
    const handshakeTimeoutMs = checkInteger(options.handshakeTimeoutMs, DEFAULT_HANDSHAKE_TIMEOUT_MS, 1, 'handshakeTimeoutMs');
    // Over TLS, dropping a stalled handshake makes Node emit tlsClientError, which counts it.
    this.handshakes = new HandshakeGuard(this.wheel, handshakeTimeoutMs, () => {
      if (!this.secure) this.refused('handshake');
    });
    if (this.maxConnections > 0) this.http.maxConnections = this.maxConnections;
    this.http.on('drop', () => this.refused('maxConnections'));
    this.http.on('connection', (socket: net.Socket) => this.handshakes.track(socket));
    this.http.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => this.upgrade(req, socket, head));
    this.http.on('request', rejectPlainRequest);
    this.http.on('tlsClientError', (_err: Error, socket: net.Socket) => {
      this.refused('handshake');
      socket.destroy();
    });
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
    this.handshakes.done(socket);
    const path = (req.url ?? '/').split('?')[0];
    if (this.closed || path !== this.path) {
      if (this.closed) this.refused('closing');
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    if (!this.originAllowed(req.headers.origin)) {
      this.refused('origin');
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    // A refused session has terminated its WebSocket already.
    this.wss.handleUpgrade(req, socket, head, (ws) => this.adopt(new WsSession<P>(ws, socket, this.secure)));
  }

  /** No Origin header: not a browser, allowed. A browser page: only a listed origin (or "*"). */
  private originAllowed(origin: string | undefined): boolean {
    return origin === undefined || this.allowedOrigins.has('*') || this.allowedOrigins.has(origin);
  }

  /** Connections that never upgraded (or never finished TLS) are dropped at once. */
  protected stopListening(): Promise<void> {
    return new Promise((resolve) => {
      this.wss.close();
      this.http.close(() => resolve());
      this.http.closeAllConnections();
      this.handshakes.destroyAll();
    });
  }
}

function checkOrigins(origins: unknown): ReadonlySet<string> {
  if (origins === undefined) return new Set();
  if (!Array.isArray(origins) || !origins.every((o) => typeof o === 'string' && o.length > 0)) {
    throw invalidArgument('allowedOrigins must be an array of origin strings');
  }
  return new Set(origins as string[]);
}

function rejectPlainRequest(_req: http.IncomingMessage, res: http.ServerResponse): void {
  res.writeHead(426, { 'content-type': 'text/plain', connection: 'close' });
  res.end('WebSocket upgrade required');
}

function noop(): void {}

export function createWsServer<P = unknown>(options: WsServerOptions = {}): WsServer<P> {
  return new WsServer<P>(options);
}
