/**
 * Direct provider lists, for deployments without a registry:
 * `dubbo://10.0.0.1:20880,10.0.0.2:20880/org.example.Greeter?serialization=hessian2`.
 * `lookup` and `subscribe` give one provider URL per listed address (with the
 * list's path and params, or the consumer's interface when the list has no
 * path); the list never changes, and `register` does nothing.
 */
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import { ProviderList } from './provider-list.js';
import { type ProviderListener, type Registry, registerRegistryType, type Unsubscribe } from './registry.js';
import { closedError } from './registry-options.js';
import { ServiceUrl } from './service-url.js';

export class DirectRegistry implements Registry {
  private readonly addresses: { host: string; port: number }[];
  private closed = false;

  constructor(readonly url: ServiceUrl) {
    this.addresses = url.address.split(',').map((entry) => parseAddress(entry, url));
  }

  async register(): Promise<void> {
    this.assertOpen('register');
  }

  async unregister(): Promise<void> {
    this.assertOpen('unregister');
  }

  async subscribe(consumerUrl: ServiceUrl, listener: ProviderListener): Promise<Unsubscribe> {
    this.assertOpen('subscribe');
    const urls = this.providersFor(consumerUrl);
    const list = new ProviderList(consumerUrl.interfaceName, listener);
    list.replace(new Map(urls.map((url) => [url.address, url])));
    return async () => list.stop();
  }

  async lookup(consumerUrl: ServiceUrl): Promise<ServiceUrl[]> {
    this.assertOpen('lookup');
    return this.providersFor(consumerUrl);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private providersFor(consumerUrl: ServiceUrl): ServiceUrl[] {
    const interfaceName = this.url.interfaceName || consumerUrl.interfaceName;
    const protocol = this.url.protocol === 'direct' ? 'dubbo' : this.url.protocol;
    return this.addresses.map(
      ({ host, port }) => new ServiceUrl({ protocol, host, port, path: this.url.path || interfaceName, params: { ...this.url.params, interface: interfaceName } }),
    );
  }

  private assertOpen(what: string): void {
    if (this.closed) throw closedError(what);
  }
}

function parseAddress(entry: string, url: ServiceUrl): { host: string; port: number } {
  const parsed = ServiceUrl.parse(`direct://${entry.trim()}`);
  if (!parsed.host || parsed.port === 0) {
    throw new RpcError(ErrorCode.BAD_URL, `direct provider list needs host:port entries: ${url.toString()}`);
  }
  return { host: parsed.host, port: parsed.port };
}

registerRegistryType('dubbo', (url) => new DirectRegistry(url));
registerRegistryType('direct', (url) => new DirectRegistry(url));
