/**
 * `RpcClient`: refers to remote services and hands out typed proxies.
 *
 * ```ts
 * const client = new RpcClient({ application: 'demo-consumer' });
 * const demo = client.refer(DemoService, { url: 'dubbo://127.0.0.1:20880', version: '1.0.0' });
 * await demo.sayHello('world');
 * await client.close();
 * ```
 *
 * Every reference is a cluster invoker (rpc/cluster) over a directory: a
 * static one for `url`, a registry-fed one otherwise. Provider connections
 * are shared: one `ExchangeClient` per provider address for the whole client,
 * whatever the number of services referred there.
 */
import type { ConnectionOptions } from 'node:tls';
import { type Logger, resolveLogger } from '../../common/diagnostics.js';
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import { consumerUrl, createRegistry, type Registry } from '../../registry/index.js';
import { checkRegistryUrls } from '../../registry/registry.js';
import { ServiceUrl } from '../../registry/service-url.js';
import { defaultTimerWheel, type TimerWheel } from '../../transport/timer-wheel.js';
import { clusterNames, type Directory, getLoadBalance, joinCluster, RegistryDirectory, StaticDirectory } from '../cluster/index.js';
import { waitAtMost } from '../../common/bounded-wait.js';
import type { GovernanceOptions } from '../governance/governance-options.js';
import { DubboInvoker } from './dubbo-invoker.js';
import { localAddress } from '../../common/local-address.js';
import { ExchangeClient, type ExchangeClientOptions, type TransportKind } from '../exchange/exchange-client.js';
import { checkFilters, type Filter } from '../filter.js';
import type { Invoker } from '../invoker.js';
import { checkMethodOptions, type MethodOptions, methodUrlParams } from '../method-options.js';
import { DEFAULT_MAX_FRAME_LEN } from '../exchange/dubbo-codec.js';
import { createProxy } from './proxy.js';
import { checkProtobufFits } from '../proto-service.js';
import { getSerialization } from '../serialization/serialization.js';
import { type AsyncProxy, defineService, type ProxyOf, type ServiceDefinition, type ServiceImpl } from '../service.js';
import { type MethodTimeouts, ServiceReference } from './service-reference.js';
import { ShutdownTracker } from '../shutdown-tracker.js';
import '../serialization/builtin.js';

export interface RpcClientOptions {
  /** Registry URL(s) to discover providers in, e.g. 'zookeeper://127.0.0.1:2181'. */
  registry?: string | readonly string[];
  /** Application name in consumer URLs (default 'getty-rpc-consumer'). */
  application?: string;
  /** Default budget of a call, retries included, in ms (default 3000, dubbo-go's request-timeout). */
  timeoutMs?: number;
  /** Sessions per provider address (default 1, Java Dubbo's shared connection). */
  connections?: number;
  /** Largest frame read or written, in bytes (default 8 MiB). */
  maxFrameLen?: number;
  /** Heartbeat period per session, in ms (default 30 000, dubbo-go's client default). */
  heartbeatPeriodMs?: number;
  /** A heartbeat unanswered this long fails, in ms (default 5000); three failures close the session. */
  heartbeatTimeoutMs?: number;
  /** A session that received nothing for this long is closed, in ms (default 180 000). */
  sessionTimeoutMs?: number;
  /** Calls in flight to one provider address at most; more fail with LIMIT_EXCEEDED (default 100 000). */
  maxPendingCalls?: number;
  /** Node TLS options for TLS / wss connections (used when a provider URL asks for tls). */
  tls?: ConnectionOptions;
  /** Consumer filters for every reference (outermost first). */
  filters?: readonly Filter[];
  /** The timer wheel for call timeouts and heartbeats (default: the process-wide one). */
  timerWheel?: TimerWheel;
  /** Host in the consumer URLs published under /consumers (default: the first non-internal IPv4 address, else 127.0.0.1). */
  host?: string;
  /**
   * Where registry outages and dropped connections are told: any
   * `{ debug, info, warn, error }` object (console, pino). Default: silent
   * except warnings that need action (common/diagnostics.ts).
   */
  logger?: Partial<Logger>;
  /** Obey routing rules and dynamic configuration from the registries (docs/governance.md); `{ enabled: false }` turns it off. */
  governance?: GovernanceOptions;
}

