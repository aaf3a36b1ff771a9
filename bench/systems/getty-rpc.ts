/**
 * System 4: getty-rpc RPC echo over the Dubbo 2 protocol, one system per
 * serialization (hessian2, json, protobuf). The service echoes a byte[]
 * (the payload); each bench connection is its own RpcClient with one
 * session, so "100 connections × 1 in flight" really pins one call per
 * connection. The reply is checked to have the payload's length, so a
 * broken echo shows up as errors instead of fast figures.
 */
import type { BenchSystem, EchoClient, EchoClientOptions, EchoServer } from './bench-system.js';
import { type EchoMethod, type RpcClientLike, type RpcModule, loadRpc } from './rpc-module.js';
import { registerSystem } from './system-registry.js';

const SERVICE_NAME = 'org.apache.dubbo.bench.EchoService';
/** A slow call is a figure, not a failure: keep the timeout far above any p99. */
const CALL_TIMEOUT_MS = 30_000;

export interface EchoDefinitionSource {
  /** The echo method's name in the definition. */
  method: string;
  /** Builds the service definition for this serialization from the rpc module. */
  definition(rpc: RpcModule & Record<string, unknown>): unknown;
  /** Wraps the payload into the call's argument. */
  toArgument(payload: Buffer): unknown;
  /** Length of the echoed bytes in a reply, to check the echo. */
  replyLength(reply: unknown): number;
}

/**
 * hessian2 and json: a Java-typed `byte[] echo(byte[])`. JSON carries byte[]
 * as base64 (fastjson's form) and, per docs/protocol.md, a return value is
 * not decoded by its declared type, so a json reply is a base64 string.
 */
export const byteArrayEcho: EchoDefinitionSource = {
  method: 'echo',
  definition: (rpc) => rpc.defineService(SERVICE_NAME, { echo: { params: ['byte[]'], returns: 'byte[]' } }),
  toArgument: (payload) => payload,
  replyLength: (reply) => (typeof reply === 'string' ? Buffer.byteLength(reply, 'base64') : (reply as Uint8Array).length),
};

async function startServer(source: EchoDefinitionSource): Promise<EchoServer> {
  const rpc = await loadRpc();
  const server = new rpc.RpcServer({ host: '127.0.0.1', port: 0 });
  server.addService(source.definition(rpc), { [source.method]: async (payload: unknown) => payload });
  await server.start();
  return { port: server.port, close: () => server.stop({ graceMs: 0 }) };
}

class RpcEchoClient implements EchoClient {
  private readonly clients: RpcClientLike[] = [];
  private readonly echoes: EchoMethod[] = [];
  private readonly args: unknown[] = [];
  private readonly onDone: ((reply: unknown) => void)[] = [];
  private readonly onFail: ((err: unknown) => void)[] = [];

  constructor(
    private readonly options: EchoClientOptions,
    private readonly serialization: string,
    private readonly source: EchoDefinitionSource,
  ) {}

  async connect(): Promise<void> {
    const rpc = await loadRpc();
    const definition = this.source.definition(rpc);
    const url = `dubbo://${this.options.host}:${this.options.port}`;
    for (let i = 0; i < this.options.connections; i++) {
      const client = new rpc.RpcClient({ connections: 1, timeoutMs: CALL_TIMEOUT_MS });
      const proxy = client.refer(definition, { url, serialization: this.serialization, retries: 0 });
      this.clients.push(client);
      this.echoes.push(proxy[this.source.method].bind(proxy));
    }
  }

  send(connection: number, slot: number, payload: Buffer): void {
    if (this.onDone[slot] === undefined) this.bindSlot(slot, payload);
    this.echoes[connection](this.args[slot]).then(this.onDone[slot], this.onFail[slot]);
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.close()));
  }

  private bindSlot(slot: number, payload: Buffer): void {
    const { onReply, onFailure } = this.options;
    const expected = payload.length;
    this.args[slot] = this.source.toArgument(payload);
    this.onDone[slot] = (reply) =>
      this.source.replyLength(reply) === expected ? onReply(slot) : onFailure(slot, new Error('echo changed the payload'));
    this.onFail[slot] = (err) => onFailure(slot, err);
  }
}

export function gettyRpcSystem(serialization: string, source: EchoDefinitionSource): BenchSystem {
  return {
    id: `getty-rpc-${serialization}`,
    label: `getty-rpc RPC (dubbo + ${serialization})`,
    async unavailableReason() {
      try {
        source.definition(await loadRpc());
        return undefined;
      } catch (err) {
        return (err as Error).message;
      }
    },
    startServer: () => startServer(source),
    async createClient(options) {
      const client = new RpcEchoClient(options, serialization, source);
      await client.connect();
      return client;
    },
  };
}

registerSystem(gettyRpcSystem('hessian2', byteArrayEcho));
registerSystem(gettyRpcSystem('json', byteArrayEcho));
