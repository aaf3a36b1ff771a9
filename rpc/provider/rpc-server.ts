/**
 * `RpcServer`: exports services over the Dubbo 2 protocol on the getty
 * transport (TCP, TLS or WebSocket), optionally registering them in one or
 * more registries (dubbo-go `protocol/dubbo/dubbo_protocol.go` Export and
 * `remoting/getty/getty_server.go`).
 *
 * ```ts
 * const server = new RpcServer({ port: 0 });
 * server.addService(DemoService, { async sayHello(name) { return `Hello ${name}`; } }, { version: '1.0.0' });
 * await server.start();          // server.port: the bound port
 * await server.stop({ graceMs: 5000 });
 * ```
 */
import { performance } from 'node:perf_hooks';
import type { TlsOptions } from 'node:tls';
import { type Logger, resolveLogger } from '../../common/diagnostics.js';
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import { createRegistry, providerUrl, type Registry } from '../../registry/index.js';
import { checkRegistryUrls } from '../../registry/registry.js';
import { type ServiceUrl, serviceKey } from '../../registry/service-url.js';
import { DEFAULT_MAX_WRITE_BUFFER_BYTES } from '../../transport/base-session.js';
import { DEFAULT_MAX_SERVER_WRITE_BUFFER_BYTES, type ServerStats } from '../../transport/endpoint-options.js';
import type { Session } from '../../transport/session-contract.js';
import { DEFAULT_HANDSHAKE_TIMEOUT_MS } from '../../transport/handshake-guard.js';
import type { TaskPool } from '../../transport/task-pool.js';
import { defaultTimerWheel } from '../../transport/timer-wheel.js';
import { ExportedService, type ServiceOptions } from './exported-service.js';
import { checkFilters, type Filter } from '../filter.js';
import type { GovernanceOptions } from '../governance/governance-options.js';
import { ProviderRegistration } from '../governance/provider-registration.js';
import { ExchangeServer } from '../exchange/exchange-server.js';
import { DEFAULT_MAX_FRAME_LEN } from '../exchange/dubbo-codec.js';
import type { DubboPackage, DubboRequest } from '../protocol/dubbo-package.js';
import { advertisedHost } from '../../common/local-address.js';
import { checkProtobufFits } from '../proto-service.js';
import { ProviderCall, type ProviderCallHost, type ResponseSink } from './provider-call.js';
import { ProviderSignals } from './provider-signals.js';
import { getSerialization } from '../serialization/serialization.js';
import { waitAtMost } from '../../common/bounded-wait.js';
import { errorResponse } from '../protocol/remote-error.js';
import type { ImplOf, ServiceDefinition } from '../service.js';
import { ShutdownTracker } from '../shutdown-tracker.js';
import type { TransportKind } from '../exchange/transport-factory.js';

