/**
 * TCP and TLS-over-TCP client (dubbo-getty `client.go`, `options.go`): a ClientEndpoint
 * whose dial opens one socket, waits for connect (or the TLS handshake) and
 * refuses a socket connected to itself.
 */
import net from 'node:net';
import tls from 'node:tls';
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import type { BaseSession } from './base-session.js';
import { ClientEndpoint, type ClientEndpointOptions } from './client-endpoint.js';
import { checkHost, checkInteger, checkPort } from './endpoint-options.js';
import { TcpSession } from './tcp-session.js';
import { isSelfConnect } from './tcp-server.js';

export interface TcpClientOptions extends ClientEndpointOptions {
  /** Server host. Default 127.0.0.1. */
  host?: string;
  port: number;
  /** Node's tls.connect options (ca, cert, key, servername, ...): makes it TLS. */
  tls?: tls.ConnectionOptions;
  /** A dial not connected within this time fails. Default 3000 (getty's TLS dial timeout). */
  connectTimeoutMs?: number;
  /** Bind the local side (mostly for tests). */
  localAddress?: string;
  localPort?: number;
}

export class TcpClient<P = unknown> extends ClientEndpoint<P> {
  readonly host: string;
  readonly port: number;
  private readonly tlsOptions: tls.ConnectionOptions | undefined;
  private readonly connectTimeoutMs: number;
  private readonly localAddress: string | undefined;
  private readonly localPort: number | undefined;
  private readonly dialing = new Set<net.Socket>();

  constructor(options: TcpClientOptions) {
    super(options);
    this.host = checkHost(options.host);
    this.port = checkPort(options.port, false);
    this.tlsOptions = options.tls;
    this.connectTimeoutMs = checkInteger(options.connectTimeoutMs, 3000, 1, 'connectTimeoutMs');
    this.localAddress = options.localAddress;
    this.localPort = options.localPort === undefined ? undefined : checkPort(options.localPort, false);
  }

  protected dial(): Promise<BaseSession<P>> {
    const socket = this.openSocket();
    this.dialing.add(socket);
    return new Promise<BaseSession<P>>((resolve, reject) => {
      const timer = this.wheel.schedule(this.connectTimeoutMs, () => fail(new Error('connect timed out')));
      const fail = (err: Error) => {
        finish();
        socket.destroy();
        reject(err instanceof RpcError ? err : connectFailed(this.host, this.port, err));
      };
      const finish = () => {
        timer.cancel();
        this.dialing.delete(socket);
        socket.off('error', fail);
      };
      socket.once('error', fail);
      socket.once(this.tlsOptions ? 'secureConnect' : 'connect', () => {
        if (isSelfConnect(socket)) return fail(new RpcError(ErrorCode.SELF_CONNECT, `connected to itself on port ${socket.localPort}`));
        finish();
        resolve(new TcpSession<P>(socket, this.tlsOptions !== undefined));
      });
    });
  }

  private openSocket(): net.Socket {
    const base = { host: this.host, port: this.port, localAddress: this.localAddress, localPort: this.localPort, allowHalfOpen: true };
    if (this.tlsOptions === undefined) return net.connect(base);
    return tls.connect({ servername: net.isIP(this.host) ? undefined : this.host, ...this.tlsOptions, ...base });
  }

  protected abortDials(): void {
    for (const socket of this.dialing) socket.destroy(new RpcError(ErrorCode.ENDPOINT_CLOSED, 'client closed'));
  }
}

function connectFailed(host: string, port: number, err: Error): RpcError {
  return new RpcError(ErrorCode.CONNECT_FAILED, `connect to ${host}:${port} failed: ${err.message}`, { cause: err });
}

export function createTcpClient<P = unknown>(options: TcpClientOptions): TcpClient<P> {
  return new TcpClient<P>(options);
}
