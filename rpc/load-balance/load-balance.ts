/**
 * Load balancing: picks one invoker out of a directory's list for one call
 * (dubbo-go `cluster/loadbalance/loadbalance.go`). Each balancer is one file that calls
 * `registerLoadBalance(name, factory)` when imported; rpc/cluster/index.ts
 * imports them all.
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import type { Invocation } from '../invocation.js';
import type { Invoker } from '../invoker.js';

export interface LoadBalance {
  /** One of `invokers`, or undefined when the list is empty. */
  select(invokers: readonly Invoker[], invocation: Invocation): Invoker | undefined;
}

export type LoadBalanceFactory = () => LoadBalance;

/** The balancer used when neither the reference nor the provider names one (dubbo-go `common/constant/default.go`). */
export const DEFAULT_LOAD_BALANCE = 'random';

const factories = new Map<string, LoadBalanceFactory>();
/** Balancers keep per-service state (round-robin, hash rings), so one instance per name is shared. */
const instances = new Map<string, LoadBalance>();

/** Called by each balancer's own file. A later registration replaces an earlier one. */
export function registerLoadBalance(name: string, factory: LoadBalanceFactory): void {
  factories.set(name, factory);
  instances.delete(name);
}

/** The shared balancer registered as `name`; throws INVALID_ARGUMENT for unknown names. */
export function getLoadBalance(name: string): LoadBalance {
  const existing = instances.get(name);
  if (existing) return existing;
  const factory = factories.get(name);
  if (!factory) {
    throw new RpcError(ErrorCode.INVALID_ARGUMENT, `no load balance '${name}' (known: ${loadBalanceNames().join(', ')})`);
  }
  const created = factory();
  instances.set(name, created);
  return created;
}

/** Names of every registered balancer. */
export function loadBalanceNames(): string[] {
  return [...factories.keys()];
}