export interface RpcServerOptions {
  /** Address to listen on (default '127.0.0.1'). */
  host?: string;
  /**
   * Host written into registry URLs (default: `host`; for a wildcard such as
   * '0.0.0.0' or '::', the first non-internal IPv4 address, else 127.0.0.1).
   */
  advertiseHost?: string;
  /** Port to listen on; 0 picks a free one (default 20880, Dubbo's). */
  port?: number;
  /** 'tcp' (default) or 'ws' (the same frames as binary WebSocket messages). */
  transport?: TransportKind;
  /** WebSocket path (default '/'). */
  path?: string;
  /** Node TLS options (key, cert, ...): TLS over TCP, or wss. */
  tls?: TlsOptions;
  /** Runs message handling on a transport task pool instead of inline. */
  taskPool?: TaskPool;
  /** Registry URL(s) to register services in, e.g. 'zookeeper://127.0.0.1:2181'. */
  registry?: string | readonly string[];
  /** Application name for registry URLs (default 'getty-rpc-provider'). */
  application?: string;
  /** Serialization advertised in registry URLs (default 'hessian2'); replies use the request's. */
  serialization?: string;
  /** Largest frame accepted or sent, in bytes (default 8 MiB). */
  maxFrameLen?: number;
  /** A session that received nothing (not even a heartbeat) for this long is closed, in ms (default 180 000). */
  sessionTimeoutMs?: number;
  /** Provider filters for every service, after the built-ins. */
  filters?: readonly Filter[];
  /**
   * Where registry outages and dropped sessions are told: any
   * `{ debug, info, warn, error }` object (console, pino). Default: silent
   * except warnings that need action (common/diagnostics.ts).
   */
  logger?: Partial<Logger>;
  /**
   * Once started, SIGTERM and SIGINT stop the server gracefully (`graceMs`,
   * default 5000), as dubbo-go's graceful_shutdown/shutdown.go does; then, when no other
   * listener of that signal is left, the signal is raised again so the
   * process ends as it would have. Default false.
   */
  handleSignals?: boolean | { graceMs?: number };
  /**
   * Calls one connection may have in flight; at this many the connection
   * stops being read (TCP backpressure on the consumer) until half of them
   * finished (default 1000; docs/security.md).
   */
  maxInflightPerSession?: number;
  /** Response bytes queued towards one connection before it is dropped with WRITE_BUFFER_FULL (default 64 MiB). */
  maxWriteBufferBytes?: number;
  /**
   * Response bytes queued towards all connections together; past it, a
   * connection holding more than its share is dropped with WRITE_BUFFER_FULL
   * (default 256 MiB).
   */
  maxServerWriteBufferBytes?: number;
  /** Connections held at once; more are closed at accept and counted (default 10 000; 0 = no limit). */
  maxConnections?: number;
  /** TLS handshake (and WebSocket upgrade) time limit, in ms (default 10 000). */
  handshakeTimeoutMs?: number;
  /**
   * 'ws' only: origins whose web pages may connect ('*' = any). An upgrade
   * with another Origin header is refused (403); one without Origin (not a
   * browser) is accepted. Default [] (no page may connect).
   */
  allowedOrigins?: readonly string[];
  /** Re-register when configurators target this provider (docs/governance.md); `{ enabled: false }` turns it off. */
  governance?: GovernanceOptions;
}

/** What closing the sockets or the registries may take at least, past the grace, ms. */
const CLOSE_STEP_MIN_MS = 1000;

/** Default cap on calls in flight per connection. */
export const DEFAULT_MAX_INFLIGHT_PER_SESSION = 1000;
/** Default cap on connections per RpcServer. */
export const DEFAULT_MAX_CONNECTIONS = 10_000;

export interface StopOptions {
  /** How long calls in flight may take to finish, in ms (default 5000). */
  graceMs?: number;
}

type Resolved = Required<Omit<RpcServerOptions, 'tls' | 'taskPool' | 'registry' | 'filters' | 'logger' | 'handleSignals' | 'governance'>> &
  Pick<RpcServerOptions, 'tls' | 'taskPool'>;

export class RpcServer {
  private readonly options: Resolved;
  private readonly services = new Map<string, ExportedService>();
  private readonly filters: Filter[];
  private readonly registryUrls: readonly string[];
  private readonly registries: Registry[] = [];
  private readonly registered: ProviderRegistration[] = [];
  private readonly governance: GovernanceOptions | undefined;
  private readonly tracker = new ShutdownTracker(ErrorCode.SERVER_SHUTTING_DOWN);
  /** Sessions, heartbeats, idle checks and replies; made by start(). */
  private exchange: ExchangeServer | undefined;
  private stopping: Promise<void> | undefined;
  private readonly logger: Logger;
  private readonly signalGraceMs: number | undefined;
  private removeSignalHandlers: (() => void) | undefined;
  private readonly signals = new ProviderSignals(defaultTimerWheel());
  /** Made once and shared by every call (provider-call.ts). */
  private readonly callHost: ProviderCallHost;
  /** The service found for the last request, by the fields that named it. */
  private lastLookup: { name: string; group: string; version: string; service: ExportedService | undefined } | undefined;

