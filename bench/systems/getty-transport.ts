/**
 * System 3: getty-rpc's transport echo — LengthFieldCodec (4-byte big-endian
 * length, the same wire format as raw net) over TCP sessions. The server's
 * onMessage writes the package straight back; the client routes replies by
 * the slot number in the payload's first 4 bytes.
 */
import {
  createTcpClient,
  createTcpServer,
  type EventListener,
  LengthFieldCodec,
  type Session,
  type TcpClient,
} from '../../transport/index.js';
import type { BenchSystem, EchoClient, EchoClientOptions, EchoServer, EchoServerOptions } from './bench-system.js';
import { registerSystem } from './system-registry.js';

/** Largest frame the bench sessions accept, in bytes (the payloads are ≤ 915 B). */
const MAX_MSG_LEN_BYTES = 1 << 20;
/** getty closes a session idle for this many cron periods (its session timeout check). */
const IDLE_PERIODS = 3;

async function startServer(host: string, options: EchoServerOptions = {}): Promise<EchoServer> {
  const codec = new LengthFieldCodec();
  const server = createTcpServer<Buffer>({ host, port: 0 });
  const listener = echoListener(options.heartbeatMs);
  await server.runEventLoop((session) => {
    session.setPkgHandler(codec).setMaxMsgLen(MAX_MSG_LEN_BYTES).setEventListener(listener);
    if (options.heartbeatMs !== undefined) session.setCronPeriod(options.heartbeatMs);
  });
  return { port: server.address.port, close: () => server.close() };
}

/** One listener for every session (no closures per session). */
function echoListener(heartbeatMs: number | undefined): EventListener<Buffer> {
  const listener: EventListener<Buffer> = { onMessage: (s, pkg) => void s.writePkg(pkg) };
  if (heartbeatMs !== undefined) {
    const idleLimitMs = IDLE_PERIODS * heartbeatMs;
    listener.onCron = (s) => {
      if (Date.now() - s.lastActive > idleLimitMs) s.close();
    };
  }
  return listener;
}

class TransportEchoClient implements EchoClient {
  private sessions: Session<Buffer>[] = [];
  private client: TcpClient<Buffer> | undefined;

  constructor(private readonly options: EchoClientOptions) {}

  async connect(): Promise<void> {
    const { host, port, connections, onReply, onFailure } = this.options;
    const codec = new LengthFieldCodec();
    const listener: EventListener<Buffer> = {
      onMessage: (_s, pkg) => onReply(pkg.readUInt32BE(0)),
      onError: (_s, err) => onFailure(-1, err),
    };
    this.client = createTcpClient<Buffer>({ host, port, connectionNumber: connections });
    await this.client.runEventLoop((session) => {
      session.setPkgHandler(codec).setMaxMsgLen(MAX_MSG_LEN_BYTES).setEventListener(listener);
    });
    this.sessions = this.client.sessions;
    if (this.sessions.length !== connections) {
      throw new Error(`getty transport client opened ${this.sessions.length} of ${connections} sessions`);
    }
  }

  send(connection: number, _slot: number, payload: Buffer): void {
    this.sessions[connection].writePkg(payload);
  }

  async close(): Promise<void> {
    await this.client?.close();
  }
}

export const gettyTransport: BenchSystem = {
  id: 'getty-transport',
  label: 'getty-rpc transport (LengthFieldCodec)',
  unavailableReason: async () => undefined,
  startServer,
  async createClient(options) {
    const client = new TransportEchoClient(options);
    await client.connect();
    return client;
  },
};

registerSystem(gettyTransport);
