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
 *   incoming attachments, the caller's address, the call's deadline and a
 *   `signal` that aborts when the caller gives up.
 *
 * A scope inherits its parent's deadline and signal, so a provider method that
 * calls another service passes on only the time it has left (the deadline
 * propagation that dubbo-go and sofa-rpc-node lack).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';

/**
 * Call options, given per proxy with `withCallOptions(proxy, options)` or per
 * scope with `RpcContext.run(options, fn)`.
 */
export interface CallOptions {
  /**
   * With `withCallOptions`: the budget of each call, retries included, in ms
   * (default: the method's, else the reference's timeoutMs, 3000). With
   * `RpcContext.run`: the budget of the whole scope — every call inside,
   * retries included, ends within `timeoutMs` of run().
   */
  timeoutMs?: number;
  /** `withCallOptions` only: bound on each attempt inside the call's budget, in ms (default: none). */
  attemptTimeoutMs?: number;
  /**
   * `withCallOptions` only: retries after a failed attempt; setting it also allows
   * re-sending a call that may have reached the provider (docs/rpc.md
   * "Deadlines, retries and cancellation").
   */
  retries?: number;
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
  /** Makes the call's AbortSignal when `signal` is first read; without it a provider scope has none. */
  signalSource?: SignalSource;
}

/** Makes a provider call's AbortSignal on demand, so calls that never read it pay nothing. */
export interface SignalSource {
  abortSignal(context: RpcContext): AbortSignal;
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
  readonly oneWay: boolean;
  /** performance.now() by which the call must end; undefined = no deadline. */
  readonly deadline: number | undefined;

  private signalValue: AbortSignal | undefined;
  private signalSource: SignalSource | undefined;

  private constructor(side: ContextSide, init: ContextInit) {
    this.side = side;
    this.attachments = init.attachments ?? {};
    this.remoteAddress = init.remoteAddress;
    this.localAddress = init.localAddress;
    this.timeoutMs = init.timeoutMs;
    this.signalValue = init.signal;
    this.signalSource = init.signalSource;
    this.oneWay = init.oneWay ?? false;
    this.deadline = init.deadline;
  }

  /**
   * Consumer scope: aborting it cancels the calls made inside. Provider scope:
   * aborts when the caller's deadline (its `timeout` attachment) passes, when
   * the caller's connection closes, or when a graceful stop's grace ends — pass
   * it to fetch() or a database driver so abandoned work stops. Its reason is an
   * RpcError (TIMEOUT, NETWORK or SERVER_SHUTTING_DOWN). Made on first read.
   */
  get signal(): AbortSignal | undefined {
    if (this.signalSource !== undefined) {
      this.signalValue = this.signalSource.abortSignal(this);
      this.signalSource = undefined;
    }
    return this.signalValue;
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
      signalSource: init.signalSource,
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

interface ContextInit {
  attachments?: Record<string, unknown>;
  remoteAddress?: string;
  localAddress?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  signalSource?: SignalSource;
  oneWay?: boolean;
  deadline?: number;
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
