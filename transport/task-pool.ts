/**
 * Task pools (dubbogo/gost `sync/task_pool.go`). Node runs one thread, so a "worker" here is a
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
  /** Tasks running at once across all keys (gost's M). Required, >= 1. */
  size: number;
  /**
   * With `queueLength`, bounds the tasks waiting in the whole pool:
   * `queues × queueLength` (gost's N queues; capped at `size`). Default 10.
   */
  queues?: number;
  /** Tasks one key (a session) may have waiting before `hasRoom(key)` turns false. Default 128. */
  queueLength?: number;
  /**
   * Ordered mode: each key runs one task at a time, so one session's
   * messages are handled in order — the guarantee getty's pool lacks.
   * Default false (a key's tasks may run side by side).
   */
  ordered?: boolean;
  /** Receives errors thrown by tasks. Default: a process warning. */
  onTaskError?: (err: unknown) => void;
}

/**
 * The waiting tasks of one key (session), stored flat, with its running
 * count. A key with tasks that may start sits in the pool's ready ring.
 */
class KeyQueue {
  private readonly items: unknown[] = [];
  private head = 0;
  length = 0;
  running = 0;
  /** In the ready ring now. */
  ready = false;
  /** Next key in the ready ring. */
  next: KeyQueue | null = null;
  waiters: (() => void)[] = [];

  constructor(readonly key: number) {}

  push(task: Task, a: unknown, b: unknown): void {
    this.items.push(task, a, b);
    this.length++;
  }

  /** Takes the first task; the pool reads it from `taken`. */
  shift(taken: { task: Task; a: unknown; b: unknown }): void {
    const i = this.head;
    taken.task = this.items[i] as Task;
    taken.a = this.items[i + 1];
    taken.b = this.items[i + 2];
    this.items[i] = this.items[i + 1] = this.items[i + 2] = undefined;
    this.head += 3;
    this.length--;
    if (this.length === 0) this.items.length = this.head = 0;
    else if (this.head > 3072) this.compact();
  }

  drop(): number {
    const dropped = this.length;
    this.items.length = this.head = this.length = 0;
    return dropped;
  }

  private compact(): void {
    this.items.splice(0, this.head);
    this.head = 0;
  }
}

/**
 * Each key (session id) waits in its own bounded FIFO, and free slots go to
 * the keys round-robin: a session that floods the pool gets its turn like
 * any other, it cannot starve them (gost's shared queues serve whoever
 * filled them first).
 */
export class FixedTaskPool implements TaskPool {
  private readonly size: number;
  private readonly queueLength: number;
  private readonly maxWaiting: number;
  private readonly perKeyConcurrency: number;
  private readonly onTaskError: (err: unknown) => void;
  private readonly keys = new Map<number, KeyQueue>();
  /** The key used last: one session's packages usually come in runs (no Map lookup then). */
  private lastQueue: KeyQueue | null = null;
  private readyFirst: KeyQueue | null = null;
  private readyLast: KeyQueue | null = null;
  private running = 0;
  private waiting = 0;
  /** Sessions waiting because the pool as a whole is full. */
  private poolWaiters: (() => void)[] = [];
  private readonly taken: { task: Task; a: unknown; b: unknown } = { task: noopTask, a: undefined, b: undefined };
  private isClosed = false;
  /** The pump loop runs now: a task that ends inside it leaves its slot to that loop. */
  private pumping = false;
  private idleWaiters: (() => void)[] = [];
  pending = 0;

