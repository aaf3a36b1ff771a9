/**
 * A loopback proxy in front of a test ZooKeeper that reads the client's side
 * of the ZooKeeper wire protocol (length-prefixed frames; the first one a
 * ConnectRequest, then requests with an xid and an op code) so a test can:
 * cut every connection, refuse or hold (accept, never answer) the next ones,
 * pick by the session a client asks to resume which ones reach the server,
 * freeze a live connection (nothing passes either way) now or at a given
 * request, drop a client's close-session request, and count requests naming a path.
 */
import net from 'node:net';

/** What happens to a new connection, decided on its ConnectRequest. */
export type Admission = 'forward' | 'hold' | 'refuse';

/** ZooKeeper's closeSession op code (org.apache.zookeeper.ZooDefs.OpCode). */
const CLOSE_SESSION = -11;

export class ZkProxy {
  private readonly sockets = new Set<net.Socket>();
  private readonly frozen = new Set<net.Socket>();
  private admission: (sessionId: Buffer) => Admission = () => 'forward';
  private readonly requestWaiters: { text: string; count: number; resolve: () => void }[] = [];
  private readonly heldWaiters: { test: (sessionId: Buffer) => boolean; resolve: () => void }[] = [];
  private readonly seen = new Map<string, number>();
  /** When true, a close-session request cuts its connection instead of reaching the server. */
  dropCloseSession = false;
  /** A request passing this freezes its connection instead of reaching the server. */
  freezeOn: (request: Buffer) => boolean = () => false;

  private constructor(
    private readonly listener: net.Server,
    private readonly targetPort: number,
  ) {}

  static async start(targetPort: number): Promise<ZkProxy> {
    const listener = net.createServer();
    const proxy = new ZkProxy(listener, targetPort);
    listener.on('connection', (socket) => proxy.accept(socket));
    await new Promise<void>((resolve, reject) => listener.once('error', reject).listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.listener.address() as net.AddressInfo).port;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Decides new connections from now on (by the session id their ConnectRequest asks to resume, zero for a new one). */
  admit(decide: Admission | ((sessionId: Buffer) => Admission)): void {
    this.admission = typeof decide === 'function' ? decide : () => decide;
  }

  /** Destroys every connection open now. */
  cut(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  /** Live connections stay open but nothing passes either way any more. */
  freeze(): void {
    for (const socket of this.sockets) this.frozen.add(socket);
  }

  /** Resolves once `count` forwarded requests (since the proxy started) contained `text`. */
  untilRequests(text: string, count: number): Promise<void> {
    if ((this.seen.get(text) ?? 0) >= count) return Promise.resolve();
    if (!this.seen.has(text)) this.seen.set(text, 0);
    return new Promise((resolve) => this.requestWaiters.push({ text, count, resolve }));
  }

  /** Counts forwarded requests containing `text` from now on (untilRequests counts only watched texts). */
  watchRequests(text: string): void {
    if (!this.seen.has(text)) this.seen.set(text, 0);
  }

  /** Resolves once a held connection asked to resume a session passing `test`. */
  untilHeld(test: (sessionId: Buffer) => boolean): Promise<void> {
    return new Promise((resolve) => this.heldWaiters.push({ test, resolve }));
  }

  close(): void {
    this.listener.close();
    this.cut();
  }

  private accept(socket: net.Socket): void {
    this.track(socket);
    let pending = Buffer.alloc(0);
    let upstream: net.Socket | undefined;
    let decided: Admission | undefined;
    socket.on('data', (chunk) => {
      if (decided === 'hold' || decided === 'refuse' || this.frozen.has(socket)) return;
      pending = Buffer.concat([pending, chunk]);
      for (let frame = takeFrame(pending); frame; frame = takeFrame(pending)) {
        pending = pending.subarray(frame.length);
        if (!decided) {
          // ConnectRequest: length, protocol version, last zxid, timeout, then the session id at offset 20.
          const sessionId = Buffer.from(frame.subarray(20, 28));
          decided = this.admission(sessionId);
          if (decided === 'refuse') return void socket.destroy();
          if (decided === 'hold') return this.held(sessionId);
          upstream = this.connectUpstream(socket);
        } else if (this.dropCloseSession && frame.length >= 12 && frame.readInt32BE(8) === CLOSE_SESSION) {
          return void socket.destroy();
        } else if (this.freezeOn(frame)) {
          this.frozen.add(socket);
          return;
        } else {
          this.noteRequest(frame);
        }
        upstream!.write(frame);
      }
    });
  }

  private connectUpstream(socket: net.Socket): net.Socket {
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    this.track(upstream);
    upstream.on('data', (chunk) => {
      if (!this.frozen.has(socket)) socket.write(chunk);
    });
    socket.on('close', () => upstream.destroy());
    upstream.on('close', () => socket.destroy());
    return upstream;
  }

  private held(sessionId: Buffer): void {
    for (const waiter of this.heldWaiters.filter((candidate) => candidate.test(sessionId))) {
      this.heldWaiters.splice(this.heldWaiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }

  private noteRequest(frame: Buffer): void {
    const text = frame.toString('latin1');
    for (const [watched, count] of this.seen) if (text.includes(watched)) this.seen.set(watched, count + 1);
    for (const waiter of [...this.requestWaiters]) {
      if ((this.seen.get(waiter.text) ?? 0) < waiter.count) continue;
      this.requestWaiters.splice(this.requestWaiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.frozen.delete(socket);
    });
  }
}

/** The first whole frame (length prefix included) of `bytes`, or undefined while it is incomplete. */
function takeFrame(bytes: Buffer): Buffer | undefined {
  if (bytes.length < 4) return undefined;
  const length = 4 + bytes.readInt32BE(0);
  return bytes.length >= length ? bytes.subarray(0, length) : undefined;
}
