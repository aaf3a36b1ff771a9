/**
 * ZooKeeper registry (`zookeeper://host:port[,host:port]?timeout=5s&session.timeout=15s`),
 * in dubbo-go's layout (go-anchors §4.1–4.2):
 * - a provider is an ephemeral node `/dubbo/<interface>/providers/<QueryEscape(URL)>`
 *   under persistent parents; a node left over from an older session is deleted
 *   and created again;
 * - a subscription watches the `providers` children and diffs them;
 * - after a session expiry, every registration is created again and every
 *   watch re-armed on the new session. While disconnected nothing is
 *   delivered, so consumers keep their last list.
 */
import { parseDurationMs, unavailable } from './deadline.js';
import { ProviderList } from './provider-list.js';
import { type ProviderListener, type Registry, registerRegistryType, type Unsubscribe } from './registry.js';
import { closedError, readRegistryOptions, type RegistryOptions, serverList } from './registry-options.js';
import { categoryPath, nodePath, PROVIDERS } from './registry-path.js';
import type { ServiceUrl } from './service-url.js';
import { ZookeeperChildrenWatch } from './zookeeper-children-watch.js';
import { isNodeExists, isNoNode, type SessionChange, ZookeeperConnection } from './zookeeper-connection.js';

/** ZooKeeper's default client port. */
const DEFAULT_PORT = 2181;

export class ZookeeperRegistry implements Registry {
  private readonly options: RegistryOptions;
  private readonly connection: ZookeeperConnection;
  /** node path → URL, for re-creation after a session expiry */
  private readonly registered = new Map<string, ServiceUrl>();
  private readonly watches = new Set<ZookeeperChildrenWatch>();
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(readonly url: ServiceUrl) {
    this.options = readRegistryOptions(url);
    this.connection = new ZookeeperConnection(
      {
        servers: serverList(url, DEFAULT_PORT).join(','),
        timeoutMs: this.options.timeoutMs,
        // 15 s: a crashed provider disappears within about that long (go-anchors §4.2 uses the 5 s registry timeout; ZooKeeper's floor is 2 ticks).
        sessionTimeoutMs: parseDurationMs(url.getParam('session.timeout'), 15_000, 'session.timeout'),
      },
      (change) => this.onSessionChange(change),
    );
  }

  /** The live session (id, password, negotiated timeout), or undefined while disconnected. */
  get session(): { id: Buffer; password: Buffer; timeoutMs: number } | undefined {
    return this.connection.session;
  }

  async register(url: ServiceUrl): Promise<void> {
    this.assertOpen('register');
    const path = nodePath(this.options.root, url);
    this.registered.set(path, url);
    try {
      await this.createNode(path);
    } catch (err) {
      this.registered.delete(path);
      throw unavailable(err, `register ${url.interfaceName}`);
    }
  }

  async unregister(url: ServiceUrl): Promise<void> {
    this.assertOpen('unregister');
    const path = nodePath(this.options.root, url);
    if (!this.registered.delete(path)) return;
    await this.removeNode(path);
  }

  async subscribe(consumerUrl: ServiceUrl, listener: ProviderListener): Promise<Unsubscribe> {
    this.assertOpen('subscribe');
    const list = new ProviderList(consumerUrl.interfaceName, listener);
    const watch = new ZookeeperChildrenWatch(this.connection, categoryPath(this.options.root, consumerUrl, PROVIDERS), list);
    try {
      await watch.start();
    } catch (err) {
      list.stop();
      throw unavailable(err, `subscribe ${consumerUrl.interfaceName}`);
    }
    this.watches.add(watch);
    return async () => {
      list.stop();
      this.watches.delete(watch);
    };
  }

  async lookup(consumerUrl: ServiceUrl): Promise<ServiceUrl[]> {
    let found: ServiceUrl[] = [];
    const unsubscribe = await this.subscribe(consumerUrl, (urls) => (found = [...urls]));
    await unsubscribe();
    return found;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    for (const watch of this.watches) watch.list.stop();
    this.watches.clear();
    // Ephemeral nodes vanish with the session, but removing them first tells
    // watchers at once instead of after the session timeout.
    const paths = [...this.registered.keys()];
    this.registered.clear();
    await Promise.allSettled(paths.map((path) => this.removeNode(path)));
    this.connection.close();
  }

  /**
   * Creates the ephemeral node. A node that already exists and is not owned by
   * our session is stale (left by an older session), so it is replaced
   * (go-anchors §4.2 step 3); one of ours is kept, so a retry causes no churn.
   */
  private async createNode(path: string): Promise<void> {
    await this.connection.mkdirp(path.slice(0, path.lastIndexOf('/')));
    try {
      await this.connection.createEphemeral(path);
    } catch (err) {
      if (!isNodeExists(err)) throw err;
      if (await this.connection.ownsNode(path)) return;
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

  private onSessionChange(change: SessionChange): void {
    if (this.closed) return;
    // Same session: the client restored the watches, but re-reading catches anything missed.
    // New session: nodes and watches of the old one are gone and must be made again.
    this.resync(change === 'renewed').catch(() => this.scheduleRetry());
  }

  private async resync(recreate: boolean): Promise<void> {
    if (recreate) {
      for (const path of [...this.registered.keys()]) {
        if (this.registered.has(path)) await this.createNode(path);
      }
    }
    await Promise.all([...this.watches].map((watch) => watch.refresh()));
  }

  /** One pending retry at a time; it re-creates everything, which is idempotent. */
  private scheduleRetry(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.closed) this.resync(true).catch(() => this.scheduleRetry());
    }, this.options.retryDelayMs);
    this.retryTimer.unref();
  }

  private assertOpen(what: string): void {
    if (this.closed) throw closedError(what);
  }
}

registerRegistryType('zookeeper', (url) => new ZookeeperRegistry(url));