  constructor(options: TaskPoolOptions) {
    this.size = integerAtLeast(options.size, 1, 'size');
    const queueCount = Math.min(integerAtLeast(options.queues ?? 10, 1, 'queues'), this.size);
    this.queueLength = integerAtLeast(options.queueLength ?? 128, 1, 'queueLength');
    this.maxWaiting = queueCount * this.queueLength;
    this.perKeyConcurrency = (options.ordered ?? false) ? 1 : this.size;
    this.onTaskError = options.onTaskError ?? reportTaskError;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  hasRoom(key: number): boolean {
    if (this.waiting >= this.maxWaiting) return false;
    const queue = this.lastQueue?.key === key ? this.lastQueue : this.keys.get(key);
    return queue === undefined || queue.length < this.queueLength;
  }

  add<A, B>(key: number, task: Task<A, B>, a: A, b: B): void {
    if (this.isClosed) throw new RpcError(ErrorCode.TASK_POOL_CLOSED, 'task pool is closed');
    const queue = this.queueOf(key);
    if (queue.length >= this.queueLength || this.waiting >= this.maxWaiting) {
      throw new RpcError(ErrorCode.LIMIT_EXCEEDED, 'task queue is full; check hasRoom() first');
    }
    this.pending++;
    if (this.running < this.size && queue.running < this.perKeyConcurrency && queue.length === 0 && this.readyFirst === null) {
      this.run(queue, task as Task, a, b);
      return;
    }
    // Queued, the task starts from pump() when a running one ends: no slot is free
    // now, or this key already runs its share (ordered), or a pump loop is under way.
    queue.push(task as Task, a, b);
    this.waiting++;
    if (!queue.ready && queue.running < this.perKeyConcurrency) this.makeReady(queue);
  }

  waitForRoom(key: number, cb: () => void): void {
    if (this.isClosed || this.hasRoom(key)) {
      cb();
      return;
    }
    const queue = this.keys.get(key);
    if (queue !== undefined && queue.length >= this.queueLength) queue.waiters.push(cb);
    else this.poolWaiters.push(cb);
  }

  close(): Promise<void> {
    if (!this.isClosed) {
      this.isClosed = true;
      this.dropQueued();
    }
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private queueOf(key: number): KeyQueue {
    const last = this.lastQueue;
    if (last !== null && last.key === key) return last;
    let queue = this.keys.get(key);
    if (queue === undefined) {
      queue = new KeyQueue(key);
      this.keys.set(key, queue);
    }
    this.lastQueue = queue;
    if (last !== null) this.forgetIfIdle(last);
    return queue;
  }

  private makeReady(queue: KeyQueue): void {
    queue.ready = true;
    queue.next = null;
    if (this.readyLast === null) this.readyFirst = queue;
    else this.readyLast.next = queue;
    this.readyLast = queue;
  }

  private takeReady(): KeyQueue | null {
    const queue = this.readyFirst;
    if (queue === null) return null;
    this.readyFirst = queue.next;
    if (this.readyFirst === null) this.readyLast = null;
    queue.ready = false;
    queue.next = null;
    return queue;
  }

  private run(queue: KeyQueue, task: Task, a: unknown, b: unknown): void {
    this.running++;
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

  private failAsync(queue: KeyQueue, err: unknown): void {
    this.onTaskError(err);
    this.finish(queue);
  }

  private finish(queue: KeyQueue): void {
    this.running--;
    queue.running--;
    this.pending--;
    if (queue.length > 0 && !queue.ready && !this.isClosed) this.makeReady(queue);
    this.pump();
    this.forgetIfIdle(queue);
    if (this.pending === 0) this.notifyIdle();
  }

  /**
   * Free slots go to the ready keys in turn; a key with more to run goes to the back.
   * Not re-entered: a synchronous task ends inside `run`, and starting the next
   * one from there would nest a call per queued task until the stack overflows.
   */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      this.startReady();
    } finally {
      this.pumping = false;
    }
  }

  private startReady(): void {
    const taken = this.taken;
    while (this.running < this.size) {
      const queue = this.takeReady();
      if (queue === null) return;
      const wasFull = queue.length >= this.queueLength;
      const poolWasFull = this.waiting >= this.maxWaiting;
      queue.shift(taken);
      this.waiting--;
      if (queue.length > 0 && queue.running + 1 < this.perKeyConcurrency) this.makeReady(queue);
      const { task, a, b } = taken;
      taken.task = noopTask;
      taken.a = taken.b = undefined;
      // Start the task before waking anyone: a woken session adds at once, and its task must
      // neither run ahead of this one (ordered keys) nor take the slot this one was given.
      this.run(queue, task, a, b);
      if (wasFull) wake(queue.waiters.splice(0));
      if (poolWasFull) wake(this.poolWaiters.splice(0));
    }
  }

  /**
   * A key with nothing queued, running or waiting is forgotten (sessions come
   * and go), except the last one used: a session calling again reuses it.
   */
  private forgetIfIdle(queue: KeyQueue): void {
    if (queue === this.lastQueue || queue.length > 0 || queue.running > 0 || queue.waiters.length > 0 || queue.ready) return;
    this.keys.delete(queue.key);
  }

  private dropQueued(): void {
    for (const queue of this.keys.values()) {
      this.pending -= queue.drop();
      queue.ready = false;
      queue.next = null;
      wake(queue.waiters.splice(0));
    }
    this.readyFirst = this.readyLast = null;
    this.waiting = 0;
    wake(this.poolWaiters.splice(0));
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

function wake(waiters: (() => void)[]): void {
  for (const cb of waiters) cb();
}

function noopTask(): void {}

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
