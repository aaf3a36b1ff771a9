/**
 * `RpcContext`: the per-call context carried on AsyncLocalStorage, so code
 * deep inside a call (a provider method, a filter, a downstream call made by a
 * provider method) can read it without passing it around.
 *
 * Two kinds of scope:
 * - consumer scope, opened by `RpcContext.run(options, fn)`: every call made
 *   inside `fn` sends `attachments`, ends by the scope's deadline, is
 *   cancelled by `signal`, and the
 *   attachments the provider sent back land in `responseAttachments`;
 * - provider scope, opened by the server around a provider method: the
 *   incoming attachments, the caller's address and the call's deadline.
 *
 * A scope inherits its parent's deadline and signal, so a provider method that
 * calls another service passes on only the time it has left (the deadline
 * propagation that dubbo-go and sofa-rpc-node lack; style-anchors lesson 8).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';

/**
 * Call options, given per proxy with `withCallOptions(proxy, options)` or per
 * scope with `RpcContext.run(options, fn)`.
 */
export interface CallOptions {
  /**
   * With `withCallOptions`: the timeout of each call, in ms (default: the
   * reference's timeoutMs, 3000). With `RpcContext.run`: the budget of the
   * whole scope — every call inside must end within `timeoutMs` of run().
   */
  timeoutMs?: number;
  /** Aborting it rejects the call with RpcError CANCELLED. */
  signal?: AbortSignal;
  /** Extra attachments sent with each call. */
  attachments?: Record<string, unknown>;
  /** Send without waiting for a response (Dubbo one-way). */
  oneWay?: boolean;
}

/** What the server knows about one incoming call. */
export interface ProviderScopeInit {
  attachments: Record<string, unknown>;
  remoteAddress: string;
  localAddress: string;
  /** The caller's timeout in ms, from the `timeout` attachment; undefined = none. */
  timeoutMs: number | undefined;
}

export type ContextSide = 'consumer' | 'provider';

const storage = new AsyncLocalStorage<RpcContext>();

export class RpcContext {
  readonly side: ContextSide;
  /** Consumer scope: attachments to send. Provider scope: attachments received. */
  readonly attachments: Record<string, unknown>;
  /** Consumer scope: what the last provider sent back. Provider scope: what to send back. */
  readonly responseAttachments: Record<string, unknown> = {};
  readonly remoteAddress: string | undefined;
  readonly localAddress: string | undefined;
  readonly timeoutMs: number | undefined;
  readonly signal: AbortSignal | undefined;
  readonly oneWay: boolean;
  /** performance.now() by which the call must end; undefined = no deadline. */
  readonly deadline: number | undefined;

  private constructor(side: ContextSide, init: Partial<RpcContext>) {
    this.side = side;
    this.attachments = init.attachments ?? {};
    this.remoteAddress = init.remoteAddress;
    this.localAddress = init.localAddress;
    this.timeoutMs = init.timeoutMs;
    this.signal = init.signal;
    this.oneWay = init.oneWay ?? false;
    this.deadline = init.deadline;
  }

  /** The innermost scope around the running code, if any. */
  static current(): RpcContext | undefined {
    return storage.getStore();
  }

  /** Runs `fn` in a consumer scope: calls made inside use these options. */
  static run<T>(options: CallOptions, fn: () => T): T {
    const parent = storage.getStore();
    const deadline = earliest(parent?.deadline, deadlineIn(options.timeoutMs));
    const context = new RpcContext('consumer', {
      attachments: { ...options.attachments },
      timeoutMs: options.timeoutMs,
      signal: combineSignals(parent?.signal, options.signal),
      oneWay: options.oneWay,
      deadline,
    });
    return storage.run(context, fn);
  }

  /** Used by the server: runs a provider method in a provider scope. */
  static runProvider<T>(init: ProviderScopeInit, fn: (context: RpcContext) => T): T {
    const context = new RpcContext('provider', {
      attachments: init.attachments,
      remoteAddress: init.remoteAddress,
      localAddress: init.localAddress,
      timeoutMs: init.timeoutMs,
      deadline: deadlineIn(init.timeoutMs),
    });
    return storage.run(context, fn, context);
  }

  /** Ms left before the deadline (may be ≤ 0), or undefined without one. */
  remainingMs(): number | undefined {
    return this.deadline === undefined ? undefined : this.deadline - performance.now();
  }

  /** Provider scope: adds an attachment to the response. */
  setResponseAttachment(key: string, value: unknown): void {
    this.responseAttachments[key] = value;
  }
}

function deadlineIn(timeoutMs: number | undefined): number | undefined {
  return timeoutMs === undefined || timeoutMs <= 0 ? undefined : performance.now() + timeoutMs;
}

function earliest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  return b === undefined ? a : Math.min(a, b);
}

function combineSignals(a: AbortSignal | undefined, b: AbortSignal | undefined): AbortSignal | undefined {
  if (!a || !b) return a ?? b;
  return AbortSignal.any([a, b]);
}
