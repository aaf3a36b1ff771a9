/**
 * `failback` (dubbo-go `cluster/cluster/failback/`): a failed call resolves `undefined` at once
 * and is remembered; a periodic retry pass re-sends it (choosing a provider
 * again, avoiding the one that failed last) up to `retries` times (default 3).
 * At most `failbacktasks` calls wait (default 100); beyond that a failure is
 * dropped and reported, as is one with a final code (retriable-error.ts: a
 * business error would only repeat). For notifications that must arrive
 * eventually.
 *
 * The retry pass runs on the shared TimerWheel (no timer per call) and is
 * scheduled only while calls wait, so an idle reference costs nothing.
 */
import { RpcError } from '../../common/rpc-error.js';
import { defaultTimerWheel } from '../../transport/timer-wheel.js';
import type { Invocation } from '../invocation.js';
import type { Invoker } from '../invoker.js';
import { toRpcInvocation } from '../rpc-invocation.js';
import { type Cluster, registerCluster } from './cluster.js';
import { ClusterInvoker } from './cluster-invoker.js';
import type { Directory } from './directory/directory.js';
import { isRetriable } from './retriable-error.js';

/** Retries of one failed call when the URL has no `retries` param (dubbo-go `common/constant/default.go`). */
export const DEFAULT_FAILBACK_RETRIES = 3;
/** Failed calls waiting at most when the URL has no `failbacktasks` param (dubbo-go `cluster/cluster/failback/`). */
export const DEFAULT_FAILBACK_TASKS = 100;
/** Pause between retry passes; Java Dubbo's RETRY_FAILED_PERIOD. */
export const DEFAULT_FAILBACK_INTERVAL_MS = 5000;

/** What the retry pass needs of a timer: the TimerWheel's `schedule`. */
export interface FailbackScheduler {
  schedule(delayMs: number, callback: () => void): { cancel(): void };
}

/** What happened to one remembered call. */
export interface FailbackEvent {
  invocation: Invocation;
  /** 'queued' after the first failure, 'retried' on success, 'failed' per failed retry, 'dropped' when given up. */
  kind: 'queued' | 'retried' | 'failed' | 'dropped';
  /** Retries made so far. */
  retries: number;
  error?: RpcError;
}

export interface FailbackOptions {
  /** Pause between retry passes, in ms. Default 5000. */
  retryIntervalMs?: number;
  /** Default: the process-wide TimerWheel. */
  scheduler?: FailbackScheduler;
  /** Observes queueing, retries and drops (logging, metrics, tests). */
  onEvent?: (event: FailbackEvent) => void;
}

interface FailbackTask {
  invocation: Invocation;
  lastInvoker: Invoker | undefined;
  retries: number;
}

export class FailbackClusterInvoker extends ClusterInvoker {
  private readonly tasks = new Set<FailbackTask>();
  private pass: { cancel(): void } | undefined;
  private readonly retryIntervalMs: number;

  constructor(
    directory: Directory,
    private readonly options: FailbackOptions = {},
  ) {
    super(directory);
    this.retryIntervalMs = options.retryIntervalMs ?? DEFAULT_FAILBACK_INTERVAL_MS;
  }

  /** Calls waiting for a retry. */
  get pendingTasks(): number {
    return this.tasks.size;
  }

  protected async doInvoke(invocation: Invocation): Promise<unknown> {
    let invoker: Invoker | undefined;
    try {
      const invokers = this.listInvokers(invocation);
      invoker = this.select(invokers, invocation);
      return await this.attempt(invoker, invocation);
    } catch (err) {
      this.remember({ invocation: withoutDeadline(invocation), lastInvoker: invoker, retries: 0 }, RpcError.from(err));
      return undefined;
    }
  }

  override destroy(): void {
    this.pass?.cancel();
    this.pass = undefined;
    this.tasks.clear();
    super.destroy();
  }

  /** A call that failed after destroy() is dropped: no retry pass runs any more to send it. */
  private remember(task: FailbackTask, error: RpcError): void {
    if (!this.isOpen() || !isRetriable(error) || this.tasks.size >= this.limit(task.invocation, 'failbacktasks', DEFAULT_FAILBACK_TASKS)) {
      this.report(task, 'dropped', error);
      return;
    }
    this.tasks.add(task);
    this.report(task, 'queued', error);
    this.schedulePass();
  }

  private schedulePass(): void {
    if (this.pass || this.tasks.size === 0 || !this.isOpen()) return;
    const scheduler = this.options.scheduler ?? defaultTimerWheel();
    this.pass = scheduler.schedule(this.retryIntervalMs, () => {
      this.runPass().finally(() => {
        this.pass = undefined;
        this.schedulePass();
      });
    });
  }

  private async runPass(): Promise<void> {
    await Promise.all([...this.tasks].map((task) => this.retry(task)));
  }

  private async retry(task: FailbackTask): Promise<void> {
    task.retries++;
    try {
      const invokers = this.listInvokers(task.invocation);
      const tried = new Set(task.lastInvoker ? [task.lastInvoker] : []);
      task.lastInvoker = this.select(invokers, task.invocation, tried);
      await this.attempt(task.lastInvoker, task.invocation);
      this.settle(task, 'retried');
    } catch (err) {
      this.onRetryFailed(task, RpcError.from(err));
    }
  }

  private onRetryFailed(task: FailbackTask, error: RpcError): void {
    if (!isRetriable(error) || task.retries >= this.limit(task.invocation, 'retries', DEFAULT_FAILBACK_RETRIES)) {
      this.settle(task, 'dropped', error);
    } else {
      this.report(task, 'failed', error);
    }
  }

  private settle(task: FailbackTask, kind: 'retried' | 'dropped', error?: RpcError): void {
    if (!this.tasks.delete(task)) return;
    this.report(task, kind, error);
  }

  private report(task: FailbackTask, kind: FailbackEvent['kind'], error?: RpcError): void {
    this.options.onEvent?.({ invocation: task.invocation, kind, retries: task.retries, error });
  }

  private limit(invocation: Invocation, key: string, fallback: number): number {
    const invokers = this.isOpen() ? this.directory.list(invocation) : [];
    return Math.max(0, Math.floor(this.numberParam(invocation, invokers, key, fallback)));
  }

  private isOpen(): boolean {
    return !this.isDestroyed;
  }
}

/**
 * A retry runs long after the call returned, so it cannot share the call's
 * deadline: each retry gets the call's timeoutMs afresh.
 */
function withoutDeadline(invocation: Invocation): Invocation {
  return invocation.deadline === undefined ? invocation : toRpcInvocation(invocation).with({ deadline: undefined });
}

export class FailbackCluster implements Cluster {
  constructor(private readonly options: FailbackOptions = {}) {}

  join(directory: Directory): FailbackClusterInvoker {
    return new FailbackClusterInvoker(directory, this.options);
  }
}

registerCluster('failback', () => new FailbackCluster());
