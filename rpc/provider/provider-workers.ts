/**
 * `ProviderWorkers`: one provider on N worker processes sharing one port
 * through `node:cluster`, so a provider uses every core. Go's getty serves one port from all cores inside one
 * process; Node needs one process per core, and node:cluster lets them share
 * the listening port (the primary accepts and hands each connection to a
 * worker in turn, its default on Linux).
 *
 * The same script runs in the primary and in every worker, as with
 * node:cluster itself:
 *
 * ```ts
 * const workers = await startProviderWorkers({
 *   workers: 2,
 *   setup: () => new RpcServer({ port: 20880 }).addService(Echo, impl),
 * });
 * // primary: workers.port, workers.workerPids, await workers.stop()
 * ```
 *
 * In a worker, `setup` builds the RpcServer (services added, not started);
 * the worker starts it and reports its port. The primary never calls
 * `setup`. SIGTERM or SIGINT to the primary becomes a graceful stop of
 * every worker (RpcServer.stop with `graceMs`); a worker still alive after
 * the grace is killed by its pid. The primary touches no other process.
 */
import cluster, { type Worker } from 'node:cluster';
import { once } from 'node:events';
import os from 'node:os';
import { ErrorCode, type ErrorCode as ErrorCodeType, isRpcError, RpcError } from '../../common/rpc-error.js';
import type { RpcServer, StopOptions } from './rpc-server.js';

export interface ProviderWorkersOptions {
  /** Builds this worker's RpcServer, services added and not started. Runs only in workers. */
  setup: () => RpcServer | Promise<RpcServer>;
  /** Worker processes (default os.availableParallelism(), at most 256). */
  workers?: number;
  /** Script the workers run (default process.argv[1]: the primary's own script). */
  exec?: string;
  /** Arguments for the workers' script (default process.argv.slice(2)). */
  args?: readonly string[];
  /** Node flags for the workers (default process.execArgv). */
  execArgv?: readonly string[];
  /** How long each worker lets calls in flight finish on stop, in ms (default 5000). */
  graceMs?: number;
  /** How long the primary waits for every worker to listen, in ms (default 30 000). */
  startTimeoutMs?: number;
  /** Turn SIGTERM and SIGINT into a graceful stop (default true). */
  handleSignals?: boolean;
}

/** Worker → primary, and primary → worker (the `gettyRpc` tag keeps user messages apart). */
type WorkerMessage =
  | { gettyRpc: 'ready'; port: number }
  | { gettyRpc: 'failed'; code: string; message: string }
  | { gettyRpc: 'stop'; graceMs: number };

/** Beyond graceMs, how long a worker may take to close before it is killed, in ms. */
const STOP_SLACK_MS = 5_000;
const MAX_WORKERS = 256;
const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

type Resolved = Required<Omit<ProviderWorkersOptions, 'setup'>> & Pick<ProviderWorkersOptions, 'setup'>;

export class ProviderWorkers {
  /** Resolves once stop() has finished, whatever started it (a call or a signal). */
  readonly stopped: Promise<void>;
  private markStopped: () => void = () => undefined;
  private stopping: Promise<void> | undefined;
  private readonly onSignal = (): void => void this.stop();

  private constructor(
    /** 'primary' (forked the workers) or 'worker' (runs one RpcServer). */
    readonly role: 'primary' | 'worker',
    /** The shared port every worker listens on. */
    readonly port: number,
    private readonly workers: readonly Worker[],
    /** This worker's RpcServer (undefined in the primary). */
    readonly server: RpcServer | undefined,
    private readonly options: Resolved,
  ) {
    this.stopped = new Promise<void>((resolve) => {
      this.markStopped = resolve;
    });
    if (options.handleSignals) for (const signal of SIGNALS) process.on(signal, this.onSignal);
  }

  /** Pids of the workers this primary forked (empty in a worker). */
  get workerPids(): number[] {
    return this.workers.map((w) => w.process.pid ?? -1);
  }

  /** Workers still running (primary), or 1 / 0 for this worker. */
  get liveWorkers(): number {
    if (this.role === 'worker') return this.stopping === undefined ? 1 : 0;
    return this.workers.filter((w) => !hasExited(w)).length;
  }

  /**
   * Primary: asks every worker to stop gracefully, kills by pid any worker
   * still alive after graceMs + 5 s, and resolves once all have exited.
   * Worker: stops its RpcServer, then ends this worker process. Idempotent.
   */
  stop(options: StopOptions = {}): Promise<void> {
    this.stopping ??= this.shutdown(options.graceMs ?? this.options.graceMs).then(this.markStopped);
    return this.stopping;
  }

  /** Forks the workers (primary) or runs this worker's server; see the module comment. */
  static async start(options: ProviderWorkersOptions): Promise<ProviderWorkers> {
    const resolved = resolveOptions(options);
    if (cluster.isPrimary) return startPrimary(resolved, (port, workers) => new ProviderWorkers('primary', port, workers, undefined, resolved));
    const server = await runWorker(resolved);
    const handle = new ProviderWorkers('worker', server.port, [], server, resolved);
    listenForStop(handle);
    return handle;
  }

  private async shutdown(graceMs: number): Promise<void> {
    for (const signal of SIGNALS) process.off(signal, this.onSignal);
    if (this.role === 'primary') return stopWorkers(this.workers, graceMs);
    await this.server?.stop({ graceMs }).catch(() => undefined);
    process.exit(0);
  }
}

