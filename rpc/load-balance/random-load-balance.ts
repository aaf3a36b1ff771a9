/**
 * `random`, the default balancer: weighted random with warm-up
 * (dubbo-go `cluster/loadbalance/random/`). Equal weights fall back to a plain uniform pick.
 */
import type { Invocation } from '../invocation.js';
import type { Invoker } from '../invoker.js';
import { invokerWeight } from './invoker-weight.js';
import { type LoadBalance, registerLoadBalance } from './load-balance.js';

/** A source of uniform numbers in [0, 1), injectable so tests can seed it. */
export type RandomSource = () => number;

export class RandomLoadBalance implements LoadBalance {
  constructor(private readonly random: RandomSource = Math.random) {}

  select(invokers: readonly Invoker[], invocation: Invocation): Invoker | undefined {
    if (invokers.length <= 1) return invokers[0];
    return pickWeighted(invokers, invocation, this.random);
  }
}

/** Weighted pick over `invokers`; uniform when every weight is equal or all are 0. */
export function pickWeighted(invokers: readonly Invoker[], invocation: Invocation, random: RandomSource): Invoker | undefined {
  const now = Date.now();
  const weights = invokers.map((invoker) => invokerWeight(invoker, invocation, now));
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  if (total <= 0 || weights.every((weight) => weight === weights[0])) {
    return invokers[Math.floor(random() * invokers.length)];
  }
  let offset = random() * total;
  for (let i = 0; i < invokers.length; i++) {
    offset -= weights[i]!;
    if (offset < 0) return invokers[i];
  }
  return invokers[invokers.length - 1];
}

registerLoadBalance('random', () => new RandomLoadBalance());
