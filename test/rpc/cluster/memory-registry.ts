/**
 * An in-process Registry for directory tests: it keeps provider URLs in a
 * map and notifies subscribers with the full list, as the real registries do.
 * `outage()` makes it behave like an unreachable server: nothing is delivered
 * and calls fail with REGISTRY_UNAVAILABLE, until `recover()`.
 */
import { ErrorCode, RpcError } from '../../../common/rpc-error.js';
import type { ProviderListener, Registry, Unsubscribe } from '../../../registry/registry.js';
import { ServiceUrl } from '../../../registry/service-url.js';

export class MemoryRegistry implements Registry {
  readonly url: ServiceUrl;
  private readonly providers = new Map<string, ServiceUrl>();
  private readonly listeners = new Set<ProviderListener>();
  private down = false;
  /** When true, subscribe answers but holds back the first list until `release()`. */
  holdFirstList = false;
  private held: ProviderListener[] = [];
  /** Governance rules by category ('configurators', 'routers'), as `subscribeCategory` serves them. */
  private readonly rules = new Map<string, ServiceUrl[]>();
  private readonly ruleListeners = new Map<ProviderListener, string>();

  constructor(name = 'memory') {
    this.url = new ServiceUrl({ protocol: 'memory', host: name, port: 0 });
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }

  async register(url: ServiceUrl): Promise<void> {
    this.assertUp();
    this.providers.set(url.toString(), url);
    this.notifyAll();
  }

  async unregister(url: ServiceUrl): Promise<void> {
    this.assertUp();
    this.providers.delete(url.toString());
    this.notifyAll();
  }

  async subscribe(_consumerUrl: ServiceUrl, listener: ProviderListener): Promise<Unsubscribe> {
    this.assertUp();
    this.listeners.add(listener);
    if (this.holdFirstList) this.held.push(listener);
    else listener(this.list());
    return async () => {
      this.listeners.delete(listener);
    };
  }

  /** The rule children of a category, as ZooKeeper's `/dubbo/<interface>/<category>` gives them. */
  async subscribeCategory(_consumerUrl: ServiceUrl, category: string, listener: ProviderListener): Promise<Unsubscribe> {
    this.assertUp();
    this.ruleListeners.set(listener, category);
    listener(this.rules.get(category) ?? []);
    return async () => {
      this.ruleListeners.delete(listener);
    };
  }

  /** An operator writes the rules of `category`; every rule subscriber hears the new list. */
  setRules(category: string, urls: ServiceUrl[]): void {
    this.rules.set(category, urls);
    for (const [listener, watched] of this.ruleListeners) if (watched === category) listener(urls);
  }

  async lookup(): Promise<ServiceUrl[]> {
    this.assertUp();
    return this.list();
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }

  /** Delivers the lists held back by `holdFirstList`. */
  release(): void {
    this.holdFirstList = false;
    for (const listener of this.held.splice(0)) listener(this.list());
  }

  /** The server becomes unreachable: it keeps its data but delivers nothing. */
  outage(): void {
    this.down = true;
  }

  /** Back online: every subscriber gets the current list, as after a reconnect. */
  recover(): void {
    this.down = false;
    this.notifyAll();
  }

  /** Changes data behind the consumer's back (another process registering while we cannot see it). */
  setProvidersWhileDown(urls: ServiceUrl[]): void {
    this.providers.clear();
    for (const url of urls) this.providers.set(url.toString(), url);
  }

  private list(): ServiceUrl[] {
    return [...this.providers.values()];
  }

  private notifyAll(): void {
    if (this.down) return;
    for (const listener of this.listeners) if (!this.held.includes(listener)) listener(this.list());
  }

  private assertUp(): void {
    if (this.down) throw new RpcError(ErrorCode.REGISTRY_UNAVAILABLE, `${this.url.host} is unreachable`);
  }
}
