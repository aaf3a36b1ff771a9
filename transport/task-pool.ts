/**
 * Task pools (go-anchors §1.9). Node runs one thread, so a "worker" here is a
 * slot for one running task: a sync task finishes at once, an async one holds
 * its slot until its promise settles. Queues are bounded: a session asks
 * `hasRoom` before it decodes the next package and, when there is none,
 * pauses its socket until `waitForRoom` calls back — backpressure instead of
 * gost's extra goroutines (its `AddTaskAlways`), which grow without bound.
 */
import { ErrorCode, RpcError } from '../common/rpc-error.js';

/** A task receives two arguments so callers need no closure per package. */
export type Task<A = unknown, B = unknown> = (a: A, b: B) => unknown;

export interface TaskPool {
  readonly closed: boolean;
  /** True when a task added under `key` would be accepted. */
  hasRoom(key: number): boolean;
  /** Queues `task(a, b)`. Throws TASK_POOL_CLOSED after close, LIMIT_EXCEEDED when full. */
  add<A, B>(key: number, task: Task<A, B>, a: A, b: B): void;
  /** Calls `cb` once when the queue of `key` has room again (at once if it has). */
  waitForRoom(key: number, cb: () => void): void;
  /** Tasks queued or running. */
  readonly pending: number;
  /** Drops queued tasks, waits for running ones. Idempotent. */
  close(): Promise<void>;
}

export interface TaskPoolOptions {
  /** Tasks running at once across all queues (gost's M). Required, >= 1. */
  size: number;
  /** Number of queues (gost's N). Default 10, capped at `size`. */
  queues?: number;
  /** Tasks each queue holds before `hasRoom` turns false. Default 128. */
  queueLength?: number;
  /**
   * Ordered mode: a key (a session id) always maps to the same queue and each
   * queue runs one task at a time, so one session's messages are handled in
   * order — the guarantee getty's pool lacks. Default false.
   */
  ordered?: boolean;
  /** Receives errors thrown by tasks. Default: a process warning. */
  onTaskError?: (err: unknown) => void;
}

/** One bounded FIFO with its own running count; entries are stored flat. */
class TaskQueue {
  private readonly items: unknown[] = [];
  private head = 0;
  length = 0;
  running = 0;
  readonly waiters: (() => void)[] = [];

  constructor(
    readonly capacity: number,
    readonly concurrency: number,
  ) {}

  push(task: Task, a: unknown, b: unknown): void {
    this.items.push(task, a, b);
    this.length++;
  }

  shift(): [Task, unknown, unknown] {
    const i = this.head;
    const entry: [Task, unknown, unknown] = [this.items[i] as Task, this.items[i + 1], this.items[i + 2]];
    this.items[i] = this.items[i + 1] = this.items[i + 2] = undefined;
    this.head += 3;
    this.length--;
    if (this.length === 0) this.items.length = this.head = 0;
    else if (this.head > 3072) this.compact();
    return entry;
  }

  drop(): void {
    this.items.length = this.head = this.length = 0;
  }

  private compact(): void {
    this.items.splice(0, this.head);
    this.head = 0;
  }
}

export class FixedTaskPool implements TaskPool {
  private readonly queues: TaskQueue[];
  private readonly ordered: boolean;
  private readonly onTaskError: (err: unknown) => void;
  private roundRobin = 0;
  private isClosed = false;
  private idleWaiters: (() => void)[] = [];
  pending = 0;

  constructor(options: TaskPoolOptions) {
    const size = integerAtLeast(options.size, 1, 'size');
    const queueCount = Math.min(integerAtLeast(options.queues ?? 10, 1, 'queues'), size);
    const capacity = integerAtLeast(options.queueLength ?? 128, 1, 'queueLength');
    this.ordered = options.ordered ?? false;
    this.onTaskError = options.onTaskError ?? reportTaskError;
    this.queues = [];
    for (let i = 0; i < queueCount; i++) {
      // Worker w serves queue w % N, as in gost; ordered queues run one at a time.
      const workers = Math.floor(size / queueCount) + (i < size % queueCount ? 1 : 0);
      this.queues.push(new TaskQueue(capacity, this.ordered ? 1 : workers));
    }
  }

