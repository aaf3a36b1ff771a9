/**
 * The `tps` provider filter (dubbo-go `filter/`): at most `rate` calls per
 * `intervalMs` window (dubbo-go's default fixedWindow strategy), counted per
 * service+method or per service. Excess calls fail with RpcError
 * LIMIT_EXCEEDED. Windows are computed from the clock on each call: no timer.
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import { type Filter, registerFilter } from '../filter.js';
import { limitKeyOf } from './limit-key.js';

export interface TpsLimitOptions {
  /** Calls allowed per window (required, ≥ 1). */
  rate: number;
  /** Window length in ms (default 60 000, as dubbo-go's `tps.limit.interval`). */
  intervalMs?: number;
  /** Count each method separately (default true: dubbo-go's `method-service` limiter). */
  perMethod?: boolean;
}

interface Window {
  startedAt: number;
  count: number;
}

/** Limits calls per time window. */
export function tpsLimitFilter(options: TpsLimitOptions): Filter {
  const { rate, intervalMs, perMethod } = validate(options);
  const windows = new Map<string, Window>();
  return async (invocation, next) => {
    const key = limitKeyOf(invocation, perMethod);
    const window = currentWindow(windows, key, intervalMs);
    if (window.count >= rate) {
      throw new RpcError(ErrorCode.LIMIT_EXCEEDED, `tps limit ${rate}/${intervalMs}ms exceeded for ${key}`);
    }
    window.count++;
    return next(invocation);
  };
}

function validate(options: TpsLimitOptions): Required<TpsLimitOptions> {
  const intervalMs = options?.intervalMs ?? 60_000;
  if (!Number.isInteger(options?.rate) || options.rate < 1 || !(intervalMs > 0)) {
    throw new RpcError(ErrorCode.INVALID_ARGUMENT, 'tps limit needs an integer rate ≥ 1 and intervalMs > 0');
  }
  return { rate: options.rate, intervalMs, perMethod: options.perMethod ?? true };
}


function currentWindow(windows: Map<string, Window>, key: string, intervalMs: number): Window {
  const now = performance.now();
  let window = windows.get(key);
  if (!window || now - window.startedAt >= intervalMs) {
    window = { startedAt: now, count: 0 };
    windows.set(key, window);
  }
  return window;
}

registerFilter('tps', (options) => tpsLimitFilter(options as TpsLimitOptions));
