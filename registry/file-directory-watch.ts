/**
 * Watches one `providers` folder of the file registry: fs.watch for prompt
 * news, plus a bounded poll, because fs.watch can miss events (network file
 * systems, some containers) and because a process dying changes no file at
 * all — only a rescan notices that its pid is gone.
 */
import { type FSWatcher, watch } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CoalescedTask } from './coalesced-task.js';
import { readEntry, removeEntry } from './file-entry.js';
import type { ProviderList } from './provider-list.js';
import type { RegistryHealth } from './registry-health.js';
import type { ServiceUrl } from './service-url.js';

export interface DirectoryWatchOptions {
  pollMs: number;
  staleMs: number;
}

export class FileDirectoryWatch {
  private readonly scanner = new CoalescedTask(
    () => this.scanOnce(),
    () => this.list.active,
  );
  private watcher: FSWatcher | undefined;
  private poller: NodeJS.Timeout | undefined;

  constructor(
    readonly dir: string,
    readonly list: ProviderList,
    private readonly options: DirectoryWatchOptions,
    private readonly health?: RegistryHealth,
  ) {}

  async start(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await this.scan();
    this.watchFolder();
    this.poller = setInterval(() => this.scan().catch((err: unknown) => this.health?.lost(err, `scan ${this.dir}`)), this.options.pollMs);
    this.poller.unref();
  }

  scan(): Promise<void> {
    return this.scanner.run();
  }

  stop(): void {
    this.list.stop();
    clearInterval(this.poller);
    this.watcher?.close();
    this.watcher = undefined;
  }

  private watchFolder(): void {
    try {
      this.watcher = watch(this.dir, { persistent: false }, () => this.scan().catch(() => undefined));
      // The folder may vanish; the poll keeps working (and recreates it).
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      // fs.watch is not available here: the poll alone keeps the list fresh.
    }
  }

  private async scanOnce(): Promise<void> {
    this.list.replace(await listLiveEntries(this.dir, this.options.staleMs));
    this.health?.restored();
  }
}

/** The live entries of a folder; entries of dead writers are removed on the way. */
export async function listLiveEntries(dir: string, staleMs: number): Promise<Map<string, ServiceUrl>> {
  const names = await readdir(dir).catch(async () => {
    await mkdir(dir, { recursive: true });
    return [] as string[];
  });
  const live = new Map<string, ServiceUrl>();
  for (const name of names.filter((entry) => entry.endsWith('.json') && !entry.startsWith('.'))) {
    const entry = await readEntry(join(dir, name), staleMs);
    if (entry.live) live.set(name, entry.url);
    else if (entry.dead) await removeEntry(join(dir, name));
  }
  return live;
}
