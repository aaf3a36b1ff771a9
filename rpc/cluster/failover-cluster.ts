/**
 * `failover`, the default (dubbo-go cluster/cluster/failover): on a failure another attempt may
 * cure, try again, up to `retries` more times (default 2, so 3 attempts), each
 * time re-listing the directory and preferring a provider not tried yet.
 *
 * Unlike Java Dubbo and dubbo-go, which re-send after any non-business
 * failure, a failure after the request may have reached a provider (TIMEOUT, a
 * connection dropped after the write) is re-sent only when the method is
 * idempotent or `retries` was set explicitly (retriable-error.ts). Every
 * attempt runs inside the call's one deadline (Invocation.deadline): no
 * attempt starts once it has passed, and the pause between attempts
 * (`retrybackoff`, default 0) never outlasts it.
 */
import { performance } from 'node:perf_hooks';
import { RpcError } from '../../common/rpc-error.js';
import { type Invocation, MIN_ATTEMPT_MS } from '../invocation.js';
import type { Invoker } from '../invoker.js';
import { type Cluster, registerCluster } from './cluster.js';
import { ClusterInvoker, serviceOf, throwIfCancelled } from './cluster-invoker.js';
import type { Directory } from './directory/directory.js';
import { methodParam } from './method-param-cache.js';
import { callParam, ruleParam } from './reference-params.js';
import { isRetriable, mayRetry } from './retriable-error.js';

/** Retries after the first attempt when no `retries` param is set (dubbo-go `common/constant/default.go`). */
export const DEFAULT_RETRIES = 2;
/** Base pause before a retry when no `retrybackoff` param is set, ms: none, as in Dubbo (failover picks another provider). */
export const DEFAULT_RETRY_BACKOFF_MS = 0;

/** What a failed call may do next; read only once a first attempt failed. */
interface RetryPolicy {
  readonly attempts: number;
  /** A call that may have reached a provider may be sent again. */
  readonly resendAllowed: boolean;
  readonly backoffMs: number;
}

/** Why the retries stopped, said in the error. */
type StopReason = 'unsafe' | 'deadline' | undefined;

export class FailoverClusterInvoker extends ClusterInvoker {
  /** The first attempt costs one `then` (no `async` loop); only a failure reads the retry settings. */
  protected doInvoke(invocation: Invocation): Promise<unknown> {
    const invokers = this.listInvokers(invocation);
    const first = this.select(invokers, invocation);
    return this.attempt(first, invocation, (err, failed) => this.retry(invocation, invokers, new Set([first, failed]), err));
  }

  /** `tried`: the first provider chosen and, when it was retired before the send, the one the call went to instead. */
  private async retry(invocation: Invocation, invokers: readonly Invoker[], tried: Set<Invoker>, firstError: RpcError): Promise<unknown> {
    throwIfCancelled(invocation);
    const policy = this.policyOf(invocation, invokers);
    let lastError = firstError;
    let stopped: StopReason;
    for (let attempt = 1; attempt < policy.attempts && isRetriable(lastError); attempt++) {
      if (!mayRetry(lastError, policy.resendAllowed)) {
        stopped = 'unsafe';
        break;
      }
      if (!(await pause(invocation, policy.backoffMs, attempt))) {
        stopped = 'deadline';
        break;
      }
      const invoker = this.select(this.relist(invocation, lastError), invocation, tried);
      tried.add(invoker);
      try {
        return await this.attempt(invoker, invocation);
      } catch (err) {
        lastError = err as RpcError;
      }
    }
    if (!isRetriable(lastError)) throw lastError;
    throw exhausted(lastError, invocation, tried, stopped);
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

  /**
   * Attempts: the call's `retries`, else a governance rule's, else the
   * method's or reference's (consumer URL, then provider URL), else
   * DEFAULT_RETRIES. Re-sending is allowed when the call, a rule or the
   * consumer set `retries` themselves, or `idempotent=true`.
   */
  private policyOf(invocation: Invocation, invokers: readonly Invoker[]): RetryPolicy {
    const method = invocation.methodName;
    const retries = invocation.retries ?? this.numberParam(invocation, invokers, 'retries', DEFAULT_RETRIES);
    const explicit = invocation.retries !== undefined || ruleParam(invokers[0], method, 'retries') !== undefined || methodParam(this.url, method, 'retries') !== undefined;
    const idempotent = callParam(this.url, invokers[0], method, 'idempotent') === 'true';
    return {
      attempts: Math.max(0, Math.floor(retries)) + 1,
      resendAllowed: explicit || idempotent,
      backoffMs: Math.max(0, this.numberParam(invocation, invokers, 'retrybackoff', DEFAULT_RETRY_BACKOFF_MS)),
    };
  }
}

/**
 * Waits before retry number `attempt`: `backoffMs` doubled per retry, times a
 * random 0.5–1.5 (jitter, so callers failed together do not retry together).
 * False, at once, when what is left of the deadline would not cover the pause.
 */
function pause(invocation: Invocation, backoffMs: number, attempt: number): boolean | Promise<boolean> {
  const left = invocation.deadline === undefined ? Number.POSITIVE_INFINITY : invocation.deadline - performance.now();
  if (left < MIN_ATTEMPT_MS) return false;
  if (backoffMs <= 0) return true;
  const delayMs = backoffMs * 2 ** (attempt - 1) * (0.5 + Math.random());
  if (delayMs + MIN_ATTEMPT_MS > left) return false;
  // A plain (ref'd) timer, only on the retry path: the wheel is unref'd, and a call
  // waiting to retry, with no connection left open, must still keep the process alive.
  return new Promise((resolve) => setTimeout(resolve, delayMs, true));
}

const STOP_NOTES: Record<Exclude<StopReason, undefined>, string> = {
  unsafe: ' (not re-sent: the provider may have run it; mark the method idempotent or set retries to allow that)',
  deadline: " (no retry: the call's timeoutMs budget is spent)",
};

/** Keeps the last error's code (callers branch on it) and says what was tried and why it stopped. */
function exhausted(last: RpcError, invocation: Invocation, tried: ReadonlySet<Invoker>, stopped: StopReason): RpcError {
  const providers = [...tried].map((invoker) => invoker.url.address).join(', ');
  const note = stopped ? STOP_NOTES[stopped] : '';
  const message = `${serviceOf(invocation)} failed on ${tried.size} provider(s) [${providers}]: ${last.message}${note}`;
  return new RpcError(last.code, message, { cause: last, remoteType: last.remoteType, status: last.status });
}

export class FailoverCluster implements Cluster {
  join(directory: Directory): FailoverClusterInvoker {
    return new FailoverClusterInvoker(directory);
  }
}

registerCluster('failover', () => new FailoverCluster());

