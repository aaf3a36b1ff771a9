/**
 * The provider list of one subscription. Each registry feeds it full
 * snapshots; it forwards a snapshot to the listener only when the set of
 * providers changed, and never after `stop()`.
 */
import { channels } from '../common/diagnostics.js';
import type { ProviderListener } from './registry.js';
import type { ServiceUrl } from './service-url.js';

export class ProviderList {
  private current = new Map<string, ServiceUrl>();
  private delivered = false;
  private stopped = false;

  /** @param interfaceName only providers of this interface are kept (a URL without path matches by its `interface` param). */
  constructor(
    readonly interfaceName: string,
    private readonly listener: ProviderListener,
  ) {}

  get urls(): ServiceUrl[] {
    return [...this.current.values()];
  }

  get active(): boolean {
    return !this.stopped;
  }

  /** Replaces the whole list (keys identify entries, e.g. node names); notifies when it differs or was never delivered. */
  replace(entries: Map<string, ServiceUrl>): void {
    if (this.stopped) return;
    const next = new Map<string, ServiceUrl>();
    for (const key of [...entries.keys()].sort()) {
      const url = entries.get(key)!;
      if (url.interfaceName === this.interfaceName) next.set(key, url);
    }
    if (this.delivered && sameKeys(this.current, next)) return;
    this.current = next;
    this.delivered = true;
    this.notify();
  }

  stop(): void {
    this.stopped = true;
  }

  private notify(): void {
    const urls = Object.freeze(this.urls);
    if (channels.registryChange.hasSubscribers) channels.registryChange.publish({ interfaceName: this.interfaceName, providers: urls });
    try {
      this.listener(urls);
    } catch (err) {
      // A faulty listener must not break the registry's watch loop.
      process.emitWarning(`registry listener threw: ${String(err)}`, 'RegistryWarning');
    }
  }
}

function sameKeys(a: Map<string, unknown>, b: Map<string, unknown>): boolean {
  if (a.size !== b.size) return false;
  for (const key of a.keys()) if (!b.has(key)) return false;
  return true;
}
