/**
 * `RpcServer`: exports services over the Dubbo 2 protocol on the getty
 * transport (TCP, TLS or WebSocket), optionally registering them in one or
 * more registries (dubbo-go's DubboProtocol.Export + getty server,
 * go-anchors §3.6).
 *
 * ```ts
 * const server = new RpcServer({ port: 0 });
 * server.addService(DemoService, { async sayHello(name) { return `Hello ${name}`; } }, { version: '1.0.0' });
 * await server.start();          // server.port: the bound port
 * await server.stop({ graceMs: 5000 });
 * ```
 */
import type { TlsOptions } from 'node:tls';
import { ErrorCode, isRpcError, RpcError } from '../common/rpc-error.js';
import { createRegistry, providerUrl, type Registry } from '../registry/index.js';
import { type ServiceUrl, serviceKey } from '../registry/service-url.js';
import type { EventListener } from '../transport/event-listener.js';
import type { TaskPool } from '../transport/task-pool.js';
import type { Session } from '../transport/session.js';
import { ExportedService, type ServiceOptions } from './exported-service.js';
import type { Filter } from './filter.js';
import type { GovernanceOptions } from './governance/governance-options.js';
import { ProviderRegistration } from './governance/provider-registration.js';
import { DEFAULT_MAX_FRAME_LEN, DubboCodec } from './protocol/dubbo-codec.js';
import { createHeartbeatResponse, type DubboPackage, type DubboRequest } from './protocol/dubbo-package.js';
import { advertisedHost } from './local-address.js';
import { ProviderCall, type ResponseSink } from './provider-call.js';
import { errorResponse } from './remote-error.js';
import type { ImplOf, ServiceDefinition } from './service.js';
import { ShutdownTracker } from './shutdown-tracker.js';
import { createTransportServer, type TransportKind, type TransportServer } from './transport-factory.js';

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
  /** Re-register when configurators target this provider (docs/governance.md); `{ enabled: false }` turns it off. */
  governance?: GovernanceOptions;
}

export interface StopOptions {
  /** How long calls in flight may take to finish, in ms (default 5000). */
  graceMs?: number;
}

type Resolved = Required<Omit<RpcServerOptions, 'tls' | 'taskPool' | 'registry' | 'filters' | 'governance'>> &
  Pick<RpcServerOptions, 'tls' | 'taskPool'>;

export class RpcServer implements EventListener<DubboPackage> {
  private readonly options: Resolved;
  private readonly services = new Map<string, ExportedService>();
  private readonly filters: Filter[];
  private readonly registryUrls: readonly string[];
  private readonly registries: Registry[] = [];
  private readonly registered: ProviderRegistration[] = [];
  private readonly governance: GovernanceOptions | undefined;
  private readonly tracker = new ShutdownTracker(ErrorCode.SERVER_SHUTTING_DOWN);
  private readonly codec: DubboCodec;
  private transport: TransportServer | undefined;
  private stopping: Promise<void> | undefined;
  /** The service found for the last request, by the fields that named it. */
  private lastLookup: { name: string; group: string; version: string; service: ExportedService | undefined } | undefined;

  constructor(options: RpcServerOptions = {}) {
    this.options = resolveOptions(options);
    this.filters = [...(options.filters ?? [])];
    this.governance = options.governance;
    this.registryUrls = typeof options.registry === 'string' ? [options.registry] : [...(options.registry ?? [])];
    this.codec = new DubboCodec({ maxFrameLen: this.options.maxFrameLen });
  }

