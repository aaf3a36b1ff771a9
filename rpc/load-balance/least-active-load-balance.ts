/**
 * `leastactive`: the provider with the fewest calls in flight for this method
 * (counted in RpcStatus by the cluster invoker); ties are broken by weighted
 * random (dubbo-go `cluster/loadbalance/leastactive/`).
 */
import type { Invocation } from '../invocation.js';
import type { Invoker } from '../invoker.js';
import { type LoadBalance, registerLoadBalance } from './load-balance.js';
import { pickWeighted, type RandomSource } from './random-load-balance.js';
import { RpcStatus } from './rpc-status.js';

export class LeastActiveLoadBalance implements LoadBalance {
  constructor(private readonly random: RandomSource = Math.random) {}

  select(invokers: readonly Invoker[], invocation: Invocation): Invoker | undefined {
    if (invokers.length <= 1) return invokers[0];
    const idlest = leastActive(invokers, invocation.methodName);
    return idlest.length === 1 ? idlest[0] : pickWeighted(idlest, invocation, this.random);
  }
}

function leastActive(invokers: readonly Invoker[], method: string): Invoker[] {
  let least = Number.POSITIVE_INFINITY;
  let idlest: Invoker[] = [];
  for (const invoker of invokers) {
    const active = RpcStatus.of(invoker.url, method).active;
    if (active < least) [least, idlest] = [active, [invoker]];
    else if (active === least) idlest.push(invoker);
  }
  return idlest;
}

registerLoadBalance('leastactive', () => new LeastActiveLoadBalance());
