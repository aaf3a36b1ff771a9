/**
 * System 1: raw node:net, 4-byte length-prefixed echo with batched writes —
 * the limit for Node on this machine. The server answers each read with one
 * write of every complete frame in it (no per-frame copy); the client writes
 * all calls queued in one event-loop turn at once.
 */
import net from 'node:net';
import { FRAME_HEADER_BYTES, FrameScanner, forEachFrame } from '../lib/frame-scanner.js';
import { SocketSet, closeServer, connectTcp } from '../lib/socket-set.js';
import { WriteBatcher } from '../lib/write-batcher.js';
import type { BenchSystem, EchoClient, EchoClientOptions, EchoServer } from './bench-system.js';
import { registerSystem } from './system-registry.js';

/** Largest frame body either side accepts, in bytes. */
const MAX_FRAME_BYTES = 1 << 20;

export async function startRawNetServer(host: string): Promise<EchoServer> {
  const sockets = new SocketSet();
  const server = net.createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    echoFrames(socket);
  });
  server.listen(0, host);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const { port } = server.address() as net.AddressInfo;
  return { port, close: () => closeServer(server, sockets) };
}

function echoFrames(socket: net.Socket): void {
  const scanner = new FrameScanner(MAX_FRAME_BYTES);
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    try {
      const frames = scanner.push(chunk);
      if (frames.length > 0) socket.write(frames);
    } catch {
      socket.destroy();
    }
  });
}

class RawNetClient implements EchoClient {
  private readonly framed: Buffer[] = [];
  private readonly sockets = new SocketSet();
  private readonly batchers: WriteBatcher[] = [];

  constructor(private readonly options: EchoClientOptions) {}

  async connect(): Promise<void> {
    for (let i = 0; i < this.options.connections; i++) {
      const socket = await connectTcp(net, this.options.host, this.options.port);
      this.sockets.add(socket);
      this.batchers.push(new WriteBatcher(socket));
      this.readReplies(socket);
    }
  }

  send(connection: number, slot: number, payload: Buffer): void {
    this.batchers[connection].enqueue(this.framed[slot] ?? this.frameFor(slot, payload));
  }

  close(): Promise<void> {
    return this.sockets.destroyAll();
  }

  /** Payloads are constant per slot, so each slot's frame is built once. */
  private frameFor(slot: number, payload: Buffer): Buffer {
    const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
    frame.writeUInt32BE(payload.length, 0);
    payload.copy(frame, FRAME_HEADER_BYTES);
    this.framed[slot] = frame;
    return frame;
  }

  private readReplies(socket: net.Socket): void {
    const scanner = new FrameScanner(MAX_FRAME_BYTES);
    const { onReply, onFailure } = this.options;
    socket.on('error', (err) => onFailure(-1, err));
    socket.on('data', (chunk: Buffer) => {
      try {
        const frames = scanner.push(chunk);
        forEachFrame(frames, (bodyStart) => onReply(frames.readUInt32BE(bodyStart)));
      } catch (err) {
        socket.destroy();
        onFailure(-1, err);
      }
    });
  }
}

export const rawNet: BenchSystem = {
  id: 'raw-net',
  label: 'raw node:net (batched writes)',
  unavailableReason: async () => undefined,
  startServer: startRawNetServer,
  async createClient(options) {
    const client = new RawNetClient(options);
    await client.connect();
    return client;
  },
};

registerSystem(rawNet);
