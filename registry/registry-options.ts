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

/**
 * Ends a call that was still in flight when close() ran. close() cannot stop
 * what the call had not yet handed over (a watch still starting, a node or key
 * still being written), so once `work` settles on a closed registry, `stop`
 * undoes what it started and the call fails as closed, naming it; a failure
 * caused by the close (a connection it shut) is reported as closed too.
 */
export async function unlessClosed<T>(isClosed: () => boolean, what: string, work: Promise<T>, stop: (started: T) => unknown = () => undefined): Promise<T> {
  let started: T;
  try {
    started = await work;
  } catch (err) {
    throw isClosed() ? closedError(what) : err;
  }
  if (!isClosed()) return started;
  await stop(started);
  throw closedError(what);
}

/** A subscription's listener, silent once the registry is closed: a watch still starting when close() ran may read (and deliver) before it is stopped. */
export function whileOpen<A extends unknown[]>(isClosed: () => boolean, listener: (...args: A) => void): (...args: A) => void {
  return (...args) => {
    if (!isClosed()) listener(...args);
  };
}
