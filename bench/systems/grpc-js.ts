/**
 * System 2a: @grpc/grpc-js unary echo with a bytes payload — the peer most
 * Node users would pick. The service definition is hand-written with identity
 * (de)serializers on Buffers, so no protobuf cost is measured, only grpc-js
 * and HTTP/2. Each connection is its own channel (a local subchannel pool
 * stops grpc-js from sharing one TCP connection between clients).
 */
import * as grpc from '@grpc/grpc-js';
import type { BenchSystem, EchoClient, EchoClientOptions, EchoServer } from './bench-system.js';
import { registerSystem } from './system-registry.js';

const identity = (buf: Buffer): Buffer => buf;
const ECHO_PATH = '/bench.Echo/Echo';

const echoService: grpc.ServiceDefinition = {
  Echo: {
    path: ECHO_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

async function startServer(host: string): Promise<EchoServer> {
  const server = new grpc.Server();
  server.addService(echoService, {
    Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, reply: grpc.sendUnaryData<Buffer>) => reply(null, call.request),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:0`, grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  );
  return { port, close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())) };
}

class GrpcEchoClient implements EchoClient {
  private readonly clients: grpc.Client[] = [];
  private readonly callbacks: grpc.requestCallback<Buffer>[] = [];

  constructor(private readonly options: EchoClientOptions) {}

  async connect(): Promise<void> {
    const target = `${this.options.host}:${this.options.port}`;
    for (let i = 0; i < this.options.connections; i++) {
      const client = new grpc.Client(target, grpc.credentials.createInsecure(), {
        'grpc.use_local_subchannel_pool': 1,
      });
      await new Promise<void>((resolve, reject) =>
        client.waitForReady(Date.now() + 10_000, (err) => (err ? reject(err) : resolve())),
      );
      this.clients.push(client);
    }
  }

  send(connection: number, slot: number, payload: Buffer): void {
    const done = this.callbacks[slot] ?? this.callbackFor(slot);
    this.clients[connection].makeUnaryRequest(ECHO_PATH, identity, identity, payload, done);
  }

  async close(): Promise<void> {
    for (const client of this.clients) client.close();
  }

  /** One callback per slot, made once: no closure per call on the harness side. */
  private callbackFor(slot: number): grpc.requestCallback<Buffer> {
    const { onReply, onFailure } = this.options;
    const done = (err: grpc.ServiceError | null): void => (err ? onFailure(slot, err) : onReply(slot));
    this.callbacks[slot] = done;
    return done;
  }
}

export const grpcJs: BenchSystem = {
  id: 'grpc-js',
  label: '@grpc/grpc-js unary (bytes)',
  extraWarmupMs: 2000,
  unavailableReason: async () => undefined,
  startServer,
  async createClient(options) {
    const client = new GrpcEchoClient(options);
    await client.connect();
    return client;
  },
};

registerSystem(grpcJs);
