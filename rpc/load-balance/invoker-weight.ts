/**
 * A provider's effective weight for one call: the `<method>.weight` or
 * `weight` param (default 100), scaled down while the provider warms up
 * (dubbo-go `cluster/loadbalance/util.go`: the weight grows with uptime over the warm-up, 600 s by default).
 */
import type { Invocation } from '../invocation.js';
import type { Invoker } from '../invoker.js';

/** Weight of a provider that does not set one (dubbo-go `common/constant/default.go`). */
export const DEFAULT_WEIGHT = 100;
/** Warm-up period, in seconds, when the provider URL has no `warmup` param (dubbo-go `common/constant/default.go`). */
export const DEFAULT_WARMUP_SECONDS = 600;

/** Timestamps below this are seconds (dubbo-go), above it milliseconds (Java Dubbo). */
const SECONDS_CEILING = 100_000_000_000;

/**
 * The weight to balance with. A provider registered `uptime` ago with
 * `uptime < warmup` gets `uptime / (warmup / weight)`, at least 1 and at most
 * its weight. This is Java Dubbo's formula; dubbo-go divides by the weight a
 * second time, which pins every warming provider at 1, so we do not copy it.
 */
export function invokerWeight(invoker: Invoker, invocation: Invocation, nowMs: number = Date.now()): number {
  const url = invoker.url;
  const weight = Math.max(0, url.getMethodParam(invocation.methodName, 'weight', DEFAULT_WEIGHT));
  if (weight === 0) return 0;
  const startedMs = timestampMs(url.getNumberParam('timestamp', 0));
  if (startedMs <= 0) return weight;
  const uptimeMs = nowMs - startedMs;
  const warmupMs = url.getNumberParam('warmup', DEFAULT_WARMUP_SECONDS) * 1000;
  if (uptimeMs <= 0 || uptimeMs >= warmupMs) return weight;
  return warmingWeight(uptimeMs, warmupMs, weight);
}

function warmingWeight(uptimeMs: number, warmupMs: number, weight: number): number {
  const scaled = Math.floor(uptimeMs / (warmupMs / weight));
  return Math.min(Math.max(scaled, 1), weight);
}

function timestampMs(value: number): number {
  return value < SECONDS_CEILING ? value * 1000 : value;
}