  /** The bound port (after start()). */
  get port(): number {
    return this.transport?.address.port ?? this.options.port;
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

  /** Adds a provider filter for services added from now on (after the built-ins). */
  use(filter: Filter): this {
    this.filters.push(filter);
    return this;
  }

  /** Exports `impl` as `definition` (under `version` and `group`). */
  addService<D extends ServiceDefinition>(definition: D, impl: ImplOf<D>, options: ServiceOptions = {}): this {
    const service = new ExportedService(definition, impl as object, options, this.filters);
    const key = serviceKey(service.name, service.group, service.version);
    if (this.services.has(key)) throw new RpcError(ErrorCode.INVALID_ARGUMENT, `service ${key} added twice`);
    this.services.set(key, service);
    this.lastLookup = undefined;
    return this;
  }

  /** Listens, then registers every service. Resolves once both are done. */
  async start(): Promise<void> {
    if (this.transport) throw new RpcError(ErrorCode.INVALID_ARGUMENT, 'server already started');
    this.transport = this.createTransport();
    await this.transport.runEventLoop((session) => this.configure(session as Session<DubboPackage>));
    await this.registerAll();
  }

  /**
   * Unregisters, refuses new calls with SERVER_SHUTTING_DOWN, waits up to
   * `graceMs` for calls in flight, then closes every session. Idempotent.
   */
  stop(options: StopOptions = {}): Promise<void> {
    this.stopping ??= this.shutdown(options.graceMs ?? 5000);
    return this.stopping;
  }

  /** Provider URLs of the exported services (as registered). */
  serviceUrls(): ServiceUrl[] {
    return [...this.services.values()].map((service) => this.urlOf(service));
  }

  // ---- EventListener

  onMessage(session: Session<DubboPackage>, pkg: DubboPackage): void | Promise<void> {
    if (pkg.kind !== 'request') return;
    if (pkg.event) {
      if (pkg.twoWay) session.writePkg(createHeartbeatResponse(pkg));
      return;
    }
    return this.dispatch(session, pkg);
  }

  onCron(session: Session<DubboPackage>): void {
    if (Date.now() - session.lastActive > this.options.sessionTimeoutMs) {
      session.close(new RpcError(ErrorCode.NETWORK, `session idle for over ${this.options.sessionTimeoutMs} ms`));
    }
  }

  // ---- internals

  /** Not `async`: one `then` per call from the method's result to the reply (docs/rpc.md "Performance notes"). */
  private dispatch(session: Session<DubboPackage>, request: DubboRequest): Promise<void> | undefined {
    if (this.tracker.closing) {
      reply(session, request, errorResponse(request, shuttingDown()));
      return undefined;
    }
    this.tracker.enter();
    return new ProviderCall(session, request, this.findService(request), this.replyAndLeave).run();
  }

  /** Made once: ProviderCall writes the response from the method's own `then`, then the call counts out. */
  private readonly replyAndLeave: ResponseSink = (session, request, response) => {
    try {
      reply(session as Session<DubboPackage>, request, response);
    } finally {
      this.tracker.leave();
    }
  };

  private findService(request: DubboRequest): ExportedService | undefined {
    const name = typeof request.attachments.interface === 'string' ? request.attachments.interface : request.path;
    const group = typeof request.attachments.group === 'string' ? request.attachments.group : '';
    const last = this.lastLookup;
    // Consecutive calls nearly always name the same service: no key string per call (round 3).
    if (last !== undefined && last.name === name && last.group === group && last.version === request.version) return last.service;
    const service = this.services.get(serviceKey(name, group, request.version));
    this.lastLookup = { name, group, version: request.version, service };
    return service;
  }

  private configure(session: Session<DubboPackage>): void {
    session
      .setName('rpc-server')
      .setPkgHandler(this.codec)
      .setEventListener(this)
      .setMaxMsgLen(this.options.maxFrameLen)
      .setCronPeriod(Math.min(60_000, this.options.sessionTimeoutMs));
  }

  private createTransport(): TransportServer {
    return createTransportServer({ ...this.options });
  }

  private async registerAll(): Promise<void> {
    for (const url of this.registryUrls) this.registries.push(createRegistry(url));
    for (const registry of this.registries) {
      for (const service of this.services.values()) {
        const registration = new ProviderRegistration(registry, this.urlOf(service), this.governance);
        this.registered.push(registration);
        await registration.start();
      }
    }
  }

  private async shutdown(graceMs: number): Promise<void> {
    // Unregister first so consumers stop choosing this provider (go-anchors §5.6).
    await Promise.allSettled(this.registered.map((registration) => registration.stop()));
    await this.tracker.drain(graceMs);
    await this.transport?.close();
    await Promise.allSettled(this.registries.map((registry) => registry.close()));
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

function reply(session: Session<DubboPackage>, request: DubboRequest, response: DubboPackage): void {
  if (!request.twoWay || session.closed) return;
  try {
    session.writePkg(response);
  } catch (err) {
    // The result could not be encoded (e.g. a value that is not the declared Java type):
    // the caller still gets an answer instead of waiting for its timeout.
    if (session.closed || !(isRpcError(err, ErrorCode.SERIALIZATION) || isRpcError(err, ErrorCode.MSG_TOO_LONG))) return;
    session.writePkg(errorResponse(request, new RpcError(ErrorCode.SERVER_ERROR, `cannot encode the result: ${err.message}`)));
  }
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
  };
  checkOptions(resolved);
  return resolved;
}

function checkOptions(options: Resolved): void {
  const bad = (what: string) => new RpcError(ErrorCode.INVALID_ARGUMENT, `RpcServer: ${what}`);
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) throw bad(`bad port ${options.port}`);
  if (options.transport !== 'tcp' && options.transport !== 'ws') throw bad(`unknown transport ${String(options.transport)}`);
  if (!(options.sessionTimeoutMs > 0)) throw bad('sessionTimeoutMs must be > 0');
}