export interface ReferOptions {
  /** Direct provider URL(s) — 'dubbo://host:port', several separated by ',' — instead of a registry. */
  url?: string;
  version?: string;
  group?: string;
  /** Budget of each call, retries included, in ms (default: the client's timeoutMs). */
  timeoutMs?: number;
  /**
   * Bound on each attempt inside that budget, in ms (default: none). Dubbo's
   * behaviour, a full timeout per attempt, is `attemptTimeoutMs: t` with
   * `timeoutMs: t × (retries + 1)`.
   */
  attemptTimeoutMs?: number;
  /** 'hessian2' (default), 'json', 'protobuf' ... (a protobuf definition forces protobuf). */
  serialization?: string;
  /** Fault-tolerance strategy (default: failover, or what the provider URL names). */
  cluster?: string;
  /** Load balancer (default: random). */
  loadbalance?: string;
  /**
   * Retries after a failed attempt, for failover (default 2). Setting it also
   * re-sends calls that may have reached a provider (timeouts, dropped
   * connections); unset, only calls that provably never ran are retried.
   */
  retries?: number;
  /** Every method may run twice without harm: failures after sending are retried too (default false). */
  idempotent?: boolean;
  /** Base pause before a retry, in ms, doubled per retry with jitter (default 0). */
  retryBackoffMs?: number;
  /** Per-method settings (Dubbo's <dubbo:method>), over those declared in the definition. */
  methods?: Readonly<Record<string, MethodOptions>>;
  /** Sessions per provider address (default: the client's). */
  connections?: number;
  /** Sent as the `token` attachment, for providers exported with a token. */
  token?: string;
  /** 'tcp' (default) or 'ws' for direct URLs. */
  transport?: TransportKind;
  /** WebSocket path for direct ws URLs (default '/'). */
  path?: string;
  /** Consumer filters for this reference, inside the client's. */
  filters?: readonly Filter[];
  /**
   * Params published in the consumer URL, for routing rules that match the
   * consumer (`region = $region`, `region = hz =>`, a `dubbo.tag` for every
   * call), as Java's `<dubbo:reference parameters>` and dubbo-go's reference
   * `params`. Keys the reference sets itself (`interface`, `side`,
   * `application`, `version`, `group`, `timeout`, `cluster`, `loadbalance`,
   * `retries`, ...) are refused (INVALID_ARGUMENT). Default: none.
   */
  parameters?: Readonly<Record<string, string>>;
}

/** Consumer URL params a reference sets itself; `parameters` may not set them. */
const RESERVED_CONSUMER_PARAMS: ReadonlySet<string> = new Set([
  'interface', 'methods', 'side', 'application', 'version', 'group', 'pid', 'timestamp', 'category', 'protocol', 'dubbo', 'release',
  'serialization', 'timeout', 'cluster', 'loadbalance', 'retries', 'idempotent', 'retrybackoff', '__proto__',
]);

/** What closing the connections or the registries may take at most, past the grace, ms. */
const CLOSE_STEP_MS = 1000;

/** The longest a retiring connection waits for its calls in flight, ms. */
const RETIRE_MAX_MS = 60_000;

interface SharedExchange {
  exchange: ExchangeClient;
  refs: number;
}

export class RpcClient {
  private readonly options: Required<Omit<RpcClientOptions, 'registry' | 'tls' | 'filters' | 'timerWheel' | 'logger' | 'governance'>>;
  private readonly logger: Logger;
  private readonly governance: GovernanceOptions | undefined;
  private readonly tls: ConnectionOptions | undefined;
  private readonly wheel: TimerWheel;
  private readonly filters: Filter[];
  private readonly registryUrls: readonly string[];
  private registries: Registry[] | undefined;
  private readonly exchanges = new Map<string, SharedExchange>();
  private readonly references = new Set<ServiceReference>();
  private readonly consumerRegistrations = new Set<Promise<void>>();
  /** Connections of removed providers, closed once their calls in flight are answered. */
  private readonly retiring = new Set<ExchangeClient>();
  private readonly tracker = new ShutdownTracker(ErrorCode.CLIENT_CLOSED);
  private closing: Promise<void> | undefined;

