/**
 * Reads a setting for one call the way Dubbo's merged consumer/provider URL
 * does: the consumer's reference URL wins over the provider's URL, and on each
 * URL a method-scoped key (`methods.<m>.<key>` as dubbo-go writes it, or
 * `<m>.<key>` as Java does) wins over the plain key.
 */
import type { ServiceUrl } from '../../registry/service-url.js';
import { methodParam } from './method-param-cache.js';

export function referenceParam(consumer: ServiceUrl, provider: ServiceUrl | undefined, method: string, key: string): string | undefined {
  return methodParam(consumer, method, key) ?? (provider ? methodParam(provider, method, key) : undefined);
}

/** A numeric setting; a missing or non-numeric value gives `fallback`. */
export function referenceNumberParam(
  consumer: ServiceUrl,
  provider: ServiceUrl | undefined,
  method: string,
  key: string,
  fallback: number,
): number {
  const text = referenceParam(consumer, provider, method, key);
  const value = Number(text);
  return text === undefined || !Number.isFinite(value) ? fallback : value;
}
