/**
 * etcd v3 registry (`etcd://host:port[,host:port]?timeout=5s&ttl=30`), with
 * the same keys as the ZooKeeper one (dubbo-go `registry/etcdv3/registry.go`):
 * - a provider is the key `/dubbo/<interface>/providers/<QueryEscape(URL)>`
 *   bound to its own lease (`ttl` seconds, default 30) kept alive by the client;
 *   when the lease is lost (expired while etcd was away, revoked, or a fresh
 *   etcd), the key is written again under a new lease;
 * - a subscription reads the prefix and watches it; every change or
 *   reconnection triggers a fresh prefix read, so nothing missed while
 *   disconnected goes unseen. Failed reads keep the last list.
 * - `unregister` deletes the key and revokes its lease; registrations are
 *   matched by registration key (the URL without its timestamp);
 * - governance rules: `subscribeCategory` watches `configurators` / `routers`
 *   like `providers`, `watchConfig` one config-center key.
 */
import type { Etcd3, IOptions, Lease, Watcher } from 'etcd3';
import { DEFAULT_LOGGER } from '../common/diagnostics.js';
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import { CoalescedTask } from './coalesced-task.js';
import { ConfigFeed } from './config-feed.js';
import { unavailable, withDeadline } from './deadline.js';
import { ProviderList } from './provider-list.js';
import { type ConfigListener, configPath, type ProviderListener, type Registry, type RegistryHooks, registerRegistryType, type Unsubscribe } from './registry.js';
import { RegistryHealth } from './registry-health.js';
import { closedError, readRegistryOptions, type RegistryOptions, serverList, unlessClosed } from './registry-options.js';
import { categoryPath, decodeNodeNames, nodePath, PROVIDERS, rawUrlString, registrationKey } from './registry-path.js';
import type { ServiceUrl } from './service-url.js';

/** etcd's default client port. */
const DEFAULT_PORT = 2379;
/** dubbo-go `registry/etcdv3/registry.go`: dubbo-go grants 30 s leases. */
const DEFAULT_TTL_SECONDS = 30;

type Policy = NonNullable<NonNullable<IOptions['faultHandling']>['global']>;

/**
 * etcd3's default policy opens a circuit breaker after three failures, and
 * calls then fail at once with BrokenCircuitError for a while, even after etcd
 * is back. We bound calls ourselves (timeoutMs) and retry re-registration on
 * our own schedule, so calls pass straight through.
 */
const passThrough = {
  execute: (fn: (context: { signal: AbortSignal; attempt: number }) => unknown) => Promise.resolve().then(() => fn({ signal: new AbortController().signal, attempt: 1 })),
} as unknown as Policy;

type Backoff = NonNullable<NonNullable<IOptions['faultHandling']>['watchBackoff']>;

/**
 * etcd3's default watch backoff grows to 30 s, and its pending reconnect timer
 * keeps the process alive that long even after `close()`. Ours doubles from
 * 100 ms and stops at 1 s, so a watch recovers quickly once etcd is back.
 */
function watchBackoff(durationMs = 100): Backoff {
  return { duration: durationMs, next: () => watchBackoff(Math.min(durationMs * 2, 1000)) } as unknown as Backoff;
}

interface Registration {
  readonly url: ServiceUrl;
  /** The etcd key (the node path, which includes the URL's timestamp). */
  readonly key: string;
  lease: Lease | undefined;
}

export class EtcdRegistry implements Registry {
  private readonly options: RegistryOptions;
  private readonly ttlSeconds: number;
  /** The etcd3 client, created on first use: etcd3 and its gRPC stack load only when a registry needs them. */
  private client: Promise<Etcd3> | undefined;
  /** registration key → registration, for re-registration when a lease is lost */
  private readonly registered = new Map<string, Registration>();
  private readonly watches = new Set<{ list: { stop(): void }; watcher: Cancellable }>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  /** Writes and watch starts under way: close() lets them finish (and undo themselves) before it closes the client. */
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Aborted by close(): a watch still waiting to connect gives up at once. */
  private readonly closing = new AbortController();
  private closed = false;
  private readonly isClosed = (): boolean => this.closed;
  private readonly health: RegistryHealth;

  constructor(
    readonly url: ServiceUrl,
    hooks: RegistryHooks = {},
  ) {
    this.options = readRegistryOptions(url);
    this.health = new RegistryHealth(url.toString(), hooks.logger ?? DEFAULT_LOGGER);
    this.ttlSeconds = readTtl(url);
  }

  private etcd(): Promise<Etcd3> {
    this.client ??= this.createClient();
    return this.client;
  }