  constructor(options: RpcClientOptions = {}) {
    this.options = resolveOptions(options);
    this.tls = options.tls;
    this.governance = options.governance;
    this.wheel = options.timerWheel ?? defaultTimerWheel();
    this.filters = checkFilters([...(options.filters ?? [])]);
    this.registryUrls = checkRegistryUrls(typeof options.registry === 'string' ? [options.registry] : [...(options.registry ?? [])]);
    this.logger = resolveLogger(options.logger);
  }

  /** Adds a consumer filter for references made from now on. */
  use(filter: Filter): this {
    this.filters.push(...checkFilters([filter]));
    return this;
  }

  /** A typed proxy for `definition`. */
  refer<D extends ServiceDefinition>(definition: D, options?: ReferOptions): ProxyOf<D>;
  /** A proxy for a TS interface by service name (Java types inferred per call). */
  refer<T>(name: string, options?: ReferOptions): ProxyOf<ServiceDefinition<AsyncProxy<T>, ServiceImpl<T>>>;
  refer(target: ServiceDefinition | string, options: ReferOptions = {}): unknown {
    if (this.closing) throw new RpcError(ErrorCode.CLIENT_CLOSED, 'client is closed');
    const definition = typeof target === 'string' ? defineService<unknown>(target) : target;
    checkReferOptions(definition, options);
    const consumerUrl = this.consumerUrl(definition, options);
    const directory = this.directoryFor(consumerUrl, definition, options);
    // Rules may change the strategy while calls flow: then it is chosen per call (the reference's `cluster` is in its URL).
    const governed = directory instanceof RegistryDirectory && directory.governanceRules !== undefined;
    const invoker = joinCluster(directory, governed ? undefined : options.cluster);
    const ready = directory instanceof RegistryDirectory ? directory.ready() : undefined;
    const reference = new ServiceReference({ ...this.settingsFor(definition, options), ready }, invoker);
    this.references.add(reference);
    return createProxy(reference);
  }

  /** Calls waiting for a response, over every provider connection. */
  get pendingCalls(): number {
    let count = 0;
    for (const { exchange } of this.exchanges.values()) count += exchange.pendingCount;
    return count;
  }

  /** Late responses dropped (their call had timed out or been cancelled), over every connection. */
  get droppedResponses(): number {
    let count = 0;
    for (const { exchange } of this.exchanges.values()) count += exchange.droppedResponses;
    return count;
  }

  /**
   * Refuses new calls (CLIENT_CLOSED), waits up to `graceMs` (default 3000)
   * for calls in flight, then closes every reference and connection.
   * Idempotent. Ends within `graceMs` plus at most about 3 s, whatever peers
   * or registries do.
   */
  close(options: { graceMs?: number } = {}): Promise<void> {
    this.closing ??= this.shutdown(options.graceMs ?? 3000);
    return this.closing;
  }

  /** Each closing step is bounded, so close() ends whatever providers or registries do. */
  private async shutdown(graceMs: number): Promise<void> {
    await this.tracker.drain(graceMs);
    for (const reference of this.references) reference.destroy();
    const retiring = [...this.retiring];
    this.retiring.clear();
    const exchanges = [...this.exchanges.values()].map(({ exchange }) => exchange).concat(retiring);
    await waitAtMost(Promise.allSettled(exchanges.map((exchange) => exchange.close())), CLOSE_STEP_MS);
    this.exchanges.clear();
    await waitAtMost(Promise.allSettled(this.consumerRegistrations), CLOSE_STEP_MS); // so close() below removes them
    await waitAtMost(Promise.allSettled((this.registries ?? []).map((registry) => registry.close())), CLOSE_STEP_MS);
  }

