/**
 * Calls on the `getty-rpc:call:*` diagnostics channels (common/diagnostics.ts),
 * on both sides: the consumer publishes around its filter chain, the provider
 * around its service's chain. Nothing is built unless someone subscribes.
 */
import { performance } from 'node:perf_hooks';
import { channels } from '../common/diagnostics.js';
import type { Next } from './filter.js';
import type { Invocation } from './invocation.js';

export type CallSide = 'consumer' | 'provider';

interface CallMessage {
  side: CallSide;
  invocation: Invocation;
  durationMs?: number;
  result?: unknown;
  error?: unknown;
}

/** One boolean per channel when nobody subscribes. */
export function callChannelsActive(): boolean {
  return channels.callStart.hasSubscribers || channels.callEnd.hasSubscribers || channels.callError.hasSubscribers;
}

/** Runs `chain(invocation)`, publishing its start and then its end or error (the same message object). */
export function tracedCall(side: CallSide, chain: Next, invocation: Invocation): Promise<unknown> {
  const message: CallMessage = { side, invocation };
  const started = performance.now();
  channels.callStart.publish(message);
  let result: Promise<unknown>;
  try {
    result = chain(invocation);
  } catch (err) {
    result = Promise.reject(err);
  }
  return result.then(
    (value) => {
      message.durationMs = performance.now() - started;
      message.result = value;
      channels.callEnd.publish(message);
      return value;
    },
    (error: unknown) => {
      message.durationMs = performance.now() - started;
      message.error = error;
      channels.callError.publish(message);
      throw error;
    },
  );
}
