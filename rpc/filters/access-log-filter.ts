/**
 * The `accesslog` filter (dubbo-go `filter/`): one record per call, written after
 * the call ends. dubbo-go writes through a bounded queue to a background
 * writer; here the sink is a function, so the caller decides (a logger, a
 * stream). The default sink prints one JSON line with console.info.
 */
import { RpcError } from '../../common/rpc-error.js';
import { type Filter, registerFilter } from '../filter.js';
import type { Invocation } from '../invocation.js';

export interface AccessLogEntry {
  /** Date.now() when the call started. */
  startedAt: number;
  service: string;
  method: string;
  version: string | undefined;
  group: string | undefined;
  durationMs: number;
  /** 'OK' or the RpcError code of the failure. */
  outcome: string;
}

export type AccessLogSink = (entry: AccessLogEntry) => void;

export interface AccessLogOptions {
  /** Where records go (default: one JSON line on console.info). */
  sink?: AccessLogSink;
}

/** Logs every call that passes through it. */
export function accessLogFilter(options: AccessLogOptions = {}): Filter {
  const sink = options.sink ?? defaultSink;
  return async (invocation, next) => {
    const startedAt = Date.now();
    const started = performance.now();
    try {
      const result = await next(invocation);
      safeWrite(sink, entryOf(invocation, startedAt, started, 'OK'));
      return result;
    } catch (err) {
      safeWrite(sink, entryOf(invocation, startedAt, started, outcomeOf(err)));
      throw err;
    }
  };
}

function entryOf(invocation: Invocation, startedAt: number, started: number, outcome: string): AccessLogEntry {
  return {
    startedAt,
    service: invocation.interfaceName,
    method: invocation.methodName,
    version: invocation.version,
    group: invocation.group,
    durationMs: performance.now() - started,
    outcome,
  };
}

function outcomeOf(err: unknown): string {
  return err instanceof RpcError ? err.code : 'ERROR';
}

/** A failing sink must not fail the call it logs. */
function safeWrite(sink: AccessLogSink, entry: AccessLogEntry): void {
  try {
    sink(entry);
  } catch {
    // logging is best effort
  }
}

function defaultSink(entry: AccessLogEntry): void {
  console.info(JSON.stringify(entry));
}

registerFilter('accesslog', (options) => accessLogFilter(options as AccessLogOptions));
