/**
 * Filters: ONE interceptor shape for both sides (style-anchors lesson 11),
 * dubbo-go's filter chain (go-anchors §5.3) as async middleware.
 *
 * The onion model: `use(a); use(b)` makes `a` the outermost layer.
 *
 * ```
 * a ─▶ b ─▶ (consumer: cluster + wire | provider: the service method)
 * a ◀─ b ◀─ result or RpcError
 * ```
 *
 * A filter may change the invocation before calling `next`, change the result
 * after it, or answer without calling `next` at all (echo, token, limits). It
 * must reject with an RpcError; anything else is wrapped as SERVER_ERROR (on a
 * provider) or passed through as-is to the caller.
 */
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import type { Invocation } from './invocation.js';

/** The rest of the chain after a filter. */
export type Next = (invocation: Invocation) => Promise<unknown>;

/** A consumer or provider interceptor. */
export type Filter = (invocation: Invocation, next: Next) => Promise<unknown>;

/** Builds `filters[0](filters[1](...(terminal)))`; the chain is built once, not per call. */
export function composeFilters(filters: readonly Filter[], terminal: Next): Next {
  let next = terminal;
  for (let i = filters.length - 1; i >= 0; i--) next = bindFilter(filters[i]!, next);
  return next;
}

function bindFilter(filter: Filter, next: Next): Next {
  return (invocation) => filter(invocation, next);
}

/** Filters are functions `(invocation, next) => Promise`; anything else fails when given (INVALID_ARGUMENT), not per call. */
export function checkFilters<F extends readonly Filter[]>(filters: F): F {
  for (const filter of filters) {
    if (typeof filter !== 'function') {
      throw new RpcError(ErrorCode.INVALID_ARGUMENT, `a filter must be a function (invocation, next) => Promise, got ${typeof filter}`);
    }
  }
  return filters;
}

/** Makes a filter from options; every built-in registers one under its Dubbo key. */
export type FilterFactory = (options?: unknown) => Filter;

const factories = new Map<string, FilterFactory>();

/** Registers a named filter factory (built-ins do so from their own file). */
export function registerFilter(name: string, factory: FilterFactory): void {
  factories.set(name, factory);
}

/** Creates a registered filter by name; unknown names throw INVALID_ARGUMENT. */
export function createFilter(name: string, options?: unknown): Filter {
  const factory = factories.get(name);
  if (!factory) throw new RpcError(ErrorCode.INVALID_ARGUMENT, `unknown filter: ${name}`);
  return factory(options);
}

/** Names of every registered filter. */
export function filterNames(): string[] {
  return [...factories.keys()];
}
