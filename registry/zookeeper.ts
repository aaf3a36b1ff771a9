/**
 * ZooKeeper registry (`zookeeper://host:port[,host:port]?timeout=5s&session.timeout=15s`),
 * in dubbo-go's layout (dubbo-go `registry/zookeeper/registry.go`):
 * - a provider is an ephemeral node `/dubbo/<interface>/providers/<QueryEscape(URL)>`
 *   under persistent parents; a node left over from an older session is deleted
 *   and created again;
 * - a subscription watches the `providers` children and diffs them;
 * - after every reconnection, each registration is checked: a node that is
 *   missing or owned by another session is created again on ours, and every
 *   watch is re-armed. A registered node deleted by someone else is created
 *   again at once (a watch on the node, re-armed whenever it fires). While
 *   disconnected nothing is delivered, so consumers keep their last list.
 * - registrations are matched by registration key (the URL without its
 *   timestamp), so `unregister` removes what an equal URL registered;
 * - governance rules: `subscribeCategory` watches `configurators` / `routers`
 *   like `providers`, `watchConfig` one config-center node (zookeeper-config-watch.ts).
 */
import { DEFAULT_LOGGER } from '../common/diagnostics.js';
import { parseDurationMs, unavailable } from './deadline.js';
import { ProviderList } from './provider-list.js';
import { type ConfigListener, configPath, type ProviderListener, type Registry, type RegistryHooks, registerRegistryType, type Unsubscribe } from './registry.js';
import { RegistryHealth } from './registry-health.js';
import { closedError, readRegistryOptions, type RegistryOptions, serverList, unlessClosed, whileOpen } from './registry-options.js';
import { categoryPath, nodePath, PROVIDERS, registrationKey } from './registry-path.js';
import type { ServiceUrl } from './service-url.js';
import { ZookeeperChildrenWatch } from './zookeeper-children-watch.js';
import { ZookeeperConfigWatch } from './zookeeper-config-watch.js';
import { isNodeExists, isNoNode, type SessionChange, ZookeeperConnection } from './zookeeper-connection.js';

/** ZooKeeper's default client port. */
const DEFAULT_PORT = 2181;

interface Registration {
  readonly path: string;
  readonly url: ServiceUrl;
  /** One function per registration, so re-arming never piles up watchers. */
  readonly onNodeEvent: () => void;
}

export class ZookeeperRegistry implements Registry {
  private readonly options: RegistryOptions;
  private readonly connection: ZookeeperConnection;
  private readonly health: RegistryHealth;
  /** registration key → node, for re-creation after a session change or a deletion */
  private readonly registered = new Map<string, Registration>();
  private readonly watches = new Set<ZookeeperChildrenWatch>();
  private readonly configWatches = new Set<ZookeeperConfigWatch>();
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly isClosed = (): boolean => this.closed;

  constructor(
    readonly url: ServiceUrl,
    hooks: RegistryHooks = {},
  ) {
    this.options = readRegistryOptions(url);
    this.health = new RegistryHealth(url.toString(), hooks.logger ?? DEFAULT_LOGGER);
    this.connection = new ZookeeperConnection(
      {
        servers: serverList(url, DEFAULT_PORT).join(','),
        timeoutMs: this.options.timeoutMs,
        // 15 s: a crashed provider disappears within about that long (dubbo-go `registry/zookeeper/registry.go` uses the 5 s registry timeout; ZooKeeper's floor is 2 ticks).
        sessionTimeoutMs: parseDurationMs(url.getParam('session.timeout'), 15_000, 'session.timeout'),
      },
      (change) => this.onSessionChange(change),
      (up) => (up ? this.health.restored() : this.health.lost(new Error('connection to every server lost'), 'disconnected')),
    );
  }

  /** The live session (id, password, negotiated timeout), or undefined while disconnected. */
  get session(): { id: Buffer; password: Buffer; timeoutMs: number } | undefined {
    return this.connection.session;
  }

  /** Registering an equal URL again (e.g. a newer timestamp) replaces the earlier node. */
  async register(url: ServiceUrl): Promise<void> {
    this.assertOpen('register');
    const key = registrationKey(url);
    const registration: Registration = {
      path: nodePath(this.options.root, url),
      url,
      onNodeEvent: () => this.onNodeEvent(key, registration),
    };
    const earlier = this.registered.get(key);
    this.registered.set(key, registration);
    try {
      // A node created after close() ran dies with the session close() ends.
      await unlessClosed(this.isClosed, 'register', this.ensureNode(key, registration));
    } catch (err) {
      if (this.registered.get(key) === registration) this.registered.delete(key);
      if (this.closed) throw err;
      const error = unavailable(err, `register ${url.interfaceName}`);
      this.health.lost(error, 'register');
      throw error;
    }
    if (earlier && earlier.path !== registration.path) await this.removeNode(earlier.path).catch(() => undefined);
  }

  async unregister(url: ServiceUrl): Promise<void> {
    this.assertOpen('unregister');
    const key = registrationKey(url);
    const registration = this.registered.get(key);
    if (!registration) return;
    this.registered.delete(key);
    await this.removeNode(registration.path);
  }

  subscribe(consumerUrl: ServiceUrl, listener: ProviderListener): Promise<Unsubscribe> {
    return this.subscribeCategory(consumerUrl, PROVIDERS, listener);
  }

