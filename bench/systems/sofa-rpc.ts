/**
 * System 2b: sofa-rpc-node echo — the other Node RPC framework with a
 * registry — in direct mode (no registry) over its default protocol, bolt
 * with hessian2 bodies. Its server listens on every interface by default, so
 * the bench subclass binds it to 127.0.0.1 (loopback only).
 */
import net from 'node:net';
import { once } from 'node:events';
import sofa from 'sofa-rpc-node';
import type { BenchSystem, EchoClient, EchoClientOptions, EchoServer } from './bench-system.js';
import { registerSystem } from './system-registry.js';

const INTERFACE_NAME = 'bench.EchoService';
const RESPONSE_TIMEOUT_MS = 30_000;
const noop = (): void => undefined;
/** sofa-rpc-node requires a logger; its info/debug lines would cost CPU in the figures. */
const quietLogger = { info: noop, warn: noop, debug: noop, error: (...args: unknown[]) => console.error(...args) };

class LoopbackSofaServer extends sofa.server.RpcServer {
  override _startServer(port: number): net.Server {
    const server = net.createServer((socket) => this._handleSocket(socket));
    server.listen(port, '127.0.0.1');
    return server;
  }
}

async function startServer(): Promise<EchoServer> {
  const server = new LoopbackSofaServer({ logger: quietLogger, port: 0 });
  server.addService({ interfaceName: INTERFACE_NAME }, { echo: async (payload: Buffer) => payload });
  await server.start();
  const listening = (server as unknown as { _servers: net.Server[] })._servers[0];
  if (!listening.listening) await once(listening, 'listening');
  const { port } = listening.address() as net.AddressInfo;
  return { port, close: () => server.close() };
}

type Consumer = ReturnType<InstanceType<typeof sofa.client.RpcClient>['createConsumer']>;

class SofaEchoClient implements EchoClient {
  private readonly clients: InstanceType<typeof sofa.client.RpcClient>[] = [];
  private readonly consumers: Consumer[] = [];
  private readonly onDone: (() => void)[] = [];
  private readonly onFail: ((err: unknown) => void)[] = [];
  private readonly argLists: Buffer[][] = [];

  constructor(private readonly options: EchoClientOptions) {}

  /** One RpcClient per connection: a client keeps one connection per address. */
  async connect(): Promise<void> {
    const serverHost = `${this.options.host}:${this.options.port}`;
    for (let i = 0; i < this.options.connections; i++) {
      const client = new sofa.client.RpcClient({ logger: quietLogger });
      const consumer = client.createConsumer({ interfaceName: INTERFACE_NAME, serverHost });
      await consumer.ready();
      this.clients.push(client);
      this.consumers.push(consumer);
    }
  }

  send(connection: number, slot: number, payload: Buffer): void {
    if (this.onDone[slot] === undefined) this.bindSlot(slot, payload);
    this.consumers[connection]
      .invoke('echo', this.argLists[slot], { responseTimeout: RESPONSE_TIMEOUT_MS })
      .then(this.onDone[slot], this.onFail[slot]);
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.close()));
  }

  private bindSlot(slot: number, payload: Buffer): void {
    const { onReply, onFailure } = this.options;
    this.onDone[slot] = () => onReply(slot);
    this.onFail[slot] = (err) => onFailure(slot, err);
    this.argLists[slot] = [payload];
  }
}

export const sofaRpc: BenchSystem = {
  id: 'sofa-rpc',
  label: 'sofa-rpc-node (bolt+hessian2)',
  extraWarmupMs: 2000,
  unavailableReason: async () => undefined,
  startServer,
  async createClient(options) {
    const client = new SofaEchoClient(options);
    await client.connect();
    return client;
  },
};

registerSystem(sofaRpc);
