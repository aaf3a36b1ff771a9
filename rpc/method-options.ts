/**
 * Call settings of one method, given in a definition
 * (`defineService(name, { placeOrder: { params, idempotent: false, retries: 0 } })`)
 * or per reference (`refer(def, { methods: { placeOrder: { timeoutMs: 500 } } })`),
 * as Java Dubbo's `<dubbo:method name="..." timeout retries/>` and dubbo-go's
 * `references.<ref>.methods.<m>.*` settings do
 * (https://dubbo.apache.org/en/overview/mannual/java-sdk/reference-manual/config/properties/,
 * dubbo-go config/method_config.go). The reference's wins over the definition's.
 */
import { ErrorCode, RpcError } from '../common/rpc-error.js';

export interface MethodOptions {
  /** Budget of the whole call, retries and backoff included, in ms (default: the reference's timeoutMs). */
  readonly timeoutMs?: number;
  /** Bound on each attempt inside that budget, in ms (default: none, an attempt may use all that is left). */
  readonly attemptTimeoutMs?: number;
  /**
   * Retries after a failed attempt (failover). Setting it also allows re-sending a
   * call that may have reached a provider (a timeout, a dropped connection); see
   * docs/rpc.md "Deadlines, retries and cancellation".
   */
  readonly retries?: number;
  /** The method may run twice without harm: failures after sending are retried too (default false). */
  readonly idempotent?: boolean;
  /** Base pause before a retry, in ms, doubled per retry with ±50 % jitter (default 0). */
  readonly retryBackoffMs?: number;
  /** Load balancer for this method (default: the reference's). */
  readonly loadbalance?: string;
}

const KEYS: ReadonlySet<string> = new Set(['timeoutMs', 'attemptTimeoutMs', 'retries', 'idempotent', 'retryBackoffMs', 'loadbalance']);

/** Throws INVALID_ARGUMENT for a value out of range; `where` names the method in the message. */
export function checkMethodOptions(where: string, options: MethodOptions): void {
  const bad = (what: string) => new RpcError(ErrorCode.INVALID_ARGUMENT, `${where}: ${what}`);
  for (const key of ['timeoutMs', 'attemptTimeoutMs'] as const) {
    const value = options[key];
    if (value !== undefined && !(typeof value === 'number' && value > 0 && Number.isFinite(value))) {
      throw bad(`${key} must be a positive number, got ${String(value)}`);
    }
  }
  for (const key of ['retries', 'retryBackoffMs'] as const) {
    const value = options[key];
    if (value !== undefined && !(Number.isInteger(value) && value >= 0)) throw bad(`${key} must be an integer >= 0, got ${String(value)}`);
  }
  if (options.idempotent !== undefined && typeof options.idempotent !== 'boolean') throw bad('idempotent must be a boolean');
  if (options.loadbalance !== undefined && (typeof options.loadbalance !== 'string' || options.loadbalance === '')) {
    throw bad('loadbalance must be a balancer name');
  }
}

/** Only the call settings of a method spec (which also holds params, returns ...); undefined when it has none. */
export function pickMethodOptions(spec: object): MethodOptions | undefined {
  let picked: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(spec)) {
    if (KEYS.has(key) && value !== undefined) (picked ??= {})[key] = value;
  }
  return picked as MethodOptions | undefined;
}

/**
 * The consumer URL params of per-method settings, in dubbo-go's
 * `methods.<m>.<key>` form (rpc/cluster/method-param-cache.ts reads them).
 */
export function methodUrlParams(method: string, options: MethodOptions, params: Record<string, string>): void {
  const prefix = `methods.${method}.`;
  if (options.timeoutMs !== undefined) params[`${prefix}timeout`] = String(options.timeoutMs);
  if (options.retries !== undefined) params[`${prefix}retries`] = String(options.retries);
  if (options.idempotent !== undefined) params[`${prefix}idempotent`] = String(options.idempotent);
  if (options.retryBackoffMs !== undefined) params[`${prefix}retrybackoff`] = String(options.retryBackoffMs);
  if (options.loadbalance !== undefined) params[`${prefix}loadbalance`] = options.loadbalance;
}
