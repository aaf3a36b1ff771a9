/**
 * TCP and TLS-over-TCP server (go-anchors §1.5). Every accepted connection
 * becomes a TcpSession, configured by the newSession callback and started;
 * a self-connection is refused, as getty does.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { EndpointAddress, ListenOptions } from './endpoint-options.js';
import { listenOn, ServerEndpoint } from './server-endpoint.js';
import { TcpSession } from './tcp-session.js';

export interface TcpServerOptions extends ListenOptions {
  /** Node's tls.createServer options (key, cert, ca, requestCert, ...): makes it TLS. */
  tls?: tls.TlsOptions;
}

export class TcpServer<P = unknown> extends ServerEndpoint<P> {
  private readonly server: net.Server;
  private readonly secure: boolean;

  constructor(options: TcpServerOptions = {}) {
    super(options);
    this.secure = options.tls !== undefined;
    this.server = this.secure
      ? tls.createServer({ ...options.tls, allowHalfOpen: true })
      : net.createServer({ allowHalfOpen: true });
    this.server.on(this.secure ? 'secureConnection' : 'connection', (socket: net.Socket) => this.accept(socket));
    // A failed TLS handshake is that client's problem; the server keeps serving.
    this.server.on('tlsClientError', (_err: Error, socket: net.Socket) => socket.destroy());
  }

  protected listen(): Promise<EndpointAddress> {
    return listenOn(this.server, this.port, this.host);
  }

  /** A refused session has destroyed its socket already; nothing else to do. */
  private accept(socket: net.Socket): void {
    if (this.closed || isSelfConnect(socket)) {
      socket.destroy();
      return;
    }
    this.adopt(new TcpSession<P>(socket, this.secure));
  }

  protected stopListening(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** TCP simultaneous open can connect a socket to itself (getty's errSelfConnect). */
export function isSelfConnect(socket: net.Socket): boolean {
  return socket.localPort === socket.remotePort && socket.localAddress === socket.remoteAddress;
}

export function createTcpServer<P = unknown>(options: TcpServerOptions = {}): TcpServer<P> {
  return new TcpServer<P>(options);
}
