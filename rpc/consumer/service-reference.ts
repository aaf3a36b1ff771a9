/**
 * `ServiceReference`: the consumer side of one `client.refer(...)`. It turns a
 * proxy method call into an `Invocation` — Java types from the definition (or
 * inferred from the values), timeout, signal, attachments from the call
 * options and the surrounding `RpcContext` — and runs it through the consumer
 * filters into the cluster invoker.
 */
import { performance } from 'node:perf_hooks';
import { callChannelsActive, tracedCall } from '../call-channels.js';
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import type { TimerWheel } from '../../transport/timer-wheel.js';
import { type CallOptions, RpcContext } from '../context.js';
import { composeFilters, type Filter, type Next } from '../filter.js';
import { gracefulShutdownFilter } from '../filters/graceful-shutdown-filter.js';
import { type Invocation, MIN_ATTEMPT_MS } from '../invocation.js';
import type { Invoker } from '../invoker.js';
import { parameterTypesFor } from './request-builder.js';
import { RpcInvocation } from '../rpc-invocation.js';
import { findMethod, type MethodDescriptor, type ServiceDefinition } from '../service.js';
import type { ShutdownTracker } from '../shutdown-tracker.js';

export interface ReferenceSettings {
  definition: ServiceDefinition;
  version: string;
  group: string;
  /** Budget of each call, retries included, in ms (the reference's or the client's). */
  timeoutMs: number;
  /** Bound on each attempt, in ms; undefined = none. */
  attemptTimeoutMs: number | undefined;
  /** Per-method budgets, only for methods that set one; undefined when none does (no lookup per call). */
  methods: ReadonlyMap<string, MethodTimeouts> | undefined;
  /** Bounds the wait for `ready`. */
  wheel: TimerWheel;
  /** Attachments sent with every call (e.g. the token). */
  attachments: Record<string, unknown>;
  filters: readonly Filter[];
  tracker: ShutdownTracker;
  /** Calls wait for this first (a registry directory's first provider list). */
  ready?: Promise<void>;
}

/** A method's own budgets (rpc/method-options.ts). */
export interface MethodTimeouts {
  readonly timeoutMs: number | undefined;
  readonly attemptTimeoutMs: number | undefined;
}

export class ServiceReference {
  private readonly chain: Next;

  constructor(
    private readonly settings: ReferenceSettings,
    readonly invoker: Invoker,
  ) {
    const filters = [gracefulShutdownFilter(settings.tracker), ...settings.filters];
    this.chain = composeFilters(filters, this.terminal(settings.ready));
  }

  get definition(): ServiceDefinition {
    return this.settings.definition;
  }

  /** Calls `methodName`; rejects with an RpcError. */
  call(methodName: string, args: readonly unknown[], bound: CallOptions): Promise<unknown> {
    try {
      const method = findMethod(this.settings.definition, methodName);
      const invocation = this.invocationFor(methodName, method, args, bound);
      const result = callChannelsActive() ? tracedCall('consumer', this.chain, invocation) : this.chain(invocation);
      return method?.decodeResult ? result.then(method.decodeResult) : result;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  destroy(): void {
    this.invoker.destroy();
  }

  /** Into the cluster invoker; until `ready` settles, after it (within the call's deadline). */
  private terminal(ready: Promise<void> | undefined): Next {
    if (!ready) return (invocation) => this.invoker.invoke(invocation);
    let isReady = false;
    ready.then(() => (isReady = true)).catch(() => {});
    return (invocation) => (isReady ? this.invoker.invoke(invocation) : this.afterReady(ready, invocation));
  }

  /** Waits for the registry's first list, but no longer than the call's budget (one wheel entry, only while not ready). */
  private afterReady(ready: Promise<void>, invocation: Invocation): Promise<unknown> {
    const left = invocation.deadline === undefined ? (invocation.timeoutMs ?? this.settings.timeoutMs) : invocation.deadline - performance.now();
    return new Promise((resolve, reject) => {
      const timer = this.settings.wheel.schedule(Math.max(0, left), () =>
        reject(new RpcError(ErrorCode.TIMEOUT, `no provider list for ${invocation.interfaceName} from the registry within the call's ${Math.round(invocation.timeoutMs ?? left)} ms`)),
      );
      ready.then(
        () => {
          timer.cancel();
          resolve(this.invoker.invoke(invocation));
        },
        (err: unknown) => {
          timer.cancel();
          reject(err);
        },
      );
    });
  }

  private invocationFor(methodName: string, method: MethodDescriptor | undefined, args: readonly unknown[], bound: CallOptions): RpcInvocation {
    const context = RpcContext.current();
    const scope = context?.side === 'consumer' ? context : undefined;
    const signal = combine(context?.signal, bound.signal);
    if (signal?.aborted) throw new RpcError(ErrorCode.CANCELLED, `call to ${methodName} cancelled before it started`, { cause: signal.reason });
    // No map lookup unless some method has budgets of its own.
    const own = this.settings.methods?.get(methodName);
    const now = performance.now();
    const timeoutMs = this.timeoutFor(bound, own, context, now);
    return new RpcInvocation({
      interfaceName: this.settings.definition.name,
      methodName,
      parameterTypes: parameterTypesFor(methodName, method, args),
      args,
      attachments: this.attachmentsFor(methodName, scope, bound),
      version: this.settings.version,
      group: this.settings.group,
      timeoutMs,
      deadline: now + timeoutMs,
      attemptTimeoutMs: bound.attemptTimeoutMs ?? own?.attemptTimeoutMs ?? this.settings.attemptTimeoutMs,
      retries: bound.retries,
      signal,
      oneWay: bound.oneWay ?? scope?.oneWay ?? method?.oneWay ?? false,
    });
  }

  /**
   * A fresh object per call (filters may add to it), merged in order: the
   * reference's, the surrounding scope's, the call's own. Only the layers
   * present are spread: most calls copy one object.
   */
  private attachmentsFor(methodName: string, scope: RpcContext | undefined, bound: CallOptions): Record<string, unknown> {
    const attachments = { ...this.settings.attachments };
    if (scope !== undefined) Object.assign(attachments, scope.attachments);
    if (bound.attachments !== undefined) Object.assign(attachments, bound.attachments);
    if (methodName === '$invoke') attachments.generic = 'true';
    return attachments;
  }

  /**
   * The call's budget (call, method, reference, client — first set wins), cut
   * to what the surrounding scope's deadline leaves (deadline propagation).
   */
  private timeoutFor(bound: CallOptions, own: MethodTimeouts | undefined, context: RpcContext | undefined, now: number): number {
    const timeoutMs = bound.timeoutMs ?? own?.timeoutMs ?? this.settings.timeoutMs;
    const deadline = context?.deadline;
    if (deadline === undefined) return timeoutMs;
    const remaining = deadline - now;
    if (remaining < MIN_ATTEMPT_MS) throw new RpcError(ErrorCode.TIMEOUT, 'the deadline of the surrounding call has passed');
    return Math.min(timeoutMs, remaining);
  }
}

function combine(a: AbortSignal | undefined, b: AbortSignal | undefined): AbortSignal | undefined {
  if (!a || !b) return a ?? b;
  return AbortSignal.any([a, b]);
}
