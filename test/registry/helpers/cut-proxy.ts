/**
 * A loopback TCP proxy in front of a test server that can cut its clients off:
 * `cut()` drops every connection and refuses new ones (closed as soon as
 * accepted) until `restore()`. Unlike stopping the server, other clients that
 * connect to the server directly keep using it meanwhile.
 */
import net from 'node:net';

export class CutProxy {
  private readonly sockets = new Set<net.Socket>();
  private refusing = false;

  private constructor(
    private readonly listener: net.Server,
    private readonly targetPort: number,
  ) {}

  static async start(targetPort: number): Promise<CutProxy> {
    const listener = net.createServer();
    const proxy = new CutProxy(listener, targetPort);
    listener.on('connection', (socket) => proxy.accept(socket));
    await new Promise<void>((resolve, reject) => listener.once('error', reject).listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.listener.address() as net.AddressInfo).port;
  }

  cut(): void {
    this.refusing = true;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.refusing = false;
  }

  close(): void {
    this.listener.close();
    for (const socket of this.sockets) socket.destroy();
  }

  private accept(socket: net.Socket): void {
    if (this.refusing) {
      socket.destroy();
      return;
    }
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    for (const end of [socket, upstream]) {
      this.sockets.add(end);
      end.on('error', () => undefined);
      end.on('close', () => this.sockets.delete(end));
    }
    socket.pipe(upstream).pipe(socket);
    socket.on('close', () => upstream.destroy());
    upstream.on('close', () => socket.destroy());
  }
}