  constructor(options: RpcServerOptions = {}) {
    this.options = resolveOptions(options);
    this.filters = checkFilters([...(options.filters ?? [])]);
    this.governance = options.governance;
    this.registryUrls = checkRegistryUrls(typeof options.registry === 'string' ? [options.registry] : [...(options.registry ?? [])]);
    this.logger = resolveLogger(options.logger);
    this.signalGraceMs = signalGraceOf(options.handleSignals);
    this.callHost = { reply: this.replyAndLeave, signals: this.signals, exportedServices: () => this.exportedServices() };
  }

  /** The bound port (after start()). */
  get port(): number {
    return this.exchange?.port ?? this.options.port;
  }

  get host(): string {
    return this.options.host;
  }

  /** True once stop() began: new calls get SERVER_SHUTTING_DOWN. */
  get closing(): boolean {
    return this.tracker.closing;
  }

  /** Calls being handled right now. */
  get activeCalls(): number {
    return this.tracker.active;
  }

  /**
   * Connection counters: sessions accepted and open, connections refused
   * (maxConnections, handshake, origin, ...) and sessions dropped (by error
   * code), output held. All zero before start().
   */
  stats(): ServerStats {
    return this.exchange?.stats() ?? emptyStats();
  }

  /** Adds a provider filter for services added from now on (after the built-ins). */
  use(filter: Filter): this {
    this.filters.push(...checkFilters([filter]));
    return this;
  }

  /** Exports `impl` as `definition` (under `version` and `group`). */
  addService<D extends ServiceDefinition>(definition: D, impl: ImplOf<D>, options: ServiceOptions = {}): this {
    checkProtobufFits(definition, this.options.serialization);
    const service = new ExportedService(definition, impl as object, options, this.filters);
    const key = serviceKey(service.name, service.group, service.version);
    if (this.services.has(key)) throw new RpcError(ErrorCode.INVALID_ARGUMENT, `service ${key} added twice`);
    this.services.set(key, service);
    this.lastLookup = undefined;
    return this;
  }

  /**
   * Listens, then registers every service. Resolves once both are done. When
   * either fails (port taken, registry unreachable) it releases what it took —
   * registrations, registry connections, the listening port — and rejects, so
   * a process whose start() failed can end without calling stop().
   */
  async start(): Promise<void> {
    // Stopped first: a stopped server still holds its exchange, and 'already started' would hide the stop.
    if (this.stopping) throw new RpcError(ErrorCode.SERVER_SHUTTING_DOWN, 'server was stopped');
    if (this.exchange) throw new RpcError(ErrorCode.INVALID_ARGUMENT, 'server already started');
    try {
      this.exchange = new ExchangeServer({ ...this.options, logger: this.logger, onSessionClose: this.onSessionClose }, this.dispatch);
      await this.exchange.listen();
      await this.registerAll();
    } catch (err) {
      await this.releaseAfterFailedStart();
      throw err;
    }
    this.installSignalHandlers();
  }

  /**
   * Unregisters, refuses new calls with SERVER_SHUTTING_DOWN, waits up to
   * `graceMs` for calls in flight (then aborts the signals of those still
   * running), then closes every session. Idempotent. Ends within `graceMs`
   * plus at most about 3 s (unregistering, closing sockets and registries
   * are each bounded), whatever peers or registries do.
   */
  stop(options: StopOptions = {}): Promise<void> {
    this.stopping ??= this.shutdown(options.graceMs ?? 5000);
    return this.stopping;
  }

  /** Provider URLs of the exported services (as registered). */
  serviceUrls(): ServiceUrl[] {
    return [...this.services.values()].map((service) => this.urlOf(service));
  }

  // ---- internals

  /**
   * The ExchangeServer's request handler (made once): a ProviderCall per
   * request. Not `async`: one `then` per call from the method's result to
   * the reply (docs/performance.md "RPC call path").
   */
  private readonly dispatch = (session: Session<DubboPackage>, request: DubboRequest): Promise<void> | undefined => {
    if (this.tracker.closing) {
      this.exchange!.reply(session, request, errorResponse(request, shuttingDown()));
      return undefined;
    }
    this.tracker.enter();
    return new ProviderCall(session, request, this.findService(request), this.callHost).run();
  };