  private settingsFor(definition: ServiceDefinition, options: ReferOptions) {
    return {
      definition,
      version: options.version ?? '',
      group: options.group ?? '',
      timeoutMs: positive(options.timeoutMs ?? this.options.timeoutMs, 'timeoutMs'),
      attemptTimeoutMs: options.attemptTimeoutMs === undefined ? undefined : positive(options.attemptTimeoutMs, 'attemptTimeoutMs'),
      methods: methodTimeouts(definition, options),
      wheel: this.wheel,
      attachments: options.token ? { token: options.token } : {},
      filters: [...this.filters, ...(options.filters ?? [])],
      tracker: this.tracker,
    };
  }

  private consumerUrl(definition: ServiceDefinition, options: ReferOptions): ServiceUrl {
    const params: Record<string, string> = {
      ...options.parameters,
      serialization: serializationOf(definition, options),
      timeout: String(options.timeoutMs ?? this.options.timeoutMs),
    };
    for (const key of ['cluster', 'loadbalance', 'retries', 'idempotent'] as const) {
      if (options[key] !== undefined && options[key] !== '') params[key] = String(options[key]);
    }
    if (options.retryBackoffMs !== undefined) params.retrybackoff = String(options.retryBackoffMs);
    for (const [method, settings] of methodOptionsOf(definition, options)) methodUrlParams(method, settings, params);
    return consumerUrl({
      host: this.options.host,
      interfaceName: definition.name,
      application: this.options.application,
      methods: definition.methods ? [...definition.methods.keys()] : undefined,
      version: options.version || undefined,
      group: options.group || undefined,
      params,
    });
  }


  private directoryFor(consumerUrl: ServiceUrl, definition: ServiceDefinition, options: ReferOptions): Directory {
    const factory = (providerUrl: ServiceUrl) => this.createInvoker(providerUrl, consumerUrl, options);
    if (options.url) return new StaticDirectory(consumerUrl, directUrls(options.url, definition, options).map(factory));
    if (this.registryUrls.length === 0) {
      throw new RpcError(ErrorCode.INVALID_ARGUMENT, `refer(${definition.name}): give a url or configure a registry`);
    }
    const registries = this.openRegistries();
    this.registerConsumer(registries, consumerUrl);
    return new RegistryDirectory(consumerUrl, registries, factory, { governance: this.governance });
  }

  /**
   * Publishes the consumer URL under /consumers, as Dubbo and dubbo-go do (dubbo-go `registry/base_registry.go`);
   * registry.close() removes it. A failure only loses that bookkeeping entry, never the calls.
   */
  private registerConsumer(registries: readonly Registry[], consumerUrl: ServiceUrl): void {
    for (const registry of registries) {
      const pending = registry.register(consumerUrl).catch(() => undefined);
      this.consumerRegistrations.add(pending);
      pending.finally(() => this.consumerRegistrations.delete(pending));
    }
  }

  private openRegistries(): Registry[] {
    this.registries ??= this.registryUrls.map((url) => createRegistry(url, { logger: this.logger }));
    return this.registries;
  }

  private createInvoker(providerUrl: ServiceUrl, consumerUrl: ServiceUrl, options: ReferOptions): Invoker {
    const exchangeOptions = this.exchangeOptions(providerUrl, options);
    const key = `${exchangeOptions.transport}://${exchangeOptions.host}:${exchangeOptions.port}${exchangeOptions.path}`;
    const shared = this.acquire(key, exchangeOptions);
    const serialization = getSerialization(consumerUrl.getParam('serialization', 'hessian2')).id;
    return new DubboInvoker(providerUrl, shared.exchange, {
      serialization,
      defaultTimeoutMs: this.options.timeoutMs,
      onDestroy: () => this.release(key, shared),
    });
  }

