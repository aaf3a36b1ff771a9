/**
 * `PendingCalls`: the table of two-way requests waiting for their response,
 * keyed by request id (the pending-response `sync.Map` of dubbo-go `remoting/exchange.go`).
 *
 * Timeouts run on the shared TimerWheel — one wheel entry per call, no Node
 * timer per call. Every entry leaves the table exactly once: by its response,
 * its timeout, its AbortSignal, or the failure of the session it was sent on.
 * A response that arrives after that is dropped (`settle` returns false).
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import type { TimerHandle, TimerWheel } from '../../transport/timer-wheel.js';

/** Ids step by 2 as in dubbo-go (even ids: consumer → provider), wrapping before 2^53. */
const ID_STEP = 2;
const ID_LIMIT = Number.MAX_SAFE_INTEGER - ID_STEP;

/** Turns a response into the call's value; throwing rejects the call with what it threw. */
export type ResponseMapper<R, T> = (response: R) => T;

class PendingEntry<R> {
  onAbort: (() => void) | undefined;

  constructor(
    readonly id: number,
    /** What the call was sent on (a session), so its failure fails the call. */
    readonly owner: unknown,
    readonly timer: TimerHandle,
    readonly resolve: (value: unknown) => void,
    readonly reject: (err: unknown) => void,
    readonly signal: AbortSignal | undefined,
    readonly map: ResponseMapper<R, unknown> | undefined,
  ) {}
}

export class PendingCalls<R> {
  private readonly entries = new Map<number, PendingEntry<R>>();
  private lastId = 0;
  private dropped = 0;
  /** Resolvers of `whenIdle()` promises, run when the table empties. */
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly wheel: TimerWheel) {}

  /** Calls waiting for a response. */
  get size(): number {
    return this.entries.size;
  }

  /** Responses that arrived after their call ended (timeout, cancel) and were dropped. */
  get droppedResponses(): number {
    return this.dropped;
  }

  /**
   * Resolves once no call is pending (at once when none is). An event instead
   * of polling: a retiring connection closes as its last call ends.
   */
  whenIdle(): Promise<void> {
    if (this.entries.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** A fresh request id (2, 4, 6, ...). */
  nextId(): number {
    this.lastId = this.lastId >= ID_LIMIT ? ID_STEP : this.lastId + ID_STEP;
    return this.lastId;
  }

  /**
   * Registers call `id`; the promise settles with the response, or rejects
   * with TIMEOUT after `timeoutMs`, CANCELLED when `signal` aborts, or the
   * error given to `failOwner` / `failAll`.
   */
  add(id: number, owner: unknown, timeoutMs: number, signal?: AbortSignal): Promise<R> {
    return this.addMapped(id, owner, timeoutMs, signal, undefined) as Promise<R>;
  }

  /**
   * As `add`, but the promise settles with `map(response)` (or rejects with
   * what `map` threw): the caller's `then` over the response runs inside
   * `settle`, one promise and microtask fewer per call (docs/performance.md, "RPC call path").
   */
  addMapped<T>(id: number, owner: unknown, timeoutMs: number, signal: AbortSignal | undefined, map: ResponseMapper<R, T> | undefined): Promise<T> {
    // An 'abort' listener added after the abort never runs: the call would wait for its timeout.
    if (signal?.aborted) return Promise.reject(cancelledError(signal));
    return new Promise<T>((resolve, reject) => {
      // Scheduled first: a timeoutMs the wheel refuses rejects the call and leaves no entry behind.
      const timer = this.wheel.schedule(timeoutMs, () => this.fail(id, timeoutError(id, timeoutMs)));
      const entry = new PendingEntry<R>(id, owner, timer, resolve as (value: unknown) => void, reject, signal, map);
      this.entries.set(id, entry);
      if (signal) this.watchSignal(entry, signal);
    });
  }

  /** Delivers the response for `id`; false when nobody waits for it any more (late response). */
  settle(id: number, response: R): boolean {
    const entry = this.take(id);
    if (!entry) {
      this.dropped++;
      return false;
    }
    if (entry.map === undefined) entry.resolve(response);
    else settleMapped(entry, response);
    return true;
  }

  /** Rejects call `id` with `err`; false when it already ended. */
  fail(id: number, err: RpcError): boolean {
    const entry = this.take(id);
    if (!entry) return false;
    entry.reject(err);
    return true;
  }

  /** Rejects every call sent on `owner` (its session closed). */
  failOwner(owner: unknown, err: RpcError): void {
    for (const entry of [...this.entries.values()]) if (entry.owner === owner) this.fail(entry.id, err);
  }

  /** Rejects every call (the client closed). */
  failAll(err: RpcError): void {
    for (const id of [...this.entries.keys()]) this.fail(id, err);
  }

  private watchSignal(entry: PendingEntry<R>, signal: AbortSignal): void {
    entry.onAbort = () => this.fail(entry.id, cancelledError(signal));
    signal.addEventListener('abort', entry.onAbort, { once: true });
  }

  /** Removes the entry and everything it holds (wheel timer, abort listener). */
  private take(id: number): PendingEntry<R> | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    this.entries.delete(id);
    entry.timer.cancel();
    if (entry.onAbort) entry.signal!.removeEventListener('abort', entry.onAbort);
    if (this.entries.size === 0 && this.idleWaiters.length > 0) this.wakeIdleWaiters();
    return entry;
  }

  private wakeIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

function settleMapped<R>(entry: PendingEntry<R>, response: R): void {
  let value: unknown;
  try {
    value = entry.map!(response);
  } catch (err) {
    entry.reject(err);
    return;
  }
  entry.resolve(value);
}

function timeoutError(id: number, timeoutMs: number): RpcError {
  return new RpcError(ErrorCode.TIMEOUT, `no response to request ${id} within ${timeoutMs} ms`);
}

/** The RpcError for an aborted signal; keeps the abort reason as the cause. */
export function cancelledError(signal: AbortSignal): RpcError {
  return new RpcError(ErrorCode.CANCELLED, 'call cancelled by its AbortSignal', { cause: signal.reason });
}
