/**
 * System 3: getty-rpc's transport echo — LengthFieldCodec (4-byte big-endian
 * length, the same wire format as raw net) over TCP sessions. The server's
 * onMessage writes the package straight back; the client routes replies by
 * the slot number in the payload's first 4 bytes.
 *
 * The transport is loaded at run time through a structural type, so the
 * bench builds and reports "not available" while transport/index.ts is
 * missing rather than failing to compile.
 */
import type { BenchSystem, EchoClient, EchoClientOptions, EchoServer, EchoServerOptions } from './bench-system.js';
import { registerSystem } from './system-registry.js';
import {
  MAX_MSG_LEN_BYTES,
  type TransportListener,
  type TransportModule,
  type TransportSession,
  loadTransport,
} from './transport-module.js';

/** getty closes a session idle for this many cron periods (its session timeout check). */
const IDLE_PERIODS = 3;

async function startServer(host: string, options: EchoServerOptions = {}): Promise<EchoServer> {
  const t = await loadTransport();
  const codec = new t.LengthFieldCodec();
  const server = t.createTcpServer({ host, port: 0 });
  const listener = echoListener(options.heartbeatMs);
  await server.runEventLoop((session) => {
    session.setPkgHandler(codec).setMaxMsgLen(MAX_MSG_LEN_BYTES).setEventListener(listener);
    if (options.heartbeatMs !== undefined) session.setCronPeriod(options.heartbeatMs);
  });
  return { port: server.address.port, close: () => server.close() };
}

/** One listener for every session (no closures per session). */
function echoListener(heartbeatMs: number | undefined): TransportListener {
  const listener: TransportListener = { onMessage: (s, pkg) => void s.writePkg(pkg) };
  if (heartbeatMs !== undefined) {
    const idleLimitMs = IDLE_PERIODS * heartbeatMs;
    listener.onCron = (s) => {
      if (Date.now() - s.lastActive > idleLimitMs) s.close();
    };
  }
  return listener;
}

class TransportEchoClient implements EchoClient {
  private sessions: TransportSession[] = [];
  private closeClient: () => Promise<void> = async () => undefined;

  constructor(private readonly options: EchoClientOptions) {}

  async connect(t: TransportModule): Promise<void> {
    const { host, port, connections, onReply, onFailure } = this.options;
    const codec = new t.LengthFieldCodec();
    const client = t.createTcpClient({ host, port, connectionNumber: connections });
    this.closeClient = () => client.close();
    await client.runEventLoop((session) => {
      session.setPkgHandler(codec).setMaxMsgLen(MAX_MSG_LEN_BYTES).setEventListener({
        onMessage: (_s: TransportSession, pkg: Buffer) => onReply(pkg.readUInt32BE(0)),
        onError: (_s: TransportSession, err: unknown) => onFailure(-1, err),
      });
    });
    this.sessions = client.sessions;
    if (this.sessions.length !== connections) {
      throw new Error(`getty transport client opened ${this.sessions.length} of ${connections} sessions`);
    }
  }

  send(connection: number, _slot: number, payload: Buffer): void {
    this.sessions[connection].writePkg(payload);
  }

  close(): Promise<void> {
    return this.closeClient();
  }
}

export const gettyTransport: BenchSystem = {
  id: 'getty-transport',
  label: 'getty-rpc transport (LengthFieldCodec)',
  async unavailableReason() {
    try {
      await loadTransport();
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  },
  startServer,
  async createClient(options) {
    const client = new TransportEchoClient(options);
    await client.connect(await loadTransport());
    return client;
  },
};

registerSystem(gettyTransport);
