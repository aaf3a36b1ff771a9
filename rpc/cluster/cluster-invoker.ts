/**
 * What every strategy shares: listing the directory, choosing a provider with
 * the configured load balancer (avoiding ones already tried), and counting
 * each attempt in RpcStatus for `leastactive` and `p2c`.
 */
import { performance } from 'node:perf_hooks';
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import type { Invocation } from '../invocation.js';
import type { Invoker } from '../invoker.js';
import { wasNeverSent } from '../never-sent.js';
// Balancers are named by URL params, so every built-in one must be registered before a call.
import '../load-balance/index.js';
import { DEFAULT_LOAD_BALANCE, getLoadBalance } from '../load-balance/load-balance.js';
import { RpcStatus } from '../load-balance/rpc-status.js';
import { recordAttempt } from './attempted-provider.js';
import type { Directory } from './directory/directory.js';
import { callNumberParam, callParam } from './reference-params.js';

export abstract class ClusterInvoker implements Invoker {
  private destroyed = false;

  constructor(readonly directory: Directory) {}

  /** The consumer's reference URL. */
  get url() {
    return this.directory.url;
  }

  protected get isDestroyed(): boolean {
    return this.destroyed;
  }

  isAvailable(): boolean {
    return !this.destroyed && this.directory.isAvailable();
  }

  /** Destroys the directory too (and so the provider invokers). Idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.directory.destroy();
  }

  /** Not `async`: a synchronous failure becomes a rejection here, without a promise layer per call. */
  invoke(invocation: Invocation): Promise<unknown> {
    try {
      if (this.destroyed) throw new RpcError(ErrorCode.CLIENT_CLOSED, `reference to ${invocation.interfaceName} is destroyed`);
      throwIfCancelled(invocation);
      return this.doInvoke(invocation);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  protected abstract doInvoke(invocation: Invocation): Promise<unknown>;

  /** The directory's invokers; NO_PROVIDER when there are none. */
  protected listInvokers(invocation: Invocation): readonly Invoker[] {
    const invokers = this.destroyed ? [] : this.directory.list(invocation);
    if (invokers.length === 0) {
      const seen = this.destroyed ? undefined : this.directory.describeEmpty?.();
      throw new RpcError(ErrorCode.NO_PROVIDER, `no provider available for ${serviceOf(invocation)}${seen ? `: ${seen}` : ''}`);
    }
    return invokers;
  }

  /**
   * Picks one invoker, preferring available ones not in `tried`. When every
   * invoker reports unavailable they are all offered anyway: a provider that
   * is reconnecting may answer, and its own error says more than NO_PROVIDER.
   */
  protected select(invokers: readonly Invoker[], invocation: Invocation, tried?: ReadonlySet<Invoker>): Invoker {
    // One provider is chosen whatever its state (see above): skip the two filtered copies.
    if (invokers.length === 1) return invokers[0]!;
    const available = invokers.filter((invoker) => invoker.isAvailable());
    const usable = available.length > 0 ? available : invokers;
    const fresh = tried ? usable.filter((invoker) => !tried.has(invoker)) : usable;
    const pool = fresh.length > 0 ? fresh : usable;
    if (pool.length === 1) return pool[0]!;
    return this.loadBalanceFor(pool, invocation).select(pool, invocation) ?? pool[0]!;
  }

  /**
   * One call on one provider, counted in RpcStatus; always rejects with an
   * RpcError. One `then`, no `async` layer (docs/performance.md, "RPC call path").
   * With `recover`, a failure is handed to it in that same `then` with the
   * provider that failed, so a retry costs no second promise layer on every call.
   *
   * A provider retired between its selection and the send (its client closed,
   * the request never left this process: `wasRetiredBeforeSend`) is not the
   * call's failure: the call goes once to another available provider, and only
   * that attempt's outcome counts. Picking again is no retry, so it happens even
   * with `retries: 0` — as Java Dubbo's `AbstractClusterInvoker#doSelect`
   * reselects an invoker that is no longer available.
   */
  protected attempt(invoker: Invoker, invocation: Invocation, recover?: Recover): Promise<unknown> {
    return this.attemptOn(invoker, invocation, recover, this.reroutesRetired);
  }

  /**
   * Whether `attempt` routes a call whose provider was retired before the send to
   * another provider. Off where the strategy addresses providers itself
   * (broadcast calls each one; forking has chosen its forks).
   */
  protected get reroutesRetired(): boolean {
    return true;
  }

  private attemptOn(invoker: Invoker, invocation: Invocation, recover: Recover | undefined, mayReroute: boolean): Promise<unknown> {
    const status = RpcStatus.of(invoker.url, invocation.methodName);
    status.active++;
    recordAttempt(invocation, invoker.url);
    const started = performance.now();
    const failed = (err: unknown): Promise<unknown> => {
      status.record(performance.now() - started, false);
      const error = RpcError.from(err);
      const other = mayReroute && wasRetiredBeforeSend(invoker, error) ? this.reselect(invocation) : undefined;
      if (other) return this.attemptOn(other, invocation, recover, false);
      return recover ? recover(error, invoker) : Promise.reject(error);
    };
    let result: Promise<unknown>;
    try {
      result = invoker.invoke(invocation);
    } catch (err) {
      return failed(err);
    }
    return result.then((value) => {
      status.record(performance.now() - started, true);
      return value;
    }, failed);
  }

  /**
   * An available provider from a fresh listing (the retired one is not available, and a destroyed
   * reference's providers are destroyed); undefined when there is none or the call was cancelled.
   */
  private reselect(invocation: Invocation): Invoker | undefined {
    if (invocation.signal?.aborted) return undefined;
    let listed: readonly Invoker[];
    try {
      listed = this.directory.list(invocation);
    } catch {
      return undefined;
    }
    const others = listed.filter((invoker) => invoker.isAvailable());
    return others.length > 0 ? this.select(others, invocation) : undefined;
  }

  /** A numeric setting for this call: the rules' on the first provider, the reference URL, the first provider's URL, then `fallback`. */
  protected numberParam(invocation: Invocation, invokers: readonly Invoker[], key: string, fallback: number): number {
    return callNumberParam(this.url, invokers[0], invocation.methodName, key, fallback);
  }

  /**
   * The consumer's balancer names were checked at refer(); a name only a
   * provider's URL or a rule gives (another framework's balancer) falls back
   * to the default rather than failing every call.
   */
  private loadBalanceFor(invokers: readonly Invoker[], invocation: Invocation) {
    const name = callParam(this.url, invokers[0], invocation.methodName, 'loadbalance');
    try {
      return getLoadBalance(name || DEFAULT_LOAD_BALANCE);
    } catch {
      return getLoadBalance(DEFAULT_LOAD_BALANCE);
    }
  }
}

/** What a strategy does with a failed attempt: given the error and the provider that failed. */
export type Recover = (err: RpcError, failed: Invoker) => Promise<unknown>;

/** The attempt failed because its provider's client was closed (retired) before the call was sent. */
function wasRetiredBeforeSend(invoker: Invoker, err: RpcError): boolean {
  return err.code === ErrorCode.CLIENT_CLOSED && wasNeverSent(err) && !invoker.isAvailable();
}

export function throwIfCancelled(invocation: Invocation): void {
  if (invocation.signal?.aborted) {
    throw new RpcError(ErrorCode.CANCELLED, `call to ${serviceOf(invocation)} was cancelled`, { cause: invocation.signal.reason });
  }
}

export function serviceOf(invocation: Invocation): string {
  return `${invocation.interfaceName}.${invocation.methodName}`;
}