  private exchangeOptions(providerUrl: ServiceUrl, options: ReferOptions): ExchangeClientOptions {
    const transport = (providerUrl.getParam('transport') ?? options.transport ?? 'tcp') as TransportKind;
    return {
      transport,
      host: providerUrl.host,
      port: providerUrl.port,
      path: providerUrl.getParam('wspath') ?? options.path ?? '/',
      tls: this.tls,
      connections: options.connections ?? this.options.connections,
      maxFrameLen: this.options.maxFrameLen,
      heartbeatPeriodMs: this.options.heartbeatPeriodMs,
      heartbeatTimeoutMs: this.options.heartbeatTimeoutMs,
      sessionTimeoutMs: this.options.sessionTimeoutMs,
      maxPendingCalls: this.options.maxPendingCalls,
      wheel: this.wheel,
      logger: this.logger,
    };
  }

  private acquire(key: string, options: ExchangeClientOptions): SharedExchange {
    let shared = this.exchanges.get(key);
    if (!shared) this.exchanges.set(key, (shared = { exchange: new ExchangeClient(options), refs: 0 }));
    shared.refs++;
    return shared;
  }

  /** Closes a provider connection once no invoker uses it. */
  private release(key: string, shared: SharedExchange): void {
    if (--shared.refs > 0 || this.exchanges.get(key) !== shared) return;
    this.exchanges.delete(key);
    this.retire(shared.exchange);
  }

  /**
   * Closes a connection once its calls in flight are answered. A provider that
   * unregisters (a graceful stop) still answers them, so closing at once would
   * fail calls it is about to answer; Dubbo's client close waits the same way.
   * Each call ends by its own timeout anyway; RETIRE_MAX_MS only bounds the wait.
   */
  private retire(exchange: ExchangeClient): void {
    this.retiring.add(exchange);
    const closeNow = () => {
      bound.cancel();
      // client.close() may have taken over this exchange already.
      if (this.retiring.delete(exchange)) exchange.close().catch(() => {});
    };
    const bound = this.wheel.schedule(RETIRE_MAX_MS, closeNow);
    exchange.whenIdle().then(closeNow);
  }
}

/** Each method's settings: the definition's, overridden by the reference's `methods`. */
function methodOptionsOf(definition: ServiceDefinition, options: ReferOptions): Map<string, MethodOptions> {
  const merged = new Map<string, MethodOptions>();
  for (const [name, method] of definition.methods ?? []) if (method.options) merged.set(name, method.options);
  for (const [name, own] of Object.entries(options.methods ?? {})) merged.set(name, { ...merged.get(name), ...own });
  return merged;
}

/** Per-method budgets for ServiceReference; undefined when no method has one (no lookup per call then). */
function methodTimeouts(definition: ServiceDefinition, options: ReferOptions): Map<string, MethodTimeouts> | undefined {
  let timeouts: Map<string, MethodTimeouts> | undefined;
  for (const [name, settings] of methodOptionsOf(definition, options)) {
    if (settings.timeoutMs === undefined && settings.attemptTimeoutMs === undefined) continue;
    (timeouts ??= new Map()).set(name, { timeoutMs: settings.timeoutMs, attemptTimeoutMs: settings.attemptTimeoutMs });
  }
  return timeouts;
}

/**
 * Every plug-in a reference names, checked at refer() rather than on the
 * first call that needs it (a mistyped balancer used to pass until a second
 * provider appeared): INVALID_ARGUMENT listing the known names.
 */