  private async createClient(): Promise<Etcd3> {
    let etcd3: typeof import('etcd3');
    try {
      etcd3 = await import('etcd3');
    } catch (err) {
      this.client = undefined;
      throw new RpcError(ErrorCode.REGISTRY_UNAVAILABLE, `cannot load etcd3: ${(err as Error).message}`, { cause: err });
    }
    const timeoutMs = this.options.timeoutMs;
    return new etcd3.Etcd3({
      hosts: serverList(this.url, DEFAULT_PORT).map((address) => `http://${address}`),
      dialTimeout: timeoutMs,
      faultHandling: { host: () => passThrough, global: passThrough, watchBackoff: watchBackoff() },
      defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + timeoutMs }),
    });
  }

  /**
   * Registering an equal URL again (e.g. a newer timestamp) replaces the earlier key.
   * A register overtaken by unregister or a newer register resolves: the later call decides.
   */
  async register(url: ServiceUrl): Promise<void> {
    this.assertOpen('register');
    const id = registrationKey(url);
    const old = this.registered.get(id);
    const registration: Registration = { url, key: nodePath(this.options.root, url), lease: undefined };
    this.forget(id);
    this.registered.set(id, registration);
    // Revoking the old lease removes the old key too (a different key when the timestamp differs).
    old?.lease?.revoke().catch(() => undefined);
    try {
      await this.track(unlessClosed(this.isClosed, 'register', this.writeCurrent(id, registration)));
      this.health.restored();
    } catch (err) {
      const current = this.registered.get(id) === registration;
      if (current) this.registered.delete(id);
      registration.lease?.revoke().catch(() => undefined);
      if (this.closed) throw err;
      // Overtaken by unregister or a newer register (which revoke the lease this write was
      // using, so the put can fail with "lease not found"): that call decides, etcd is fine.
      if (!current) return;
      const error = unavailable(err, `register ${url.interfaceName}`);
      this.health.lost(error, 'register');
      throw error;
    }
  }

  /** Deletes the key of `url`, matched by registration key (its timestamp may differ). */
  async unregister(url: ServiceUrl): Promise<void> {
    this.assertOpen('unregister');
    const id = registrationKey(url);
    const registration = this.registered.get(id);
    if (!registration) return;
    this.forget(id);
    await this.deleteKey(registration);
  }

  subscribe(consumerUrl: ServiceUrl, listener: ProviderListener): Promise<Unsubscribe> {
    return this.subscribeCategory(consumerUrl, PROVIDERS, listener);
  }

  async subscribeCategory(consumerUrl: ServiceUrl, category: string, listener: ProviderListener): Promise<Unsubscribe> {
    this.assertOpen('subscribe');
    const prefix = `${categoryPath(this.options.root, consumerUrl, category)}/`;
    const list = new ProviderList(consumerUrl.interfaceName, listener);
    const started = unlessClosed(this.isClosed, 'subscribe', this.startWatch(prefix, list), (watcher) => this.stopWatch(list, watcher));
    const watcher = await this.track(started);
    const entry = { list, watcher };
    this.watches.add(entry);
    return async () => {
      list.stop();
      this.watches.delete(entry);
      await this.cancelWatch(watcher);
    };
  }

  /** An exact-key watch, as Java's `EtcdDynamicConfiguration` keeps; every event or reconnection re-reads the value. */
  async watchConfig(key: string, listener: ConfigListener): Promise<Unsubscribe> {
    this.assertOpen('watchConfig');
    const path = configPath(key);
    const feed = new ConfigFeed(listener);
    const reader = new CoalescedTask(
      async () => feed.deliver(await this.readValue(path)),
      () => feed.active,
    );
    const opened = this.openWatch(path, (client) => client.watch().key(path).watcher(), reader, () => feed.stop());
    const watcher = await this.track(unlessClosed(this.isClosed, 'watchConfig', opened, (started) => this.stopWatch(feed, started)));
    const entry = { list: feed, watcher };
    this.watches.add(entry);
    return async () => {
      feed.stop();
      this.watches.delete(entry);
      await this.cancelWatch(watcher);
    };
  }

  private async readValue(path: string): Promise<string | undefined> {
    try {
      const client = await this.etcd();
      const text = await withDeadline(client.get(path).string(), this.options.timeoutMs, `read ${path}`);
      return text === null || text === '' ? undefined : text;
    } catch (err) {
      throw unavailable(err, `read ${path}`);
    }
  }

  async lookup(consumerUrl: ServiceUrl): Promise<ServiceUrl[]> {
    this.assertOpen('lookup');
    const prefix = `${categoryPath(this.options.root, consumerUrl, PROVIDERS)}/`;
    const entries = await unlessClosed(this.isClosed, 'lookup', this.readPrefix(prefix));
    const found: ServiceUrl[] = [];
    new ProviderList(consumerUrl.interfaceName, (urls) => found.push(...urls)).replace(entries);
    return found;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.closing.abort();
    for (const timer of this.retryTimers.values()) clearTimeout(timer);
    this.retryTimers.clear();
    const watches = [...this.watches];
    this.watches.clear();
    for (const { list } of watches) list.stop();
    const registrations = [...this.registered];
    this.registered.clear();
    await Promise.allSettled([
      ...watches.map(({ watcher }) => this.cancelWatch(watcher)),
      ...registrations.map(([, registration]) => this.deleteKey(registration)),
      ...this.inFlight,
    ]);
    const client = await this.client?.catch(() => undefined);
    client?.close();
  }

  /**
   * Grants a lease and writes the key under it. Only a lease whose write
   * succeeded re-registers when lost; a failed attempt is released (its
   * keep-alive stopped) and retried on our own schedule, never in a tight loop.
   */
  private async writeKey(id: string, registration: Registration): Promise<void> {
    const { key } = registration;
    const lease = (await this.etcd()).lease(this.ttlSeconds);
    registration.lease = lease;
    try {
      await withDeadline(lease.put(key).value(rawUrlString(registration.url)).exec(), this.options.timeoutMs, `put ${key}`);
    } catch (err) {
      lease.release();
      throw err;
    }
    lease.on('lost', () => {
      if (registration.lease === lease) this.onLeaseLost(id, registration);
    });
  }

  /**
   * Writes the key of a registration; if the registration was dropped while
   * the write was under way (by unregister, a newer register or close, which
   * found no lease to revoke yet), its lease is revoked again, taking the key
   * with it, so the provider does not stay visible until the lease expires.
   */
  private async writeCurrent(id: string, registration: Registration): Promise<void> {
    await this.writeKey(id, registration);
    if (this.registered.get(id) === registration) return;
    const lease = registration.lease;
    registration.lease = undefined;
    await lease?.revoke().catch(() => undefined);
  }

  /** close() waits for `work` before closing the client. */
  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    const settled = () => this.inFlight.delete(work);
    work.then(settled, settled);
    return work;
  }

  private async deleteKey(registration: Registration): Promise<void> {
    const lease = registration.lease;
    registration.lease = undefined;
    try {
      await (await this.etcd()).delete().key(registration.key).exec();
    } catch (err) {
      throw unavailable(err, `delete ${registration.key}`);
    } finally {
      // Revoking also removes the key if the delete did not get through.
      await lease?.revoke().catch(() => undefined);
    }
  }

  private onLeaseLost(id: string, registration: Registration): void {
    if (this.closed || this.registered.get(id) !== registration || this.retryTimers.has(id)) return;
    registration.lease = undefined;
    this.track(this.writeCurrent(id, registration)).catch(() => this.scheduleRewrite(id, registration));
  }

  /** One pending retry per registration. */
  private scheduleRewrite(id: string, registration: Registration): void {
    if (this.closed || this.registered.get(id) !== registration || this.retryTimers.has(id)) return;
    const timer = setTimeout(() => {
      this.retryTimers.delete(id);
      this.onLeaseLost(id, registration);
    }, this.options.retryDelayMs);
    timer.unref();
    this.retryTimers.set(id, timer);
  }

  private forget(id: string): void {
    this.registered.delete(id);
    clearTimeout(this.retryTimers.get(id));
    this.retryTimers.delete(id);
  }

  private async readPrefix(prefix: string): Promise<Map<string, ServiceUrl>> {
    try {
      const client = await this.etcd();
      const keys = await withDeadline(client.getAll().prefix(prefix).keys(), this.options.timeoutMs, `list ${prefix}`);
      return decodeNodeNames(keys.map((key) => key.slice(prefix.length)).filter((name) => name && !name.includes('/')));
    } catch (err) {
      throw unavailable(err, `list ${prefix}`);
    }
  }

  /** Watch first, then read, so no change falls between the two; rejects when etcd cannot be reached. */
  private startWatch(prefix: string, list: ProviderList): Promise<RenewingWatch> {
    const reader = new CoalescedTask(
      async () => list.replace(await this.readPrefix(prefix)),
      () => list.active,
    );
    return this.openWatch(prefix, (client) => client.watch().prefix(prefix).watcher(), reader, () => list.stop());
  }

  /** Opens a watch, waits until it is connected, reads once, then re-reads on every event or reconnection. */
  private async openWatch(what: string, build: (client: Etcd3) => Watcher, reader: CoalescedTask, stop: () => void): Promise<RenewingWatch> {
    // watcher() (not create()) hands the watcher over before it connects, so a
    // failed subscribe can cancel it; otherwise etcd3 would keep redialling.
    let client: Etcd3;
    let watcher: Watcher;
    try {
      client = await this.etcd();
      watcher = build(client);
    } catch (err) {
      stop();
      throw unavailable(err, `subscribe ${what}`);
    }
    watcher.on('error', () => undefined);
    this.reportHealth(watcher, what);
    try {
      await withDeadline(this.untilConnected(watcher, what), this.options.timeoutMs, `watch ${what}`);
      await reader.run();
    } catch (err) {
      stop();
      // Not awaited: the call fails now, even when the cancel has to wait (see cancelWatch).
      void this.cancelWatch(watcher);
      throw unavailable(err, `subscribe ${what}`);
    }
    const refresh = () => reader.run().catch(() => undefined);
    followChanges(watcher, refresh);
    const watch = new RenewingWatch(watcher);
    this.renewWhenCancelled(watch, what, () => build(client), refresh);
    return watch;
  }

  /** etcd3 reports a lost watch stream as 'disconnected' and redials; 'connected' again means back. */
  private reportHealth(watcher: Watcher, what: string): void {
    watcher.on('disconnected', (err: unknown) => this.health.lost(err ?? new Error('watch stream lost'), `watch ${what}`));
    watcher.on('connected', () => this.health.restored());
  }

  /**
   * etcd cancels a watch it cannot serve, e.g. one resuming after a disconnection at a
   * revision compacted meanwhile; etcd3 then drops the watcher and emits 'error'. A new
   * watch takes its place, and its first 'connected' re-reads, so nothing is missed
   * (dubbo-go `remoting/etcdv3` watches again after its watch channel closes).
   */
  private renewWhenCancelled(watch: RenewingWatch, what: string, build: () => Watcher, refresh: () => unknown): void {
    watch.current.on('error', () => {
      if (watch.cancelled || this.closed) return;
      const next = build();
      this.reportHealth(next, what);
      followChanges(next, refresh);
      watch.current = next;
      this.renewWhenCancelled(watch, what, build, refresh);
    });
  }

  /** Resolves once the watcher is connected; fails as soon as close() runs, which must not wait for a watch etcd never answers. */
  private async untilConnected(watcher: Watcher, what: string): Promise<void> {
    const { signal } = this.closing;
    let onClose = (): void => undefined;
    const connected = new Promise<void>((resolve, reject) => {
      onClose = () => reject(closedError(`watch ${what}`));
      watcher.once('connected', () => resolve());
      signal.addEventListener('abort', onClose, { once: true });
    });
    if (signal.aborted) onClose();
    try {
      await connected;
    } finally {
      signal.removeEventListener('abort', onClose);
    }
  }

  /** Stops a watch started for a call that close() overtook. */
  private async stopWatch(listener: { stop(): void }, watcher: Cancellable): Promise<void> {
    listener.stop();
    await this.cancelWatch(watcher);
  }

  /**
   * Cancels a watch, waiting no longer than the registry timeout: etcd3's
   * cancel() waits for etcd to confirm (and, for a watch still being created,
   * to answer the create first), which an etcd that stopped answering never does.
   */
  private cancelWatch(watcher: Cancellable): Promise<void> {
    return withDeadline(watcher.cancel(), this.options.timeoutMs, 'cancel watch').catch(() => undefined);
  }

  private assertOpen(what: string): void {
    if (this.closed) throw closedError(what);
  }
}

/** Every change under the watched key, and every reconnection, re-reads it. */
function followChanges(watcher: Watcher, refresh: () => unknown): void {
  watcher.on('put', refresh).on('delete', refresh).on('connected', refresh);
}

interface Cancellable {
  cancel(): Promise<void>;
}

/** A subscription's watch: the etcd3 watcher following it now (see renewWhenCancelled). */
class RenewingWatch implements Cancellable {
  cancelled = false;

  constructor(public current: Watcher) {}

  cancel(): Promise<void> {
    this.cancelled = true;
    return this.current.cancel();
  }
}

function readTtl(url: ServiceUrl): number {
  const ttl = url.getNumberParam('ttl', DEFAULT_TTL_SECONDS);
  if (!Number.isInteger(ttl) || ttl < 1) throw new RpcError(ErrorCode.BAD_URL, `etcd lease ttl must be a whole number of seconds >= 1: ${url.toString()}`);
  return ttl;
}

registerRegistryType('etcd', (url, hooks) => new EtcdRegistry(url, hooks));
registerRegistryType('etcdv3', (url, hooks) => new EtcdRegistry(url, hooks));
