/**
 * A Directory fed by one or more registries (dubbo-go `registry/directory/directory.go`). It keeps one
 * invoker per provider (address + path), so a re-notified provider keeps its
 * connections; it destroys invokers whose provider left; and it keeps the last
 * list while a registry is unreachable (registries deliver nothing then).
 * Several registries are merged; the first one to list a provider wins.
 */
import { ErrorCode, RpcError } from '../../../common/rpc-error.js';
import type { Registry, Unsubscribe } from '../../../registry/registry.js';
import type { ServiceUrl } from '../../../registry/service-url.js';
import { DirectoryGovernance } from '../../governance/directory-governance.js';
import type { GovernanceOptions } from '../../governance/governance-options.js';
import type { Invocation } from '../../invocation.js';
import type { Invoker, InvokerFactory } from '../../invoker.js';
import { providerKey, RpcStatus } from '../../load-balance/rpc-status.js';
import type { Directory, DirectoryListener } from './directory.js';
import { providerMatches } from '../provider-match.js';

export interface RegistryDirectoryOptions {
  /**
   * Keep the current invokers when every registry reports an empty list
   * (Dubbo's "empty protection"). Default false: an empty list empties the
   * directory, since providers that all stopped really are gone.
   */
  emptyProtection?: boolean;
  /** Called when the invoker factory throws for a provider URL (that provider is skipped). */
  onInvokerError?: (providerUrl: ServiceUrl, error: RpcError) => void;
  /** Routing rules and dynamic configuration from the registries (docs/governance.md). Default: enabled. */
  governance?: GovernanceOptions;
}

/** Distinct version/group pairs named in a NO_PROVIDER message at most. */
const MAX_DESCRIBED_VARIANTS = 10;

interface ProviderEntry {
  /** The URL without its timestamp: a change here means a different provider config. */
  signature: string;
  invoker: Invoker;
}

export class RegistryDirectory implements Directory {
  private readonly perRegistry: (readonly ServiceUrl[] | undefined)[];
  /** Every provider of the interface each registry listed, matching or not (for describeEmpty). */
  private readonly listedPerRegistry: (readonly ServiceUrl[] | undefined)[];
  private readonly entries = new Map<string, ProviderEntry>();
  private readonly listeners = new Set<DirectoryListener>();
  private readonly unsubscribes: Promise<Unsubscribe | undefined>[];
  private readonly firstLists: Deferred[];
  private readonly readyPromise: Promise<void>;
  private invokers: readonly Invoker[] = [];
  private readonly governance: DirectoryGovernance | undefined;
  private destroyed = false;
  private closePromise: Promise<void> | undefined;

  constructor(
    readonly url: ServiceUrl,
    registries: readonly Registry[],
    private readonly invokerFactory: InvokerFactory,
    private readonly options: RegistryDirectoryOptions = {},
  ) {
    if (registries.length === 0) throw new RpcError(ErrorCode.INVALID_ARGUMENT, 'RegistryDirectory needs at least one registry');
    const governed = options.governance?.enabled !== false;
    this.governance = governed ? new DirectoryGovernance(url, registries, () => this.destroyed || this.publish(), options.governance) : undefined;
    this.perRegistry = registries.map(() => undefined);
    this.listedPerRegistry = registries.map(() => undefined);
    this.firstLists = registries.map(() => deferred());
    this.unsubscribes = registries.map((registry, index) => this.subscribe(registry, index, this.firstLists[index]!));
    this.readyPromise = Promise.all([...this.firstLists.map((first) => first.promise), this.governance?.ready()]).then(() => undefined);
    this.readyPromise.catch(() => {}); // observed through ready(); never an unhandled rejection
  }

  /**
   * Resolves once every registry has delivered its first provider list.
   * Rejects with REGISTRY_UNAVAILABLE when a subscription fails, or
   * CLIENT_CLOSED when the directory is destroyed first.
   */
  ready(): Promise<void> {
    return this.readyPromise;
  }

  list(invocation: Invocation): readonly Invoker[] {
    return this.governance ? this.governance.route(this.invokers, invocation) : this.invokers;
  }

  first(): Invoker | undefined {
    return this.invokers[0];
  }

  /** The governance rules this directory obeys (undefined when disabled). */
  get governanceRules(): DirectoryGovernance | undefined {
    return this.governance;
  }

