/**
 * Options every server-backed registry reads from its own URL, validated once.
 * `zookeeper://127.0.0.1:2181?timeout=5s&group=dubbo`
 */
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import { parseDurationMs } from './deadline.js';
import { DEFAULT_ROOT } from './registry-path.js';
import type { ServiceUrl } from './service-url.js';

export interface RegistryOptions {
  /** `group` param: the root node, default `dubbo`. */
  root: string;
  /** `timeout` param: bound on connecting and on each call, ms. Default 5000 (dubbo-go's registry timeout). */
  timeoutMs: number;
  /** `retry.delay` param: wait before retrying a failed re-registration, ms. Default 1000. */
  retryDelayMs: number;
}

export function readRegistryOptions(url: ServiceUrl): RegistryOptions {
  const root = url.getParam('group', DEFAULT_ROOT);
  if (!/^[^/]+$/.test(root)) throw new RpcError(ErrorCode.BAD_URL, `bad registry group '${root}' in ${url.toString()}`);
  return {
    root,
    timeoutMs: parseDurationMs(url.getParam('timeout'), 5000, 'timeout'),
    retryDelayMs: parseDurationMs(url.getParam('retry.delay'), 1000, 'retry.delay'),
  };
}

/** `host:port,host:port` with the default port filled in; BAD_URL when no host is given. */
export function serverList(url: ServiceUrl, defaultPort: number): string[] {
  const entries = url.address.split(',').map((entry) => entry.trim()).filter(Boolean);
  if (entries.length === 0 || entries.some((entry) => entry.startsWith(':'))) {
    throw new RpcError(ErrorCode.BAD_URL, `registry URL names no server: ${url.toString()}`);
  }
  return entries.map((entry) => (/:\d+$/.test(entry) && !/^[^[]*:[^:]*:/.test(entry) ? entry : `${entry}:${defaultPort}`));
}

export function closedError(what: string): RpcError {
  return new RpcError(ErrorCode.REGISTRY_CLOSED, `${what}: registry closed`);
}
