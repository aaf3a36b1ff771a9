/**
 * Concurrency limits (dubbo-go `filter/`): at most `max` calls in flight per
 * service+method (or per service). On a provider this is Dubbo's `execute`
 * filter; on a consumer, its `actives` filter. A call over the limit fails at
 * once with RpcError LIMIT_EXCEEDED instead of queueing: waiting would need
 * an unbounded queue or a timer per waiter, and the cluster can retry another
 * provider sooner.
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import { type Filter, registerFilter } from '../filter.js';
import { limitKeyOf } from './limit-key.js';

export interface ConcurrencyLimitOptions {
  /** Calls allowed in flight at once (required, ≥ 1). */
  max: number;
  /** Count each method separately (default true). */
  perMethod?: boolean;
}

/** Limits calls in flight; the counters are exposed for tests and metrics. */
export function concurrencyLimitFilter(options: ConcurrencyLimitOptions): Filter {
  if (!Number.isInteger(options?.max) || options.max < 1) {
    throw new RpcError(ErrorCode.INVALID_ARGUMENT, 'concurrency limit needs an integer max ≥ 1');
  }
  const { max } = options;
  const perMethod = options.perMethod ?? true;
  const active = new Map<string, number>();
  return async (invocation, next) => {
    const key = limitKeyOf(invocation, perMethod);
    const count = active.get(key) ?? 0;
    if (count >= max) throw new RpcError(ErrorCode.LIMIT_EXCEEDED, `more than ${max} calls in flight for ${key}`);
    active.set(key, count + 1);
    try {
      return await next(invocation);
    } finally {
      release(active, key);
    }
  };
}


/** Drops keys at zero so the map holds only methods with calls in flight. */
function release(active: Map<string, number>, key: string): void {
  const count = (active.get(key) ?? 1) - 1;
  if (count <= 0) active.delete(key);
  else active.set(key, count);
}

registerFilter('execute', (options) => concurrencyLimitFilter(options as ConcurrencyLimitOptions));
registerFilter('actives', (options) => concurrencyLimitFilter(options as ConcurrencyLimitOptions));