/** Same as `ProviderWorkers.start(options)`. */
export function startProviderWorkers(options: ProviderWorkersOptions): Promise<ProviderWorkers> {
  return ProviderWorkers.start(options);
}

// ---- primary

async function startPrimary(
  options: Resolved,
  create: (port: number, workers: Worker[]) => ProviderWorkers,
): Promise<ProviderWorkers> {
  cluster.setupPrimary({ exec: options.exec, args: [...options.args], execArgv: [...options.execArgv] });
  const workers = Array.from({ length: options.workers }, () => cluster.fork());
  try {
    const ports = await Promise.all(workers.map((w) => waitReady(w, options.startTimeoutMs)));
    if (new Set(ports).size !== 1) throw new RpcError(ErrorCode.SERVER_ERROR, `workers listen on different ports: ${ports.join(', ')}`);
    return create(ports[0], workers);
  } catch (err) {
    await stopWorkers(workers, 0);
    throw err;
  }
}

function waitReady(worker: Worker, timeoutMs: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => finish(startFailed(`worker did not listen within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (msg: WorkerMessage): void => {
      if (msg?.gettyRpc === 'ready') finish(undefined, msg.port);
      else if (msg?.gettyRpc === 'failed') finish(new RpcError(knownCode(msg.code), `worker failed to start: ${msg.message}`));
    };
    const onExit = (code: number | null): void => finish(startFailed(`worker exited (code ${code}) before listening`));
    const finish = (err?: RpcError, port?: number): void => {
      clearTimeout(timer);
      worker.off('message', onMessage).off('exit', onExit);
      if (err) reject(err);
      else resolve(port!);
    };
    worker.on('message', onMessage).once('exit', onExit);
  });
}

async function stopWorkers(workers: readonly Worker[], graceMs: number): Promise<void> {
  const live = workers.filter((w) => !hasExited(w));
  const exits = live.map((w) => once(w, 'exit'));
  for (const worker of live) if (worker.isConnected()) worker.send({ gettyRpc: 'stop', graceMs } satisfies WorkerMessage);
  const killer = setTimeout(() => live.forEach(killWorker), graceMs + STOP_SLACK_MS);
  await Promise.all(exits);
  clearTimeout(killer);
}

/** Only our own worker, by its pid. */
function killWorker(worker: Worker): void {
  if (!hasExited(worker)) worker.process.kill('SIGKILL');
}

function hasExited(worker: Worker): boolean {
  return worker.process.exitCode !== null || worker.process.signalCode !== null;
}

function startFailed(message: string): RpcError {
  return new RpcError(ErrorCode.SERVER_ERROR, message);
}

function knownCode(code: string): ErrorCodeType {
  return (Object.values(ErrorCode) as string[]).includes(code) ? (code as ErrorCodeType) : ErrorCode.SERVER_ERROR;
}

// ---- worker

async function runWorker(options: Resolved): Promise<RpcServer> {
  try {
    const server = await options.setup();
    await server.start();
    process.send!({ gettyRpc: 'ready', port: server.port } satisfies WorkerMessage);
    return server;
  } catch (err) {
    const code = isRpcError(err) ? err.code : ErrorCode.SERVER_ERROR;
    const failed: WorkerMessage = { gettyRpc: 'failed', code, message: (err as Error)?.message ?? String(err) };
    await new Promise<void>((sent) => process.send!(failed, undefined, {}, () => sent()));
    process.exit(1);
  }
}

/** A stop message, or the primary going away, stops the server and ends this worker (signals: see the constructor). */
function listenForStop(handle: ProviderWorkers): void {
  const end = (graceMs?: number): void => void handle.stop(graceMs === undefined ? {} : { graceMs });
  process.on('message', (msg: WorkerMessage) => {
    if (msg?.gettyRpc === 'stop') end(msg.graceMs);
  });
  // node:cluster ends a worker whose channel to the primary closes at once (process.exit in its own
  // 'disconnect' handler, lib/internal/cluster/child.js) unless the disconnect was expected; marking
  // it expected first lets this worker finish its calls in flight like any other stop.
  process.prependOnceListener('disconnect', () => {
    cluster.worker!.exitedAfterDisconnect = true;
    end();
  });
  // A signal to this worker alone stops it the same way: the constructor's handler calls stop().
}

function resolveOptions(options: ProviderWorkersOptions): Resolved {
  const resolved: Resolved = {
    setup: options.setup,
    workers: options.workers ?? os.availableParallelism(),
    exec: options.exec ?? process.argv[1],
    args: options.args ?? process.argv.slice(2),
    execArgv: options.execArgv ?? process.execArgv,
    graceMs: options.graceMs ?? 5_000,
    startTimeoutMs: options.startTimeoutMs ?? 30_000,
    handleSignals: options.handleSignals ?? true,
  };
  checkOptions(resolved);
  return resolved;
}

function checkOptions(o: Resolved): void {
  const bad = (what: string) => new RpcError(ErrorCode.INVALID_ARGUMENT, `ProviderWorkers: ${what}`);
  if (typeof o.setup !== 'function') throw bad('setup must be a function returning an RpcServer');
  if (!Number.isInteger(o.workers) || o.workers < 1 || o.workers > MAX_WORKERS) throw bad(`workers must be an integer in 1..${MAX_WORKERS}`);
  if (typeof o.exec !== 'string' || o.exec === '') throw bad('exec must name the workers\' script');
  if (!(o.graceMs >= 0)) throw bad('graceMs must be ≥ 0');
  if (!(o.startTimeoutMs > 0)) throw bad('startTimeoutMs must be > 0');
}
