/**
 * `roundrobin`: smooth weighted round-robin, nginx style (dubbo-go `cluster/loadbalance/roundrobin/`).
 * Each provider gains its weight every call; the one with the highest running
 * total is picked and pays back the sum of all weights. Over any window of
 * `sum(weights)` calls every provider is picked exactly `weight` times.
 */
import type { Invocation } from '../invocation.js';
import type { Invoker } from '../invoker.js';
import { invokerWeight } from './invoker-weight.js';
import { type LoadBalance, registerLoadBalance } from './load-balance.js';
import { providerKey } from './rpc-status.js';

/** A provider's state is dropped after this long without being offered (dubbo-go `cluster/loadbalance/roundrobin/`: 60 s). */
export const ROUND_ROBIN_RECYCLE_MS = 60_000;

interface WeightedState {
  weight: number;
  current: number;
  lastSeenMs: number;
}

export class RoundRobinLoadBalance implements LoadBalance {
  /** service+method → provider key → state. */
  private readonly states = new Map<string, Map<string, WeightedState>>();

  select(invokers: readonly Invoker[], invocation: Invocation): Invoker | undefined {
    if (invokers.length <= 1) return invokers[0];
    const now = Date.now();
    const table = this.tableFor(invocation);
    let total = 0;
    let best: Invoker | undefined;
    let bestState: WeightedState | undefined;
    for (const invoker of invokers) {
      const state = stateOf(table, invoker, invokerWeight(invoker, invocation, now), now);
      state.current += state.weight;
      total += state.weight;
      if (!bestState || state.current > bestState.current) [best, bestState] = [invoker, state];
    }
    if (bestState) bestState.current -= total;
    recycle(table, now);
    return best;
  }

  private tableFor(invocation: Invocation): Map<string, WeightedState> {
    const key = `${invocation.group ?? ''}/${invocation.interfaceName}:${invocation.version ?? ''}.${invocation.methodName}`;
    let table = this.states.get(key);
    if (!table) this.states.set(key, (table = new Map()));
    return table;
  }
}

function stateOf(table: Map<string, WeightedState>, invoker: Invoker, weight: number, now: number): WeightedState {
  const key = providerKey(invoker.url);
  let state = table.get(key);
  if (!state) table.set(key, (state = { weight, current: 0, lastSeenMs: now }));
  // A changed weight (warm-up finished, re-registered) restarts the provider's running total.
  if (state.weight !== weight) [state.weight, state.current] = [weight, 0];
  state.lastSeenMs = now;
  return state;
}

function recycle(table: Map<string, WeightedState>, now: number): void {
  for (const [key, state] of table) {
    if (now - state.lastSeenMs > ROUND_ROBIN_RECYCLE_MS) table.delete(key);
  }
}

registerLoadBalance('roundrobin', () => new RoundRobinLoadBalance());
