/**
 * Where a service URL lives in a tree-shaped registry (ZooKeeper znodes, etcd
 * keys, file-registry folders), following dubbo-go's layout (dubbo-go `registry/base_registry.go`):
 * `/<root>/<QueryEscape(interface)>/<category>/<QueryEscape(rawURL)>`.
 */
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import { ServiceUrl } from './service-url.js';

/** The registry root when the registry URL gives no `group` param (dubbo-go `registry/base_registry.go`). */
export const DEFAULT_ROOT = 'dubbo';

export const PROVIDERS = 'providers';
export const CONSUMERS = 'consumers';

/** Go's `url.QueryEscape`: everything but `A-Z a-z 0-9 - _ . ~` is %XX, space is `+`. */
export function queryEscape(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** Go's `url.QueryUnescape`; throws BAD_URL on a malformed escape. */
export function queryUnescape(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch (err) {
    throw new RpcError(ErrorCode.BAD_URL, `bad escape in registry node name: ${text.slice(0, 200)}`, { cause: err });
  }
}

/** `providers` unless the URL says it is a consumer (`side=consumer` or a `category` param). */
export function categoryOf(url: ServiceUrl): string {
  const category = url.getParam('category');
  if (category) return category;
  return url.getParam('side') === 'consumer' || url.protocol === 'consumer' ? CONSUMERS : PROVIDERS;
}

/** `/<root>/<interface>/<category>`; throws BAD_URL when the URL names no interface. */
export function categoryPath(root: string, url: ServiceUrl, category: string = categoryOf(url)): string {
  const service = url.interfaceName;
  if (!service) throw new RpcError(ErrorCode.BAD_URL, `URL names no interface: ${url.toString()}`);
  // dubbo-go escapes the whole service name, so '$' (inner classes) becomes %24 as well.
  return `/${root}/${queryEscape(service)}/${category}`;
}

/** The full node path of a registered URL. */
export function nodePath(root: string, url: ServiceUrl): string {
  return `${categoryPath(root, url)}/${queryEscape(rawUrlString(url))}`;
}

/**
 * The URL as dubbo-go writes it into a node name: sorted params, empty values
 * dropped, values left readable (`methods=a,b`, not `a%2Cb`). Only the
 * characters that would break the query apart (`% & = # +` and whitespace) are
 * escaped, so every name parses back to the same URL.
 */
export function rawUrlString(url: ServiceUrl): string {
  return urlText(url, () => true);
}

/**
 * Params that differ each time the same registration's URL is built:
 * `timestamp` is the build time in unix seconds (dubbo-go `registry/base_registry.go`).
 */
const VOLATILE_PARAMS = new Set(['timestamp']);

/**
 * What identifies a registration: the URL without its volatile params, so
 * `unregister(url)` finds what `register(url')` published when url' was
 * built in an earlier second (else a URL rebuilt a second later would
 * unregister nothing and leave the entry listed).
 */
export function registrationKey(url: ServiceUrl): string {
  return urlText(url, (key) => !VOLATILE_PARAMS.has(key));
}

function urlText(url: ServiceUrl, keep: (key: string) => boolean): string {
  const query = Object.keys(url.params)
    .filter((key) => url.params[key] !== '' && keep(key))
    .sort()
    .map((key) => `${escapeQueryPart(key)}=${escapeQueryPart(url.params[key]!)}`)
    .join('&');
  const path = url.path ? `/${url.path}` : '';
  return `${url.protocol}://${url.address}${path}${query ? `?${query}` : ''}`;
}

function escapeQueryPart(text: string): string {
  return text.replace(/[%&=#+\s]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** Decodes a node name back into its URL; throws BAD_URL for names that are no URL. */
export function decodeNodeName(name: string): ServiceUrl {
  return ServiceUrl.parse(queryUnescape(name));
}

/** Decodes node names, skipping (not failing on) names that are not URLs: a registry is shared, foreign junk must not break discovery. */
export function decodeNodeNames(names: Iterable<string>): Map<string, ServiceUrl> {
  const urls = new Map<string, ServiceUrl>();
  for (const name of names) {
    try {
      urls.set(name, decodeNodeName(name));
    } catch {
      // not one of ours, or damaged: ignored
    }
  }
  return urls;
}