  isAvailable(): boolean {
    return !this.destroyed && this.invokers.some((invoker) => invoker.isAvailable());
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  /**
   * Why nothing matches: what the consumer wants and what the registries list
   * for that interface, by version and group (a wrong version or group is
   * the usual cause), bounded to MAX_DESCRIBED_VARIANTS lines.
   */
  describeEmpty(): string {
    const wanted = `wanted version '${this.url.getParam('version', '')}' group '${this.url.getParam('group', '')}'`;
    if (this.listedPerRegistry.every((list) => list === undefined)) return `${wanted}; no registry has answered yet`;
    const variants = new Map<string, number>();
    let listed = 0;
    for (const list of this.listedPerRegistry) {
      for (const provider of list ?? []) {
        if (provider.interfaceName !== this.url.interfaceName && this.url.interfaceName !== '*') continue;
        listed++;
        const variant = `version '${provider.getParam('version', '')}' group '${provider.getParam('group', '')}'${provider.getParam('enabled', 'true') === 'false' ? ' (disabled)' : ''}`;
        variants.set(variant, (variants.get(variant) ?? 0) + 1);
      }
    }
    if (listed === 0) return `${wanted}; the registry lists no provider of ${this.url.interfaceName}`;
    const shown = [...variants].slice(0, MAX_DESCRIBED_VARIANTS).map(([variant, count]) => `${variant} x${count}`);
    const more = variants.size > MAX_DESCRIBED_VARIANTS ? `, and ${variants.size - MAX_DESCRIBED_VARIANTS} more` : '';
    return `${wanted}; the registry lists ${listed} provider(s) of ${this.url.interfaceName}: ${shown.join(', ')}${more}`;
  }

  onChange(listener: DirectoryListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  destroy(): void {
    this.close().catch(() => {});
  }

  /** Like destroy(), and resolves once every registry subscription is cancelled. Idempotent. */
  close(): Promise<void> {
    this.closePromise ??= this.shutdown();
    return this.closePromise;
  }

  private async shutdown(): Promise<void> {
    this.destroyed = true;
    this.listeners.clear();
    const closed = new RpcError(ErrorCode.CLIENT_CLOSED, 'directory destroyed before the registries answered');
    for (const first of this.firstLists) first.reject(closed);
    for (const entry of this.entries.values()) destroyInvoker(entry.invoker);
    this.entries.clear();
    this.invokers = [];
    const unsubscribes = await Promise.all(this.unsubscribes);
    await Promise.allSettled([...unsubscribes.map((unsubscribe) => unsubscribe?.()), this.governance?.close()]);
  }

  private async subscribe(registry: Registry, index: number, first: Deferred): Promise<Unsubscribe | undefined> {
    try {
      const unsubscribe = await registry.subscribe(this.url, (providers) => {
        this.onProviders(index, providers);
        first.resolve();
      });
      if (!this.destroyed) return unsubscribe;
      await unsubscribe().catch(() => {});
    } catch (err) {
      first.reject(new RpcError(ErrorCode.REGISTRY_UNAVAILABLE, `subscribe to ${registry.url} failed: ${messageOf(err)}`, { cause: err }));
    }
    return undefined;
  }

  private onProviders(index: number, providers: readonly ServiceUrl[]): void {
    if (this.destroyed) return;
    this.listedPerRegistry[index] = providers;
    this.perRegistry[index] = providers.filter((provider) => providerMatches(this.url, provider));
    const merged = mergeProviders(this.perRegistry);
    if (merged.size === 0 && this.options.emptyProtection && this.entries.size > 0) return;
    this.refresh(merged);
  }

  /** Reuses unchanged invokers, creates new ones, destroys those whose provider left or changed. */
  private refresh(providers: Map<string, ServiceUrl>): void {
    let changed = false;
    for (const [key, entry] of this.entries) {
      const provider = providers.get(key);
      if (provider && signatureOf(provider) === entry.signature) continue;
      this.entries.delete(key);
      destroyInvoker(entry.invoker);
      changed = true;
    }
    for (const [key, provider] of providers) {
      if (!this.entries.has(key)) changed = this.addProvider(key, provider) || changed;
    }
    if (changed) this.publish();
  }

  private addProvider(key: string, provider: ServiceUrl): boolean {
    try {
      this.entries.set(key, { signature: signatureOf(provider), invoker: this.invokerFactory(provider) });
      return true;
    } catch (err) {
      this.options.onInvokerError?.(provider, RpcError.from(err, ErrorCode.INVALID_ARGUMENT));
      return false;
    }
  }

  private publish(): void {
    const invokers = [...this.entries.values()].map((entry) => entry.invoker);
    this.invokers = this.governance ? this.governance.view(invokers) : invokers;
    for (const listener of [...this.listeners]) listener(this.invokers);
  }
}

function mergeProviders(lists: readonly (readonly ServiceUrl[] | undefined)[]): Map<string, ServiceUrl> {
  const merged = new Map<string, ServiceUrl>();
  for (const list of lists) {
    for (const provider of list ?? []) {
      const key = providerKey(provider);
      if (!merged.has(key)) merged.set(key, provider);
    }
  }
  return merged;
}

/** A re-registration only bumps `timestamp`; that alone must not replace the invoker. */
function signatureOf(provider: ServiceUrl): string {
  const params = Object.entries(provider.params).filter(([key]) => key !== 'timestamp');
  return `${providerKey(provider)}?${JSON.stringify(params.sort(([a], [b]) => (a < b ? -1 : 1)))}`;
}

function destroyInvoker(invoker: Invoker): void {
  RpcStatus.forget(invoker.url);
  invoker.destroy();
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(err: RpcError): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (err: RpcError) => void;
  const promise = new Promise<void>((res, rej) => [resolve, reject] = [res, rej]);
  return { promise, resolve, reject };
}