function checkReferOptions(definition: ServiceDefinition, options: ReferOptions): void {
  const where = `refer(${definition.name})`;
  if (options.cluster !== undefined && options.cluster !== '' && !clusterNames().includes(options.cluster)) {
    throw new RpcError(ErrorCode.INVALID_ARGUMENT, `${where}: no cluster '${options.cluster}' (known: ${clusterNames().join(', ')})`);
  }
  if (options.loadbalance !== undefined && options.loadbalance !== '') checkLoadBalance(where, options.loadbalance);
  if (options.filters !== undefined) checkFilters(options.filters);
  for (const [key, value] of Object.entries(options.parameters ?? {})) {
    if (key === '' || key.includes('.timeout') || RESERVED_CONSUMER_PARAMS.has(key) || typeof value !== 'string') {
      throw new RpcError(ErrorCode.INVALID_ARGUMENT, `${where}: parameter '${key}' must be a string and not one of ${[...RESERVED_CONSUMER_PARAMS].join(', ')}`);
    }
  }
  checkMethodOptions(where, {
    retries: options.retries,
    idempotent: options.idempotent,
    retryBackoffMs: options.retryBackoffMs,
    attemptTimeoutMs: options.attemptTimeoutMs,
  });
  for (const [method, settings] of Object.entries(options.methods ?? {})) {
    if (definition.methods !== undefined && !definition.methods.has(method)) {
      const known = [...definition.methods.keys()].join(', ');
      throw new RpcError(ErrorCode.INVALID_ARGUMENT, `${where}: methods.${method}: ${definition.name} has no such method (known: ${known})`);
    }
    checkMethodOptions(`${where} methods.${method}`, settings);
    if (settings.loadbalance !== undefined) checkLoadBalance(`${where} methods.${method}`, settings.loadbalance);
  }
}

function checkLoadBalance(where: string, name: string): void {
  try {
    getLoadBalance(name);
  } catch (err) {
    throw new RpcError(ErrorCode.INVALID_ARGUMENT, `${where}: ${(err as Error).message}`);
  }
}


function serializationOf(definition: ServiceDefinition, options: ReferOptions): string {
  const name = definition.serialization ?? options.serialization ?? 'hessian2';
  getSerialization(name); // unknown names fail at refer() time
  checkProtobufFits(definition, name);
  return name;
}

/** Direct URLs, each pointed at the service's path. */
function directUrls(text: string, definition: ServiceDefinition, options: ReferOptions): ServiceUrl[] {
  return text
    .split(/[,;]/)
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => withServicePath(ServiceUrl.parse(part), definition, options));
}

const DIRECT_PROTOCOLS: ReadonlySet<string> = new Set(['dubbo', 'ws', 'wss']);

function withServicePath(url: ServiceUrl, definition: ServiceDefinition, options: ReferOptions): ServiceUrl {
  if (!DIRECT_PROTOCOLS.has(url.protocol) || url.port === 0) {
    throw new RpcError(ErrorCode.INVALID_ARGUMENT, `refer(${definition.name}): url must be dubbo://host:port or ws://host:port/path, got ${url.toString()}`);
  }
  const params: Record<string, string> = { interface: definition.name };
  if (url.protocol === 'ws' || url.protocol === 'wss') {
    params.transport = 'ws';
    params.wspath = url.path ? `/${url.path}` : (options.path ?? '/');
  }
  return url.with({ path: definition.name, params });
}

function resolveOptions(options: RpcClientOptions) {
  return {
    application: options.application ?? 'getty-rpc-consumer',
    host: options.host ?? localAddress(),
    timeoutMs: positive(options.timeoutMs ?? 3000, 'timeoutMs'),
    connections: positive(options.connections ?? 1, 'connections'),
    maxFrameLen: positive(options.maxFrameLen ?? DEFAULT_MAX_FRAME_LEN, 'maxFrameLen'),
    heartbeatPeriodMs: positive(options.heartbeatPeriodMs ?? 30_000, 'heartbeatPeriodMs'),
    heartbeatTimeoutMs: positive(options.heartbeatTimeoutMs ?? 5000, 'heartbeatTimeoutMs'),
    sessionTimeoutMs: positive(options.sessionTimeoutMs ?? 180_000, 'sessionTimeoutMs'),
    maxPendingCalls: positive(options.maxPendingCalls ?? 100_000, 'maxPendingCalls'),
  };
}

function positive(value: number, name: string): number {
  if (!(typeof value === 'number' && value > 0 && Number.isFinite(value))) {
    throw new RpcError(ErrorCode.INVALID_ARGUMENT, `${name} must be a positive number, got ${String(value)}`);
  }
  return value;
}
