/**
 * Tracks the sockets a bench server or client opened so that close() ends
 * every one of them and resolves once they are all closed.
 */
import { once } from 'node:events';
import type { Server, Socket } from 'node:net';

export class SocketSet {
  private readonly sockets = new Set<Socket>();

  add(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  get size(): number {
    return this.sockets.size;
  }

  async destroyAll(): Promise<void> {
    const closing = [...this.sockets].map((s) => (s.closed ? undefined : once(s, 'close')));
    for (const socket of this.sockets) socket.destroy();
    await Promise.all(closing);
  }
}

/** Closes a listening server and every socket it accepted; idempotent. */
export async function closeServer(server: Server, sockets: SocketSet): Promise<void> {
  const closed = server.listening ? new Promise<void>((resolve) => server.close(() => resolve())) : undefined;
  await sockets.destroyAll();
  await closed;
}

/** Opens a TCP connection to host:port and resolves once connected. */
export async function connectTcp(
  net: typeof import('node:net'),
  host: string,
  port: number,
): Promise<Socket> {
  const socket = net.connect({ host, port, noDelay: true });
  await once(socket, 'connect');
  return socket;
}