  get closed(): boolean {
    return this.isClosed;
  }

  hasRoom(key: number): boolean {
    const queue = this.queueFor(key, false);
    return queue.length < queue.capacity;
  }

  add<A, B>(key: number, task: Task<A, B>, a: A, b: B): void {
    if (this.isClosed) throw new RpcError(ErrorCode.TASK_POOL_CLOSED, 'task pool is closed');
    const queue = this.queueFor(key, true);
    if (queue.length >= queue.capacity) {
      throw new RpcError(ErrorCode.LIMIT_EXCEEDED, 'task queue is full; check hasRoom() first');
    }
    this.pending++;
    if (queue.running < queue.concurrency && queue.length === 0) this.run(queue, task as Task, a, b);
    else queue.push(task as Task, a, b);
  }

  waitForRoom(key: number, cb: () => void): void {
    const queue = this.queueFor(key, false);
    if (queue.length < queue.capacity || this.isClosed) cb();
    else queue.waiters.push(cb);
  }

  close(): Promise<void> {
    if (!this.isClosed) {
      this.isClosed = true;
      for (const queue of this.queues) this.dropQueued(queue);
    }
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private queueFor(key: number, advance: boolean): TaskQueue {
    if (this.ordered) return this.queues[Math.abs(key) % this.queues.length]!;
    // Unordered: spread tasks round-robin; hasRoom looks at the queue add will use.
    const index = this.roundRobin % this.queues.length;
    if (advance) this.roundRobin = (this.roundRobin + 1) % this.queues.length;
    return this.queues[index]!;
  }

  private run(queue: TaskQueue, task: Task, a: unknown, b: unknown): void {
    queue.running++;
    let result: unknown;
    try {
      result = task(a, b);
    } catch (err) {
      this.onTaskError(err);
    }
    if (isPromiseLike(result)) result.then(() => this.finish(queue), (err) => this.failAsync(queue, err));
    else this.finish(queue);
  }

  private failAsync(queue: TaskQueue, err: unknown): void {
    this.onTaskError(err);
    this.finish(queue);
  }

  private finish(queue: TaskQueue): void {
    queue.running--;
    this.pending--;
    this.pump(queue);
    if (this.pending === 0) this.notifyIdle();
  }

  private pump(queue: TaskQueue): void {
    while (queue.running < queue.concurrency && queue.length > 0) {
      const wasFull = queue.length >= queue.capacity;
      const [task, a, b] = queue.shift();
      if (wasFull) this.wakeWaiters(queue);
      this.run(queue, task, a, b);
    }
  }

  private wakeWaiters(queue: TaskQueue): void {
    const waiters = queue.waiters.splice(0);
    for (const cb of waiters) cb();
  }

  private dropQueued(queue: TaskQueue): void {
    this.pending -= queue.length;
    queue.drop();
    this.wakeWaiters(queue);
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** The fixed M:N pool: `size` running tasks over `queues` bounded queues. */
export function createTaskPool(options: TaskPoolOptions): TaskPool {
  return new FixedTaskPool(options);
}

export interface SimpleTaskPoolOptions {
  /** Tasks running at once. Required, >= 1. */
  size: number;
  /** Tasks waiting before `hasRoom` turns false. Default 1024. */
  queueLength?: number;
  onTaskError?: (err: unknown) => void;
}

/**
 * gost's "simple" pool: one queue, `size` running tasks. Unlike gost's it is
 * bounded (`queueLength`), so a flood pauses sockets instead of growing.
 */
export function createSimpleTaskPool(options: SimpleTaskPoolOptions): TaskPool {
  const size = integerAtLeast(options.size, 1, 'size');
  return new FixedTaskPool({
    size,
    queues: 1,
    queueLength: options.queueLength ?? 1024,
    onTaskError: options.onTaskError,
  });
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

function integerAtLeast(value: number, min: number, name: string): number {
  if (!Number.isInteger(value) || value < min) {
    throw new RpcError(ErrorCode.INVALID_ARGUMENT, `${name} must be an integer >= ${min}, got ${value}`);
  }
  return value;
}

function reportTaskError(err: unknown): void {
  process.emitWarning(`task pool task threw: ${err instanceof Error ? err.stack : String(err)}`);
}
