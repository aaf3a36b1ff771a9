/**
 * `methodParam` with a memo per URL: a ServiceUrl is immutable (frozen
 * params), so what a method's setting resolves to never changes for one URL
 * object. A directory change brings new URL objects and so fresh entries; the
 * old ones go with their URLs (WeakMap). This takes the three string concats
 * and frozen-object lookups off every call (docs/performance.md "RPC call path").
 */
import type { ServiceUrl } from '../../registry/service-url.js';

/** method → key → value (undefined cached too, hence `has`). */
type MethodParams = Map<string, Map<string, string | undefined>>;

const memo = new WeakMap<ServiceUrl, MethodParams>();
/** Methods memoized per URL at most: a reference by name accepts any method name, so the memo is bounded. */
const MAX_METHODS_PER_URL = 512;

/** `methods.<m>.<key>` (dubbo-go), then `<m>.<key>` (Java), then `<key>` on one URL. */
export function methodParam(url: ServiceUrl, method: string, key: string): string | undefined {
  const byKey = keysOf(url, method);
  if (!byKey) return lookup(url, method, key);
  if (byKey.has(key)) return byKey.get(key);
  const value = lookup(url, method, key);
  byKey.set(key, value);
  return value;
}

/** The memo of `method` on `url`; undefined once the URL has MAX_METHODS_PER_URL others. */
function keysOf(url: ServiceUrl, method: string): Map<string, string | undefined> | undefined {
  let methods = memo.get(url);
  if (!methods) memo.set(url, (methods = new Map()));
  let byKey = methods.get(method);
  if (!byKey && methods.size < MAX_METHODS_PER_URL) methods.set(method, (byKey = new Map()));
  return byKey;
}

function lookup(url: ServiceUrl, method: string, key: string): string | undefined {
  return url.getParam(`methods.${method}.${key}`) ?? url.getParam(`${method}.${key}`) ?? url.getParam(key);
}
