/**
 * The embedded default registry: `file:///some/dir?pollMs=1000&refreshMs=3000&staleMs=10000`
 * (`file://` alone uses `<os.tmpdir()>/getty-rpc-registry`). No server: the
 * processes of one machine share a folder laid out like the ZooKeeper tree,
 * `<dir>/<interface>/providers/<pid>-<hash>.json`, one small file per
 * registered URL (see file-entry.ts).
 * - A live writer touches its files every `refreshMs`; readers ignore files
 *   older than `staleMs`, and on the same host drop at once the files of a pid
 *   that no longer runs. So a killed process's providers disappear by
 *   themselves, within one poll.
 * - Subscribers watch the folder with fs.watch and rescan every `pollMs`.
 */
import { mkdir, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { DEFAULT_LOGGER } from '../common/diagnostics.js';
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import { parseDurationMs } from './deadline.js';
import { FileDirectoryWatch, listLiveEntries } from './file-directory-watch.js';
import { entryFileName, removeEntry, writeEntry } from './file-entry.js';
import { ProviderList } from './provider-list.js';
import { type ProviderListener, type Registry, type RegistryHooks, registerRegistryType, type Unsubscribe } from './registry.js';
import { RegistryHealth } from './registry-health.js';
import { closedError, unlessClosed, whileOpen } from './registry-options.js';
import { categoryPath, DEFAULT_ROOT, PROVIDERS } from './registry-path.js';
import type { ServiceUrl } from './service-url.js';

export interface FileRegistryOptions {
  /** The shared folder. Default `<os.tmpdir()>/getty-rpc-registry`. */
  dir: string;
  /** Rescan period of subscriptions, ms. Default 1000. */
  pollMs: number;
  /** How often a writer touches its entries, ms. Default 3000. */
  refreshMs: number;
  /** Entries untouched for longer are ignored, ms. Default 10000; must exceed refreshMs. */
  staleMs: number;
}

export class FileRegistry implements Registry {
  readonly options: FileRegistryOptions;
  /** entry file path → URL */
  private readonly registered = new Map<string, ServiceUrl>();
  private readonly watches = new Set<FileDirectoryWatch>();
  private refresher: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly isClosed = (): boolean => this.closed;
  private readonly health: RegistryHealth;

  constructor(
    readonly url: ServiceUrl,
    hooks: RegistryHooks = {},
  ) {
    this.options = readFileOptions(url);
    this.health = new RegistryHealth(url.toString(), hooks.logger ?? DEFAULT_LOGGER);
  }

  /**
   * Re-registering an equal URL (same registration key, e.g. a newer
   * timestamp) rewrites the same entry file.
   */
  async register(url: ServiceUrl): Promise<void> {
    this.assertOpen('register');
    const path = this.entryPath(url);
    this.registered.set(path, url);
    try {
      await this.writeEntryAt(path, url);
    } catch (err) {
      if (this.registered.get(path) === url) this.registered.delete(path);
      failed(err, path);
    }
    await this.dropIfUnregistered(path);
    // close() ran while writing: the entry was just dropped, and no refresh timer may start.
    if (this.closed) throw closedError('register');
    this.startRefreshing();
  }

  /** Removes the entry of `url`, matched by registration key (its timestamp may differ). */
  async unregister(url: ServiceUrl): Promise<void> {
    this.assertOpen('unregister');
    const path = this.entryPath(url);
    if (this.registered.delete(path)) await removeEntry(path);
  }

  async subscribe(consumerUrl: ServiceUrl, listener: ProviderListener): Promise<Unsubscribe> {
    this.assertOpen('subscribe');
    const list = new ProviderList(consumerUrl.interfaceName, whileOpen(this.isClosed, listener));
    const watch = new FileDirectoryWatch(this.folderOf(consumerUrl, PROVIDERS), list, this.options, this.health);
    const started = watch.start().catch((err) => {
      watch.stop();
      failed(err, watch.dir);
    });
    await unlessClosed(this.isClosed, 'subscribe', started, () => watch.stop());
    this.watches.add(watch);
    return async () => {
      watch.stop();
      this.watches.delete(watch);
    };
  }

  async lookup(consumerUrl: ServiceUrl): Promise<ServiceUrl[]> {
    this.assertOpen('lookup');
    const found: ServiceUrl[] = [];
    const entries = await unlessClosed(this.isClosed, 'lookup', listLiveEntries(this.folderOf(consumerUrl, PROVIDERS), this.options.staleMs));
    new ProviderList(consumerUrl.interfaceName, (urls) => found.push(...urls)).replace(entries);
    return found;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.refresher);
    for (const watch of this.watches) watch.stop();
    this.watches.clear();
    const paths = [...this.registered.keys()];
    this.registered.clear();
    await Promise.all(paths.map((path) => removeEntry(path)));
  }

  private folderOf(url: ServiceUrl, category?: string): string {
    return join(this.options.dir, ...categoryPath(DEFAULT_ROOT, url, category).split('/').slice(2));
  }

  private entryPath(url: ServiceUrl): string {
    return join(this.folderOf(url), entryFileName(url));
  }

  private async writeEntryAt(path: string, url: ServiceUrl): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    await writeEntry(dirname(path), basename(path), url);
  }

  /**
   * A write that was in flight when unregister() or close() unlinked the entry
   * renames it back into place afterwards; the entry's pid is alive, so it
   * would stay listed until stale. Removing it once the write is done closes
   * that race.
   */
  private async dropIfUnregistered(path: string): Promise<void> {
    if (!this.registered.has(path)) await removeEntry(path);
  }

  /** One timer per registry touches every entry; a missing entry (removed by hand, folder wiped) is written again. */
  private startRefreshing(): void {
    if (this.refresher) return;
    this.refresher = setInterval(() => this.touchAll(), this.options.refreshMs);
    this.refresher.unref();
  }

  private touchAll(): void {
    for (const [path, url] of this.registered) {
      const now = new Date();
      utimes(path, now, now).catch(() => this.rewrite(path, url));
    }
  }

  private async rewrite(path: string, url: ServiceUrl): Promise<void> {
    if (this.registered.get(path) !== url) return;
    await this.writeEntryAt(path, url).catch(() => undefined);
    await this.dropIfUnregistered(path);
  }

  private assertOpen(what: string): void {
    if (this.closed) throw closedError(what);
  }
}

function readFileOptions(url: ServiceUrl): FileRegistryOptions {
  if (url.host && url.host !== 'localhost') {
    throw new RpcError(ErrorCode.BAD_URL, `file registry URLs name a local folder (file:///dir), not a host: ${url.toString()}`);
  }
  const options = {
    dir: url.path ? `/${url.path}` : join(tmpdir(), 'getty-rpc-registry'),
    pollMs: parseDurationMs(url.getParam('pollMs'), 1000, 'pollMs'),
    refreshMs: parseDurationMs(url.getParam('refreshMs'), 3000, 'refreshMs'),
    staleMs: parseDurationMs(url.getParam('staleMs'), 10_000, 'staleMs'),
  };
  if (options.staleMs <= options.refreshMs) {
    throw new RpcError(ErrorCode.BAD_URL, `staleMs (${options.staleMs}) must exceed refreshMs (${options.refreshMs})`);
  }
  return options;
}

function failed(err: unknown, path: string): never {
  throw new RpcError(ErrorCode.REGISTRY_UNAVAILABLE, `file registry cannot use ${path}: ${(err as Error).message}`, { cause: err });
}

registerRegistryType('file', (url, hooks) => new FileRegistry(url, hooks));
