/**
 * Reads a setting for one call the way Dubbo's merged consumer/provider URL
 * does: the consumer's reference URL wins over the provider's URL, and on each
 * URL a method-scoped key (`methods.<m>.<key>` as dubbo-go writes it, or
 * `<m>.<key>` as Java does) wins over the plain key. Params that governance
 * rules wrote on the provider (`RuleConfigured.ruleUrl`) win over both, since
 * Java Dubbo applies configurators to that merged URL (`RegistryDirectory.mergeUrl`
 * then `overrideWithConfigurator`): an operator's `retries=0` beats the
 * reference's `retries: 3`, and removing the rule gives the reference's back.
 */
import type { ServiceUrl } from '../../registry/service-url.js';
import type { Invoker } from '../invoker.js';
import { methodParam } from './method-param-cache.js';

/** An invoker some governance rule configured (rpc/governance/configured-invoker.ts). */
export interface RuleConfigured {
  /** Only the params the rules wrote on this provider; undefined when none. */
  readonly ruleUrl: ServiceUrl | undefined;
}

export function referenceParam(consumer: ServiceUrl, provider: ServiceUrl | undefined, method: string, key: string): string | undefined {
  return methodParam(consumer, method, key) ?? (provider ? methodParam(provider, method, key) : undefined);
}

/** What the rules wrote on `invoker` for this method and key; undefined when nothing. */
export function ruleParam(invoker: Invoker | undefined, method: string, key: string): string | undefined {
  const rules = (invoker as Partial<RuleConfigured> | undefined)?.ruleUrl;
  return rules === undefined ? undefined : methodParam(rules, method, key);
}

/**
 * A setting decided before a provider is chosen (`cluster`, `loadbalance`,
 * `retries`, ...): the rules' value on `first` (the first provider listed,
 * as Java reads the balancer from `invokers.get(0)`), else the reference's,
 * else the provider's.
 */
export function callParam(consumer: ServiceUrl, first: Invoker | undefined, method: string, key: string): string | undefined {
  return ruleParam(first, method, key) ?? referenceParam(consumer, first?.url, method, key);
}

/** A numeric `callParam`; a missing or non-numeric value gives `fallback`. */
export function callNumberParam(consumer: ServiceUrl, first: Invoker | undefined, method: string, key: string, fallback: number): number {
  return toNumber(callParam(consumer, first, method, key), fallback);
}

/** A numeric setting; a missing or non-numeric value gives `fallback`. */
export function referenceNumberParam(
  consumer: ServiceUrl,
  provider: ServiceUrl | undefined,
  method: string,
  key: string,
  fallback: number,
): number {
  return toNumber(referenceParam(consumer, provider, method, key), fallback);
}

function toNumber(text: string | undefined, fallback: number): number {
  const value = Number(text);
  return text === undefined || !Number.isFinite(value) ? fallback : value;
}
