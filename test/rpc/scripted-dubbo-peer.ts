/**
 * A scripted Dubbo provider on 127.0.0.1 built from a plain `net` server and
 * DubboCodec: the test decides, package by package, what the consumer gets
 * back (or that it gets nothing), and can send the consumer requests of its
 * own, as a Java provider does with heartbeats (Dubbo's HeartbeatHandler
 * answers and sends them on both ends). Not a test file itself.
 */
import { EventEmitter, once } from 'node:events';
import net from 'node:net';
import { DubboCodec } from '../../rpc/exchange/dubbo-codec.js';
import type { DubboPackage } from '../../rpc/protocol/dubbo-package.js';

/** Called for each package a consumer sends; reply with `connection.send`. */
export type PeerScript = (connection: PeerConnection, pkg: DubboPackage) => void;

/** One accepted consumer connection. */
export class PeerConnection extends EventEmitter {
  readonly received: DubboPackage[] = [];
  readonly closed: Promise<void>;
  private readonly codec = new DubboCodec();
  private buffer = Buffer.alloc(0);

  constructor(
    readonly socket: net.Socket,
    private readonly script: PeerScript,
  ) {
    super();
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.setNoDelay(true);
    socket.on('error', () => {});
    socket.on('data', (chunk) => this.onData(chunk));
  }

  get isClosed(): boolean {
    return this.socket.destroyed;
  }

  send(pkg: DubboPackage): void {
    this.socket.write(this.encode(pkg));
  }

  /** The frame `pkg` encodes to, for tests that alter bytes before sending them. */
  encode(pkg: DubboPackage): Buffer {
    return Buffer.concat(this.codec.write(null, pkg));
  }

  /** Resolves with the first package received (so far or next) that `matches`; rejects after `timeoutMs` or on close. */
  async nextMatching(matches: (pkg: DubboPackage) => boolean, timeoutMs = 5000): Promise<DubboPackage> {
    const signal = AbortSignal.timeout(timeoutMs);
    const closedFirst = this.closed.then(() => {
      throw new Error('the consumer closed the connection first');
    });
    closedFirst.catch(() => {});
    // One chunk may carry several packages: look at every one received, not only at each event.
    for (let seen = 0; ; ) {
      while (seen < this.received.length) {
        const pkg = this.received[seen++]!;
        if (matches(pkg)) return pkg;
      }
      await Promise.race([once(this, 'package', { signal }), closedFirst]).catch((err: unknown) => {
        throw signal.aborted ? new Error(`no matching package within ${timeoutMs} ms`) : err;
      });
    }
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const { pkg, len } = this.codec.read(null, this.buffer);
      if (!pkg) break;
      this.buffer = this.buffer.subarray(len);
      this.received.push(pkg);
      this.script(this, pkg);
      this.emit('package', pkg);
    }
  }
}

export class ScriptedDubboPeer {
  readonly connections: PeerConnection[] = [];
  private readonly accepted = new EventEmitter();

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(script: PeerScript): Promise<ScriptedDubboPeer> {
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const peer = new ScriptedDubboPeer(server, (server.address() as net.AddressInfo).port);
    server.on('connection', (socket) => {
      const connection = new PeerConnection(socket, script);
      peer.connections.push(connection);
      peer.accepted.emit('connection', connection);
    });
    return peer;
  }

  /** The first connection a consumer opened (waits up to `timeoutMs` for it). */
  async firstConnection(timeoutMs = 5000): Promise<PeerConnection> {
    if (this.connections.length > 0) return this.connections[0]!;
    const [connection] = (await once(this.accepted, 'connection', { signal: AbortSignal.timeout(timeoutMs) })) as [PeerConnection];
    return connection;
  }

  async close(): Promise<void> {
    for (const connection of this.connections) connection.socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
