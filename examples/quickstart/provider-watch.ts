/**
 * Watches the providers of one interface in a registry, as an operator would:
 * reports every change of the list and lets the demo wait for a state
 * (bounded, so a registry that never reports it fails the demo instead of
 * hanging it).
 */
import { consumerUrl } from '../../registry/provider-url.js';
import { createRegistry, type Registry, type Unsubscribe } from '../../registry/index.js';
import type { ServiceUrl } from '../../registry/service-url.js';

export class ProviderWatch {
  private ports: number[] = [];
  private waiters: { test: (ports: readonly number[]) => boolean; resolve: () => void }[] = [];
  private unsubscribe: Unsubscribe | undefined;
  private readonly registry: Registry;

  private constructor(registryUrl: string, private readonly onChange: (ports: readonly number[]) => void) {
    this.registry = createRegistry(registryUrl);
  }

  static async open(registryUrl: string, interfaceName: string, onChange: (ports: readonly number[]) => void): Promise<ProviderWatch> {
    const watch = new ProviderWatch(registryUrl, onChange);
    const url = consumerUrl({ host: '127.0.0.1', interfaceName, application: 'quickstart-observer' });
    watch.unsubscribe = await watch.registry.subscribe(url, (providers) => watch.update(providers));
    return watch;
  }

  /** Ports of the registered providers, ascending. */
  get current(): readonly number[] {
    return this.ports;
  }

  /** Resolves once the list passes `test`; rejects after `timeoutMs`. */
  until(test: (ports: readonly number[]) => boolean, timeoutMs: number, what: string): Promise<void> {
    if (test(this.ports)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the registry did not report ${what} within ${timeoutMs} ms`)), timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push({ test, resolve: done });
    });
  }

  async close(): Promise<void> {
    await this.unsubscribe?.();
    await this.registry.close();
  }

  private update(providers: readonly ServiceUrl[]): void {
    this.ports = providers.map((url) => url.port).sort((a, b) => a - b);
    this.onChange(this.ports);
    const met = this.waiters.filter((waiter) => waiter.test(this.ports));
    this.waiters = this.waiters.filter((waiter) => !met.includes(waiter));
    for (const waiter of met) waiter.resolve();
  }
}
