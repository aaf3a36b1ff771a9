/**
 * System 4: getty-rpc RPC echo over the Dubbo 2 protocol, one system per
 * serialization (hessian2, json, protobuf), plus hessian2 on 1 and 2
 * node:cluster workers (ProviderWorkers) to show how a provider scales over
 * the cores. Each bench connection is its own RpcClient with one session, so
 * "100 connections × 1 in flight" really pins one call per connection. The
 * reply is checked to have the payload's length, so a broken echo shows up
 * as errors instead of fast figures.
 */
import { fileURLToPath } from 'node:url';
import { RpcClient } from '../../rpc/client.js';
import { startProviderWorkers } from '../../rpc/provider-workers.js';
import { RpcServer } from '../../rpc/server.js';
import type { Shape } from '../lib/bench-plan.js';
import type { BenchSystem, EchoClient, EchoClientOptions, EchoServer, EchoServerOptions } from './bench-system.js';
import { byteArrayEcho, type EchoCall, type EchoService, protoEcho } from './echo-service.js';
import { registerSystem } from './system-registry.js';

/** A slow call is a figure, not a failure: keep the timeout far above any p99. */
const CALL_TIMEOUT_MS = 30_000;
const WORKER_SCRIPT = fileURLToPath(new URL('../children/rpc-worker-main.js', import.meta.url));

async function startServer(service: EchoService, host: string): Promise<EchoServer> {
  const server = service.exportOn(new RpcServer({ host, port: 0 }));
  await server.start();
  return { port: server.port, close: () => server.stop({ graceMs: 0 }) };
}

/**
 * hessian2 echo on `workers` cluster workers; their CPU and RSS count as the
 * server's. With `heartbeatMs` (connection scale), a session idle for 3
 * periods is closed, as the getty transport system does.
 */
async function startWorkers(workers: number, heartbeatMs: number | undefined): Promise<EchoServer> {
  const provider = await startProviderWorkers({
    workers,
    setup: () => {
      throw new Error('the primary never builds a server');
    },
    exec: WORKER_SCRIPT,
    args: heartbeatMs === undefined ? [] : [String(heartbeatMs * 3)],
    execArgv: process.execArgv,
    graceMs: 0,
    handleSignals: false,
  });
  return { port: provider.port, pids: provider.workerPids, close: () => provider.stop() };
}

class RpcEchoClient implements EchoClient {
  private readonly clients: RpcClient[] = [];
  private readonly echoes: EchoCall[] = [];
  private readonly args: unknown[] = [];
  private readonly onDone: ((reply: unknown) => void)[] = [];
  private readonly onFail: ((err: unknown) => void)[] = [];

  constructor(
    private readonly options: EchoClientOptions,
    serialization: string,
    private readonly service: EchoService,
  ) {
    const url = `dubbo://${options.host}:${options.port}`;
    for (let i = 0; i < options.connections; i++) {
      const client = new RpcClient({ connections: 1, timeoutMs: CALL_TIMEOUT_MS });
      this.clients.push(client);
      this.echoes.push(service.bind(client, url, serialization));
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
    this.args[slot] = this.service.toArgument(payload);
    this.onDone[slot] = (reply) =>
      this.service.replyLength(reply) === expected ? onReply(slot) : onFailure(slot, new Error('echo changed the payload'));
    this.onFail[slot] = (err) => onFailure(slot, err);
  }
}

interface RpcSystemSpec {
  id: string;
  label: string;
  serialization: string;
  service: EchoService;
  start: (host: string, options: EchoServerOptions) => Promise<EchoServer>;
  runsShape?: (shape: Shape) => boolean;
}

function gettyRpcSystem(spec: RpcSystemSpec): BenchSystem {
  return {
    id: spec.id,
    label: spec.label,
    runsShape: spec.runsShape,
    unavailableReason: async () => undefined,
    startServer: (host, options = {}) => spec.start(host, options),
    createClient: async (options) => new RpcEchoClient(options, spec.serialization, spec.service),
  };
}

function serializationSystem(serialization: string, service: EchoService): BenchSystem {
  return gettyRpcSystem({
    id: `getty-rpc-${serialization}`,
    label: `getty-rpc RPC (dubbo + ${serialization})`,
    serialization,
    service,
    start: (host) => startServer(service, host),
  });
}

/** The two shapes issue 5 names for 1 → 2 workers: one deep connection, and 100 shallow ones. */
export function isWorkerShape(shape: Shape): boolean {
  const deep = shape.connections === 1 && shape.inFlight === 256 && shape.payloadBytes === 64;
  const wide = shape.connections === 100 && shape.inFlight === 1 && shape.payloadBytes === 915;
  return deep || wide;
}

function workersSystem(workers: number): BenchSystem {
  return gettyRpcSystem({
    id: `getty-rpc-hessian2-w${workers}`,
    label: `getty-rpc RPC (hessian2, ${workers} cluster worker${workers > 1 ? 's' : ''})`,
    serialization: 'hessian2',
    service: byteArrayEcho,
    start: (_host, options) => startWorkers(workers, options.heartbeatMs),
    runsShape: isWorkerShape,
  });
}

registerSystem(serializationSystem('hessian2', byteArrayEcho));
registerSystem(serializationSystem('json', byteArrayEcho));
registerSystem(serializationSystem('protobuf', protoEcho));
/** The table runs w1 and w2; connection scale uses more workers (each holds < 20 000 fds). */
export const MAX_BENCH_WORKERS = 8;
for (let workers = 1; workers <= MAX_BENCH_WORKERS; workers++) registerSystem(workersSystem(workers));
