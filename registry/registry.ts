/**
 * The registry interface and its factory (dubbo-go `registry/`). Each implementation
 * (zookeeper, etcd, file, direct) is one file that calls `registerRegistryType`
 * when imported; `registry/index.ts` imports them all.
 */
import { DEFAULT_LOGGER, type Logger } from '../common/diagnostics.js';
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import { ServiceUrl } from './service-url.js';

/**
 * Receives the full current provider list of a subscription each time it
 * changes, and once right after subscribing. While the registry is
 * unreachable no (empty) list is delivered: consumers keep the last one.
 */
export type ProviderListener = (providers: readonly ServiceUrl[]) => void;

export type Unsubscribe = () => Promise<void>;

/** Receives a config-center value: its text, or undefined while the key is absent. */
export type ConfigListener = (text: string | undefined) => void;

/** Where config-center rules live (Java Dubbo 3 `TreePathDynamicConfiguration`: root `/dubbo/config`, group `dubbo`). */
export const CONFIG_CENTER_PATH = '/dubbo/config/dubbo';

export interface Registry {
  /** The registry's own URL, e.g. `zookeeper://127.0.0.1:2181`. */
  readonly url: ServiceUrl;
  /** Publishes a provider (`dubbo://...&side=provider`) or consumer URL. */
  register(url: ServiceUrl): Promise<void>;
  /** Removes what `register` published. Unknown URLs are ignored. */
  unregister(url: ServiceUrl): Promise<void>;
  /** Watches the providers of the consumer URL's interface. */
  subscribe(consumerUrl: ServiceUrl, listener: ProviderListener): Promise<Unsubscribe>;
  /**
   * Watches another category under the interface (`configurators`,
   * `routers`): the full list now and after every change, as `subscribe`
   * does for `providers`. Optional: registries without it carry no
   * registry-form governance rules.
   */
  subscribeCategory?(consumerUrl: ServiceUrl, category: string, listener: ProviderListener): Promise<Unsubscribe>;
  /**
   * Watches the config-center value `CONFIG_CENTER_PATH/<key>`: called with
   * its text now and after every change (undefined while absent). Optional.
   */
  watchConfig?(key: string, listener: ConfigListener): Promise<Unsubscribe>;
  /** The providers of the URL's interface right now. */
  lookup(consumerUrl: ServiceUrl): Promise<ServiceUrl[]>;
  /** Unregisters everything this instance registered and releases it. Idempotent. */
  close(): Promise<void>;
}

/** The node of a config-center key; BAD_URL for keys that would leave the folder. */
export function configPath(key: string): string {
  if (key === '' || key.includes('/') || key === '.' || key === '..' || key.length > 512) {
    throw new RpcError(ErrorCode.BAD_URL, `bad config-center key '${key.slice(0, 100)}'`);
  }
  return `${CONFIG_CENTER_PATH}/${key}`;
}

/** What a registry is given besides its URL. */
export interface RegistryHooks {
  /** Where outages are told (default: silent except warnings, common/diagnostics.ts). */
  logger?: Logger;
}

export type RegistryFactory = (url: ServiceUrl, hooks: Required<RegistryHooks>) => Registry;

const factories = new Map<string, RegistryFactory>();

/** Called by each implementation's file, e.g. `registerRegistryType('zookeeper', ...)`. */
export function registerRegistryType(protocol: string, factory: RegistryFactory): void {
  factories.set(protocol, factory);
}

/** The registry types known now (each implementation's file registers its own). */
export function registryTypes(): string[] {
  return [...factories.keys()];
}

/**
 * Checks registry URLs when they are given (a server or client constructor),
 * so a typo such as `zk://` fails there with the known types listed instead
 * of inside start(). Returns the URLs as given.
 */
export function checkRegistryUrls(urls: readonly string[]): readonly string[] {
  for (const url of urls) {
    const { protocol } = ServiceUrl.parse(url);
    if (!factories.has(protocol)) {
      throw new RpcError(ErrorCode.INVALID_ARGUMENT, `no registry type '${protocol}' in ${url} (known: ${registryTypes().join(', ')})`);
    }
  }
  return urls;
}

/** Creates a registry for `zookeeper://`, `etcd://`, `file://`, `dubbo://` ... URLs. */
export function createRegistry(url: string | ServiceUrl, hooks: RegistryHooks = {}): Registry {
  const parsed = typeof url === 'string' ? ServiceUrl.parse(url) : url;
  const factory = factories.get(parsed.protocol);
  if (!factory) {
    throw new RpcError(ErrorCode.INVALID_ARGUMENT, `no registry type '${parsed.protocol}' (known: ${registryTypes().join(', ')})`);
  }
  return factory(parsed, { logger: hooks.logger ?? DEFAULT_LOGGER });
}