  async subscribeCategory(consumerUrl: ServiceUrl, category: string, listener: ProviderListener): Promise<Unsubscribe> {
    this.assertOpen('subscribe');
    const list = new ProviderList(consumerUrl.interfaceName, whileOpen(this.isClosed, listener));
    const watch = new ZookeeperChildrenWatch(this.connection, categoryPath(this.options.root, consumerUrl, category), list);
    const started = watch.start().catch((err) => {
      list.stop();
      throw unavailable(err, `subscribe ${consumerUrl.interfaceName}`);
    });
    await unlessClosed(this.isClosed, 'subscribe', started, () => list.stop());
    this.watches.add(watch);
    return async () => {
      list.stop();
      this.watches.delete(watch);
    };
  }

  async watchConfig(key: string, listener: ConfigListener): Promise<Unsubscribe> {
    this.assertOpen('watchConfig');
    const watch = new ZookeeperConfigWatch(this.connection, configPath(key), whileOpen(this.isClosed, listener));
    const started = watch.refresh().catch((err) => {
      watch.stop();
      throw unavailable(err, `watch ${key}`);
    });
    await unlessClosed(this.isClosed, 'watchConfig', started, () => watch.stop());
    this.configWatches.add(watch);
    return async () => {
      watch.stop();
      this.configWatches.delete(watch);
    };
  }

  async lookup(consumerUrl: ServiceUrl): Promise<ServiceUrl[]> {
    this.assertOpen('lookup');
    let found: ServiceUrl[] = [];
    const unsubscribe = await unlessClosed(this.isClosed, 'lookup', this.subscribe(consumerUrl, (urls) => (found = [...urls])));
    await unsubscribe();
    return found;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    for (const watch of this.watches) watch.list.stop();
    this.watches.clear();
    for (const watch of this.configWatches) watch.stop();
    this.configWatches.clear();
    // Ephemeral nodes vanish with the session, but removing them first tells
    // watchers at once instead of after the session timeout. Without a
    // connection there is nobody to tell: waiting for one would hold close()
    // (and the process) for the whole registry timeout.
    const registrations = [...this.registered.values()];
    this.registered.clear();
    if (this.connection.session) await Promise.allSettled(registrations.map(({ path }) => this.removeNode(path)));
    this.connection.close();
  }

  /**
   * Creates the node of a registration that is still current and watches for
   * its deletion; a node created after the registration was dropped (by
   * unregister or close while the create was in flight) is removed again.
   * `replaceForeign`: see createNode.
   */
  private async ensureNode(key: string, registration: Registration, replaceForeign = true): Promise<void> {
    await this.createNode(registration.path, replaceForeign);
    if (this.registered.get(key) !== registration) {
      if (!this.isRegisteredPath(registration.path)) await this.removeNode(registration.path);
      return;
    }
    await this.connection.watchNode(registration.path, registration.onNodeEvent);
  }

  private isRegisteredPath(path: string): boolean {
    for (const registration of this.registered.values()) if (registration.path === path) return true;
    return false;
  }

  /**
   * The node's watch fired. It fires once, for any change: a deletion (removed
   * by hand, or by an old session's expiry) or a change of its data. Either
   * way the node is created when missing and watched again, or a later
   * deletion would go unnoticed. A node someone else created meanwhile is left
   * alone (and watched): another registry instance holding the same URL would
   * otherwise take it back, and the two would trade it for ever.
   */
  private onNodeEvent(key: string, registration: Registration): void {
    if (this.closed || this.registered.get(key) !== registration) return;
    this.ensureNode(key, registration, false).catch(() => this.scheduleRetry());
  }

  /**
   * Creates the ephemeral node. A node that already exists and is not owned by
   * our session is stale (left by an older session), so it is replaced
   * (dubbo-go `registry/zookeeper/registry.go`); one of ours is kept, so a retry causes no churn.
   * With `replaceForeign` false any existing node is kept.
   */
  private async createNode(path: string, replaceForeign: boolean): Promise<void> {
    await this.connection.mkdirp(path.slice(0, path.lastIndexOf('/')));
    try {
      await this.connection.createEphemeral(path);
    } catch (err) {
      if (!isNodeExists(err)) throw err;
      if (!replaceForeign || (await this.connection.ownsNode(path))) return;
      await this.removeNode(path);
      await this.connection.createEphemeral(path);
    }
  }

  private async removeNode(path: string): Promise<void> {
    try {
      await this.connection.remove(path);
    } catch (err) {
      if (!isNoNode(err)) throw unavailable(err, `remove ${path}`);
    }
  }

  /**
   * New session: nodes and watches of the old one are gone (or will be, when
   * the server expires it) and must be made again on ours. Same session: the
   * client restored the watches, but a node may still have been lost meanwhile
   * (a disconnect longer than the session timeout), so each one is checked as well; re-reading catches any change missed.
   */
  private onSessionChange(_change: SessionChange): void {
    if (this.closed) return;
    this.resync().catch(() => this.scheduleRetry());
  }

  private async resync(): Promise<void> {
    for (const [key, registration] of [...this.registered]) {
      if (this.registered.get(key) === registration) await this.ensureNode(key, registration);
    }
    await Promise.all([...this.watches, ...this.configWatches].map((watch) => watch.refresh()));
  }

  /** One pending retry at a time; it re-creates everything, which is idempotent. */
  private scheduleRetry(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.closed) this.resync().catch(() => this.scheduleRetry());
    }, this.options.retryDelayMs);
    this.retryTimer.unref();
  }

  private assertOpen(what: string): void {
    if (this.closed) throw closedError(what);
  }
}

registerRegistryType('zookeeper', (url, hooks) => new ZookeeperRegistry(url, hooks));