  /** Made once: ProviderCall writes the response from the method's own `then`, then the call counts out. */
  private readonly replyAndLeave: ResponseSink = (session, request, response) => {
    try {
      this.exchange!.reply(session as Session<DubboPackage>, request, response);
    } finally {
      this.tracker.leave();
    }
  };

  /** Calls still running on a closed session get their signal aborted. */
  private readonly onSessionClose = (session: Session<DubboPackage>): void => {
    this.signals.abortSession(session);
  };

  private findService(request: DubboRequest): ExportedService | undefined {
    const name = typeof request.attachments.interface === 'string' ? request.attachments.interface : request.path;
    const group = typeof request.attachments.group === 'string' ? request.attachments.group : '';
    const last = this.lastLookup;
    // Consecutive calls nearly always name the same service: no key string per call.
    if (last !== undefined && last.name === name && last.group === group && last.version === request.version) return last.service;
    const service = this.services.get(serviceKey(name, group, request.version));
    this.lastLookup = { name, group, version: request.version, service };
    return service;
  }

  /** `interface[:version][ (group g)]` of every exported service, for SERVICE_NOT_FOUND. */
  private exportedServices(): string[] {
    return [...this.services.values()].map(
      (service) => `${service.name}${service.version ? `:${service.version}` : ''}${service.group ? ` (group ${service.group})` : ''}`,
    );
  }

  private async registerAll(): Promise<void> {
    for (const url of this.registryUrls) this.registries.push(createRegistry(url, { logger: this.logger }));
    for (const registry of this.registries) {
      for (const service of this.services.values()) {
        const registration = new ProviderRegistration(registry, this.urlOf(service), this.governance);
        this.registered.push(registration);
        await registration.start();
      }
    }
  }

  private async shutdown(graceMs: number): Promise<void> {
    const endOfGrace = performance.now() + graceMs;
    this.removeSignalHandlers?.();
    // Unregister first so consumers stop choosing this provider (dubbo-go `graceful_shutdown/shutdown.go`).
    await waitAtMost(Promise.allSettled(this.registered.map((registration) => registration.stop())), CLOSE_STEP_MIN_MS);
    if (!(await this.tracker.drain(graceMs))) {
      // Calls still running get their signal aborted, so work nobody will receive stops.
      this.signals.abortAll(new RpcError(ErrorCode.SERVER_SHUTTING_DOWN, `the server stopped; its ${graceMs} ms grace ended`));
    }
    // The port is released at once; sockets a peer keeps open (a TLS handshake never
    // finished) do not hold stop() past its grace.
    // A peer that does not take its last replies is cut off when the grace ends.
    const graceLeftMs = Math.max(0, Math.ceil(endOfGrace - performance.now()));
    await waitAtMost(this.exchange?.close({ lingerMs: graceLeftMs }), Math.max(CLOSE_STEP_MIN_MS, graceLeftMs));
    await waitAtMost(Promise.allSettled(this.registries.map((registry) => registry.close())), CLOSE_STEP_MIN_MS);
  }

  /** What a failed start() took, released: registrations, registry connections, the port. */
  private async releaseAfterFailedStart(): Promise<void> {
    const registered = this.registered.splice(0);
    await Promise.allSettled(registered.map((registration) => registration.stop()));
    const registries = this.registries.splice(0);
    await Promise.allSettled(registries.map((registry) => registry.close()));
    const exchange = this.exchange;
    this.exchange = undefined;
    await exchange?.close().catch(() => undefined);
  }

  /** handleSignals: SIGTERM / SIGINT → stop(), then the signal's default action unless someone else listens. */
  private installSignalHandlers(): void {
    const graceMs = this.signalGraceMs;
    if (graceMs === undefined || this.removeSignalHandlers) return;
    const names: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];
    const onSignal = (signal: NodeJS.Signals) => {
      this.logger.info({ signal }, `${signal}: stopping within ${graceMs} ms`);
      this.stop({ graceMs }).finally(() => {
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      });
    };
    for (const name of names) process.once(name, onSignal);
    this.removeSignalHandlers = () => {
      for (const name of names) process.removeListener(name, onSignal);
    };
  }

  private urlOf(service: ExportedService): ServiceUrl {
    const params: Record<string, string> = { ...service.options.parameters };
    if (service.options.token) params.token = service.options.token;
    if (this.options.transport === 'ws') params.transport = 'ws';
    return providerUrl({
      host: this.options.advertiseHost,
      port: this.port,
      interfaceName: service.name,
      methods: service.methodNames,
      application: this.options.application,
      version: service.version || undefined,
      group: service.group || undefined,
      weight: service.options.weight,
      serialization: this.options.serialization,
      params,
    });
  }

}

