/**
 * A loopback TCP proxy in front of a test server that can turn silent: it
 * cuts every connection and then accepts new ones without ever answering
 * them, the way a hung server or a half-started one can. Used to show what a
 * client does with a connection that is accepted and never answered.
 */
import net from 'node:net';

export class SilentProxy {
  private readonly sockets = new Set<net.Socket>();
  private silent = false;
  private readonly watchers: { test: (firstBytes: Buffer) => boolean; resolve: () => void }[] = [];

  private constructor(
    private readonly listener: net.Server,
    private readonly targetPort: number,
  ) {}

  static async start(targetPort: number): Promise<SilentProxy> {
    const listener = net.createServer();
    const proxy = new SilentProxy(listener, targetPort);
    listener.on('connection', (socket) => proxy.accept(socket));
    await new Promise<void>((resolve, reject) => listener.once('error', reject).listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.listener.address() as net.AddressInfo).port;
  }

  /** Cuts every connection; new ones are accepted and left unanswered until `forward()`. */
  goSilent(): void {
    this.silent = true;
    for (const socket of this.sockets) socket.destroy();
  }

  /** New connections reach the server again; the silent ones stay unanswered. */
  forward(): void {
    this.silent = false;
  }

  /** Resolves once a silent connection's first bytes (up to 64) pass `test`. */
  untilSilentRequest(test: (firstBytes: Buffer) => boolean): Promise<void> {
    return new Promise((resolve) => this.watchers.push({ test, resolve }));
  }

  close(): void {
    this.listener.close();
    for (const socket of this.sockets) socket.destroy();
  }

  private accept(socket: net.Socket): void {
    this.track(socket);
    if (this.silent) this.hold(socket);
    else this.pipe(socket);
  }

  private hold(socket: net.Socket): void {
    let firstBytes = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      firstBytes = Buffer.concat([firstBytes, chunk]).subarray(0, 64);
      for (const watcher of this.watchers.filter((candidate) => candidate.test(firstBytes))) {
        this.watchers.splice(this.watchers.indexOf(watcher), 1);
        watcher.resolve();
      }
    });
  }

  private pipe(socket: net.Socket): void {
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    this.track(upstream);
    socket.pipe(upstream).pipe(socket);
    socket.on('close', () => upstream.destroy());
    upstream.on('close', () => socket.destroy());
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => this.sockets.delete(socket));
  }
}
