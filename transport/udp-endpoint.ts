/**
 * Unconnected UDP endpoint (dubbo-getty `connection.go` gettyUDPConn, getty's UDP_ENDPOINT): one
 * socket, one session. onMessage receives UdpContext { pkg, peer }; reply
 * with session.writePkg({ pkg, peer }). runEventLoop rejects when newSession
 * or onOpen refuses that one session.
 */
import dgram from 'node:dgram';
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import type { EndpointAddress, ListenOptions } from './endpoint-options.js';
import { ServerEndpoint } from './server-endpoint.js';
import { closeQuietly, type UdpContext, UdpSession } from './udp-session.js';

export type UdpEndpointOptions = ListenOptions;

export class UdpEndpoint<T = unknown> extends ServerEndpoint<UdpContext<T>> {
  private socket: dgram.Socket | null = null;

  protected async listen(): Promise<EndpointAddress> {
    const socket = dgram.createSocket(this.host.includes(':') ? 'udp6' : 'udp4');
    this.socket = socket;
    try {
      await bind(socket, this.port, this.host);
    } catch (err) {
      closeQuietly(socket);
      throw err;
    }
    const addr = socket.address();
    const refusal = this.adopt(new UdpSession<UdpContext<T>>(socket, false));
    if (refusal !== null) throw refusal;
    return { host: addr.address, port: addr.port };
  }

  /** The session's close closes the socket; this covers a socket without one. */
  protected async stopListening(): Promise<void> {
    if (this.socket !== null && this.sessions.length === 0) closeQuietly(this.socket);
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
