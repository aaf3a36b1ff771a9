/**
 * Bounds a registry call: every call to a registry server either settles or
 * fails with REGISTRY_UNAVAILABLE after `timeoutMs`, so a dead server never
 * hangs a caller (common rules: bounded durations).
 */
import { ErrorCode, RpcError } from '../common/rpc-error.js';

export function withDeadline<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RpcError(ErrorCode.REGISTRY_UNAVAILABLE, `${what}: no answer within ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

/** Wraps a client library's error as REGISTRY_UNAVAILABLE (RpcErrors pass through). */
export function unavailable(err: unknown, what: string): RpcError {
  if (err instanceof RpcError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new RpcError(ErrorCode.REGISTRY_UNAVAILABLE, `${what}: ${message}`, { cause: err });
}

/** Parses a duration param: a number of milliseconds, or Go style `500ms`, `5s`, `1m`. */
export function parseDurationMs(text: string | undefined, fallbackMs: number, name: string): number {
  if (text === undefined || text === '') return fallbackMs;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match) throw new RpcError(ErrorCode.BAD_URL, `bad duration for '${name}': ${text}`);
  const scale = match[2] === 's' ? 1000 : match[2] === 'm' ? 60_000 : 1;
  const ms = Math.round(Number(match[1]) * scale);
  if (ms <= 0) throw new RpcError(ErrorCode.BAD_URL, `'${name}' must be positive: ${text}`);
  return ms;
}
