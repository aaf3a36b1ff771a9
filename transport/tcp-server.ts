/**
 * TCP and TLS-over-TCP server (go-anchors §1.5). Every accepted connection
 * becomes a TcpSession, configured by the newSession callback and started;
 * a self-connection is refused, as getty does. A TLS handshake must finish
 * within handshakeTimeoutMs; connections past maxConnections are closed at
 * accept (Node's net.Server maxConnections) and counted.
 */
import net from 'node:net';
import tls from 'node:tls';
import { checkInteger, type EndpointAddress, type ListenOptions } from './endpoint-options.js';
import { DEFAULT_HANDSHAKE_TIMEOUT_MS, HandshakeGuard } from './handshake-guard.js';
import { listenOn, ServerEndpoint } from './server-endpoint.js';
import { TcpSession } from './tcp-session.js';

export interface TcpServerOptions extends ListenOptions {
  /** Node's tls.createServer options (key, cert, ca, requestCert, ...): makes it TLS. */
  tls?: tls.TlsOptions;
  /** TLS: a handshake not finished within this many ms is dropped (refused `handshake`). Default 10 000. */
  handshakeTimeoutMs?: number;
}

export class TcpServer<P = unknown> extends ServerEndpoint<P> {
  private readonly server: net.Server;
  private readonly secure: boolean;
  private readonly handshakes: HandshakeGuard | null;

  constructor(options: TcpServerOptions = {}) {
    super(options);
    this.secure = options.tls !== undefined;
    const handshakeTimeoutMs = checkInteger(options.handshakeTimeoutMs, DEFAULT_HANDSHAKE_TIMEOUT_MS, 1, 'handshakeTimeoutMs');
    // Plain TCP keeps half-open sockets so bytes that came with the peer's FIN are still
    // answered (getty #77). TLS does not: a half-closed ClientHello would hold its
    // descriptor, and the guard below bounds the handshake on the shared wheel instead of
    // Node's per-socket handshakeTimeout (turned off).
    this.server = this.secure
      ? tls.createServer({ ...options.tls, allowHalfOpen: false, handshakeTimeout: 0 })
      : net.createServer({ allowHalfOpen: true });
    // Dropping a stalled handshake makes Node emit tlsClientError, which counts it.
    this.handshakes = this.secure ? new HandshakeGuard(this.wheel, handshakeTimeoutMs, noop) : null;
    if (this.maxConnections > 0) this.server.maxConnections = this.maxConnections;
    this.server.on('drop', () => this.refused('maxConnections'));
    if (this.handshakes !== null) this.server.on('connection', (socket: net.Socket) => this.handshakes!.track(socket));
    this.server.on(this.secure ? 'secureConnection' : 'connection', (socket: net.Socket) => this.accept(socket));
    // A failed TLS handshake is that client's problem; the server keeps serving.
    this.server.on('tlsClientError', (_err: Error, socket: net.Socket) => {
      this.refused('handshake');
      socket.destroy();
    });
  }

  /** Connections accepted whose TLS handshake has not finished. */
  get pendingHandshakes(): number {
    return this.handshakes?.size ?? 0;
  }

  protected listen(): Promise<EndpointAddress> {
    return listenOn(this.server, this.port, this.host);
  }

  /** A refused session has destroyed its socket already; nothing else to do. */
  private accept(socket: net.Socket): void {
    this.handshakes?.done(socket);
    if (this.closed || isSelfConnect(socket)) {
      this.refused(this.closed ? 'closing' : 'selfConnect');
      socket.destroy();
      return;
    }
    this.adopt(new TcpSession<P>(socket, this.secure));
  }

  /** Handshakes still running are dropped at once: close never waits for a peer that stalls. */
  protected stopListening(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.handshakes?.destroyAll();
    return closed;
  }
}

function noop(): void {}

/** TCP simultaneous open can connect a socket to itself (getty's errSelfConnect). */
export function isSelfConnect(socket: net.Socket): boolean {
  return socket.localPort === socket.remotePort && socket.localAddress === socket.remoteAddress;
}

export function createTcpServer<P = unknown>(options: TcpServerOptions = {}): TcpServer<P> {
  return new TcpServer<P>(options);
}
