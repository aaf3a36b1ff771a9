/**
 * `p2c`: power of two choices (dubbo-go `cluster/loadbalance/p2c/`). Two distinct providers are
 * drawn at random and the less loaded one wins; load = (calls in flight + 1)
 * × mean latency from RpcStatus. A provider with no finished call yet has no
 * latency to compare and is chosen directly, as dubbo-go does, so newcomers
 * get traffic.
 */
import type { Invocation } from '../invocation.js';
import type { Invoker } from '../invoker.js';
import { type LoadBalance, registerLoadBalance } from './load-balance.js';
import type { RandomSource } from './random-load-balance.js';
import { RpcStatus } from './rpc-status.js';

export class P2cLoadBalance implements LoadBalance {
  constructor(private readonly random: RandomSource = Math.random) {}

  select(invokers: readonly Invoker[], invocation: Invocation): Invoker | undefined {
    if (invokers.length <= 1) return invokers[0];
    const first = Math.floor(this.random() * invokers.length);
    // Draw the second from the other n-1 slots so the two are always distinct.
    const second = (first + 1 + Math.floor(this.random() * (invokers.length - 1))) % invokers.length;
    return lessLoaded(invokers[first]!, invokers[second]!, invocation.methodName);
  }
}

function lessLoaded(a: Invoker, b: Invoker, method: string): Invoker {
  const statusA = RpcStatus.of(a.url, method);
  const statusB = RpcStatus.of(b.url, method);
  if (statusA.total === 0) return a;
  if (statusB.total === 0) return b;
  return load(statusB) < load(statusA) ? b : a;
}

function load(status: RpcStatus): number {
  return (status.active + 1) * Math.max(status.latencyEwmaMs, 0.001);
}

registerLoadBalance('p2c', () => new P2cLoadBalance());
