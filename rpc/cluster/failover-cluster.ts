/**
 * `failover`, the default (go-anchors §5.1): on a retriable failure try again,
 * up to `retries` more times (default 2, so 3 attempts), each time re-listing
 * the directory and preferring a provider not tried yet. A business error
 * (SERVICE_ERROR) and the other final codes in retriable-error.ts end the call
 * at once.
 */
import { RpcError } from '../../common/rpc-error.js';
import type { Invocation } from '../invocation.js';
import type { Invoker } from '../invoker.js';
import { type Cluster, registerCluster } from './cluster.js';
import { ClusterInvoker, serviceOf, throwIfCancelled } from './cluster-invoker.js';
import type { Directory } from './directory.js';
import { isRetriable } from './retriable-error.js';

/** Retries after the first attempt when no `retries` param is set (go-anchors §5.5). */
export const DEFAULT_RETRIES = 2;

export class FailoverClusterInvoker extends ClusterInvoker {
  /** The first attempt costs one `then` (no `async` loop); only a failure enters the retry loop. */
  protected doInvoke(invocation: Invocation): Promise<unknown> {
    const invokers = this.listInvokers(invocation);
    const attempts = this.retries(invocation, invokers) + 1;
    const first = this.select(invokers, invocation);
    return this.attempt(first, invocation, (err) => this.retry(invocation, attempts, first, err));
  }

  private async retry(invocation: Invocation, attempts: number, first: Invoker, firstError: RpcError): Promise<unknown> {
    const tried = new Set<Invoker>([first]);
    let lastError = firstError;
    for (let attempt = 1; attempt < attempts && isRetriable(lastError); attempt++) {
      const invoker = this.select(this.relist(invocation, lastError), invocation, tried);
      tried.add(invoker);
      try {
        return await this.attempt(invoker, invocation);
      } catch (err) {
        lastError = err as RpcError;
      }
    }
    if (!isRetriable(lastError)) throw lastError;
    throw exhausted(lastError, invocation, tried);
  }

  /** Providers may have come or gone since the last attempt; a cancelled call stops here. */
  private relist(invocation: Invocation, lastError: RpcError): readonly Invoker[] {
    throwIfCancelled(invocation);
    try {
      return this.listInvokers(invocation);
    } catch {
      throw lastError;
    }
  }

  private retries(invocation: Invocation, invokers: readonly Invoker[]): number {
    const fromAttachment = Number(invocation.attachments['retries']);
    const fallback = Number.isInteger(fromAttachment) ? fromAttachment : DEFAULT_RETRIES;
    return Math.max(0, Math.floor(this.numberParam(invocation, invokers, 'retries', fallback)));
  }
}

/** Keeps the last error's code (callers branch on it) and says what was tried. */
function exhausted(last: RpcError, invocation: Invocation, tried: ReadonlySet<Invoker>): RpcError {
  const providers = [...tried].map((invoker) => invoker.url.address).join(', ');
  const message = `${serviceOf(invocation)} failed on ${tried.size} provider(s) [${providers}]: ${last.message}`;
  return new RpcError(last.code, message, { cause: last, remoteType: last.remoteType, status: last.status });
}

export class FailoverCluster implements Cluster {
  join(directory: Directory): FailoverClusterInvoker {
    return new FailoverClusterInvoker(directory);
  }
}

registerCluster('failover', () => new FailoverCluster());