function signalGraceOf(option: RpcServerOptions['handleSignals']): number | undefined {
  if (option === undefined || option === false) return undefined;
  const graceMs = option === true ? 5000 : (option.graceMs ?? 5000);
  if (!(typeof graceMs === 'number' && graceMs >= 0 && Number.isFinite(graceMs))) {
    throw new RpcError(ErrorCode.INVALID_ARGUMENT, `RpcServer: handleSignals.graceMs must be a number >= 0, got ${String(graceMs)}`);
  }
  return graceMs;
}


function shuttingDown(): RpcError {
  return new RpcError(ErrorCode.SERVER_SHUTTING_DOWN, 'server is shutting down; call another provider');
}

function resolveOptions(options: RpcServerOptions): Resolved {
  const resolved: Resolved = {
    host: options.host ?? '127.0.0.1',
    advertiseHost: options.advertiseHost ?? advertisedHost(options.host ?? '127.0.0.1'),
    port: options.port ?? 20880,
    transport: options.transport ?? 'tcp',
    path: options.path ?? '/',
    tls: options.tls,
    taskPool: options.taskPool,
    application: options.application ?? 'getty-rpc-provider',
    serialization: options.serialization ?? 'hessian2',
    maxFrameLen: options.maxFrameLen ?? DEFAULT_MAX_FRAME_LEN,
    sessionTimeoutMs: options.sessionTimeoutMs ?? 180_000,
    maxInflightPerSession: options.maxInflightPerSession ?? DEFAULT_MAX_INFLIGHT_PER_SESSION,
    maxWriteBufferBytes: options.maxWriteBufferBytes ?? DEFAULT_MAX_WRITE_BUFFER_BYTES,
    maxServerWriteBufferBytes: options.maxServerWriteBufferBytes ?? DEFAULT_MAX_SERVER_WRITE_BUFFER_BYTES,
    maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
    allowedOrigins: options.allowedOrigins ?? [],
  };
  checkOptions(resolved);
  return resolved;
}

function checkOptions(options: Resolved): void {
  const bad = (what: string) => new RpcError(ErrorCode.INVALID_ARGUMENT, `RpcServer: ${what}`);
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) throw bad(`bad port ${options.port}`);
  if (options.transport !== 'tcp' && options.transport !== 'ws') throw bad(`unknown transport ${String(options.transport)}`);
  if (!(options.sessionTimeoutMs > 0)) throw bad('sessionTimeoutMs must be > 0');
  getSerialization(options.serialization); // an unknown name fails here, listing the known ones
  const integerAtLeast = (name: keyof Resolved, min: number) => {
    const value = options[name];
    if (!Number.isSafeInteger(value) || (value as number) < min) throw bad(`${name} must be an integer >= ${min}, got ${String(value)}`);
  };
  integerAtLeast('maxInflightPerSession', 1);
  integerAtLeast('maxWriteBufferBytes', 1);
  integerAtLeast('maxServerWriteBufferBytes', 1);
  integerAtLeast('maxConnections', 0);
  integerAtLeast('handshakeTimeoutMs', 1);
  if (!Array.isArray(options.allowedOrigins) || !options.allowedOrigins.every((o) => typeof o === 'string')) {
    throw bad('allowedOrigins must be an array of origin strings');
  }
}

function emptyStats(): ServerStats {
  return {
    accepted: 0,
    open: 0,
    refused: { maxConnections: 0, handshake: 0, origin: 0, newSession: 0, selfConnect: 0, closing: 0 },
    dropped: {},
    bufferedBytes: 0,
  };
}
