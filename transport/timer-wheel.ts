/**
 * A hashed timing wheel (dubbogo/gost `time/timer.go`): one unref'd interval drives every
 * session's cron, idle and write checks and the RPC layer's per-call
 * timeouts, so nothing in the transport owns a setTimeout of its own.
 *
 * Adding and cancelling are O(1): each slot holds a doubly linked list of
 * timers and a timer remembers how many full turns ("rounds") it still waits.
 * The interval only runs while at least one timer is scheduled, so an idle
 * process does not tick.
 */
import { ErrorCode, RpcError } from '../common/rpc-error.js';

export interface TimerWheelOptions {
  /** Resolution of the wheel in milliseconds. Default 10 (gost's tick). */
  tickMs?: number;
  /** Number of slots; a power of two is fastest. Default 512. */
  slots?: number;
  /** Receives errors thrown by callbacks. Default: a process warning. */
  onCallbackError?: (err: unknown) => void;
}

/** What `schedule` and `every` return. */
export interface TimerHandle {
  /** O(1); safe to call more than once or after the timer fired. */
  cancel(): void;
  /** True while the timer is waiting to fire (or, for `every`, until cancelled). */
  readonly active: boolean;
}

type Callback = () => void;

/** One scheduled timer: a node of its slot's linked list. */
class WheelTimer implements TimerHandle {
  prev: WheelTimer | null = null;
  next: WheelTimer | null = null;
  slot = -1;
  rounds = 0;
  cancelled = false;

  constructor(
    readonly wheel: TimerWheel,
    readonly callback: Callback,
    /** 0 for a one-shot timer. */
    readonly periodTicks: number,
  ) {}

  get active(): boolean {
    return !this.cancelled && (this.slot >= 0 || this.periodTicks > 0);
  }

  cancel(): void {
    // The flag also stops a timer that already left its slot in this tick.
    this.cancelled = true;
    if (this.slot >= 0) this.wheel.unlink(this);
  }
}

export class TimerWheel {
  readonly tickMs: number;
  readonly slotCount: number;
  private readonly heads: (WheelTimer | null)[];
  private readonly onCallbackError: (err: unknown) => void;
  private readonly expired: WheelTimer[] = [];
  private cursor = 0;
  private count = 0;
  private interval: NodeJS.Timeout | null = null;
  private lastTickAt = 0;

  constructor(options: TimerWheelOptions = {}) {
    this.tickMs = positiveInteger(options.tickMs ?? 10, 'tickMs');
    this.slotCount = positiveInteger(options.slots ?? 512, 'slots');
    this.heads = new Array<WheelTimer | null>(this.slotCount).fill(null);
    this.onCallbackError = options.onCallbackError ?? reportCallbackError;
  }

  /** Timers currently scheduled. */
  get size(): number {
    return this.count;
  }

  /** True while the underlying interval runs (false when no timer is scheduled). */
  get running(): boolean {
    return this.interval !== null;
  }

  /** Runs `callback` once after about `delayMs` (rounded up to a tick). */
  schedule(delayMs: number, callback: Callback): TimerHandle {
    const timer = new WheelTimer(this, callback, 0);
    // While the loop is busy the interval runs late and the cursor lags real time;
    // counting ticks from it alone would fire the timer early by that lag.
    const lagMs = this.interval === null ? 0 : performance.now() - this.lastTickAt;
    this.link(timer, this.ticksFor(delayMs + lagMs));
    return timer;
  }

  /** Runs `callback` every `periodMs` until the handle is cancelled. */
  every(periodMs: number, callback: Callback): TimerHandle {
    const ticks = this.ticksFor(periodMs);
    const timer = new WheelTimer(this, callback, ticks);
    this.link(timer, ticks);
    return timer;
  }

  /** Cancels every timer and stops the interval. */
  clear(): void {
    for (let i = 0; i < this.slotCount; i++) {
      while (this.heads[i] !== null) this.heads[i]!.cancel();
    }
  }

  /** @internal used by WheelTimer.cancel */
  unlink(timer: WheelTimer): void {
    this.detach(timer);
    if (this.count === 0) this.stop();
  }

  private detach(timer: WheelTimer): void {
    if (timer.prev !== null) timer.prev.next = timer.next;
    else this.heads[timer.slot] = timer.next;
    if (timer.next !== null) timer.next.prev = timer.prev;
    timer.prev = timer.next = null;
    timer.slot = -1;
    this.count--;
  }

  private ticksFor(delayMs: number): number {
    if (!(delayMs >= 0) || !Number.isFinite(delayMs)) {
      throw new RpcError(ErrorCode.INVALID_ARGUMENT, `timer delay must be a finite number >= 0, got ${delayMs}`);
    }
    return Math.max(1, Math.ceil(delayMs / this.tickMs));
  }

  private link(timer: WheelTimer, ticks: number): void {
    const slot = (this.cursor + ticks) % this.slotCount;
    timer.rounds = Math.floor((ticks - 1) / this.slotCount);
    timer.slot = slot;
    const head = this.heads[slot];
    timer.next = head ?? null;
    if (head) head.prev = timer;
    this.heads[slot] = timer;
    this.count++;
    if (this.interval === null) this.start();
  }

  private start(): void {
    this.lastTickAt = performance.now();
    this.interval = setInterval(onInterval, this.tickMs, this);
    this.interval.unref();
  }

  private stop(): void {
    if (this.interval === null) return;
    clearInterval(this.interval);
    this.interval = null;
  }

  /** @internal catches up on every tick that elapsed since the last one. */
  advance(now: number): void {
    // Timers of a late interval fire late, not lost: process each missed tick.
    // `lastTickAt` moves one tick at a time, so a callback that schedules a timer
    // during the catch-up sees the ticks still to run as lag (and is not fired early).
    // If the wheel went idle inside a callback, the loop ends; a restarted run keeps its own time.
    const run = this.interval;
    while (this.interval === run && now - this.lastTickAt >= this.tickMs) {
      this.lastTickAt += this.tickMs;
      this.tick();
    }
  }

  private tick(): void {
    this.cursor = (this.cursor + 1) % this.slotCount;
    // Collect first, fire after: a callback may cancel or add timers of this slot.
    const expired = this.expired;
    let timer = this.heads[this.cursor] ?? null;
    while (timer !== null) {
      const next = timer.next;
      if (timer.rounds > 0) timer.rounds--;
      else {
        this.detach(timer);
        expired.push(timer);
      }
      timer = next;
    }
    for (let i = 0; i < expired.length; i++) this.fire(expired[i]!);
    expired.length = 0;
    if (this.count === 0) this.stop();
  }

  private fire(timer: WheelTimer): void {
    if (timer.cancelled) return;
    if (timer.periodTicks > 0) this.link(timer, timer.periodTicks);
    try {
      timer.callback();
    } catch (err) {
      this.onCallbackError(err);
    }
  }
}

function onInterval(wheel: TimerWheel): void {
  wheel.advance(performance.now());
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RpcError(ErrorCode.INVALID_ARGUMENT, `${name} must be an integer >= 1, got ${value}`);
  }
  return value;
}

function reportCallbackError(err: unknown): void {
  process.emitWarning(`TimerWheel callback threw: ${err instanceof Error ? err.stack : String(err)}`);
}

let sharedWheel: TimerWheel | null = null;

/** The process-wide wheel (10 ms tick, 512 slots), created on first use. */
export function defaultTimerWheel(): TimerWheel {
  sharedWheel ??= new TimerWheel();
  return sharedWheel;
}
