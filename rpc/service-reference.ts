/**
 * `ServiceReference`: the consumer side of one `client.refer(...)`. It turns a
 * proxy method call into an `Invocation` — Java types from the definition (or
 * inferred from the values), timeout, signal, attachments from the call
 * options and the surrounding `RpcContext` — and runs it through the consumer
 * filters into the cluster invoker.
 */
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import { type CallOptions, RpcContext } from './context.js';
import { composeFilters, type Filter, type Next } from './filter.js';
import { gracefulShutdownFilter } from './filters/graceful-shutdown-filter.js';
import { GENERIC_PARAMETER_TYPES } from './filters/generic-filter.js';
import type { Invoker } from './invoker.js';
import { inferJavaType } from './protocol/java-types.js';
import { RpcInvocation } from './rpc-invocation.js';
import { findMethod, type MethodDescriptor, type ServiceDefinition } from './service.js';
import type { ShutdownTracker } from './shutdown-tracker.js';

export interface ReferenceSettings {
  definition: ServiceDefinition;
  version: string;
  group: string;
  timeoutMs: number;
  /** Attachments sent with every call (e.g. the token). */
  attachments: Record<string, unknown>;
  filters: readonly Filter[];
  tracker: ShutdownTracker;
  /** Calls wait for this first (a registry directory's first provider list). */
  ready?: Promise<void>;
}

const ECHO_TYPES: readonly string[] = ['java.lang.Object'];

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
      const result = this.chain(this.invocationFor(methodName, method, args, bound));
      return method?.decodeResult ? result.then(method.decodeResult) : result;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  destroy(): void {
    this.invoker.destroy();
  }

  /** Into the cluster invoker; until `ready` settles, after it. */
  private terminal(ready: Promise<void> | undefined): Next {
    if (!ready) return (invocation) => this.invoker.invoke(invocation);
    let isReady = false;
    ready.then(() => (isReady = true)).catch(() => {});
    return (invocation) => (isReady ? this.invoker.invoke(invocation) : ready.then(() => this.invoker.invoke(invocation)));
  }

  private invocationFor(methodName: string, method: MethodDescriptor | undefined, args: readonly unknown[], bound: CallOptions): RpcInvocation {
    const context = RpcContext.current();
    const scope = context?.side === 'consumer' ? context : undefined;
    const signal = combine(context?.signal, bound.signal);
    if (signal?.aborted) throw new RpcError(ErrorCode.CANCELLED, `call to ${methodName} cancelled before it started`, { cause: signal.reason });
    return new RpcInvocation({
      interfaceName: this.settings.definition.name,
      methodName,
      parameterTypes: this.parameterTypes(methodName, method, args),
      args,
      attachments: this.attachmentsFor(methodName, scope, bound),
      version: this.settings.version,
      group: this.settings.group,
      timeoutMs: this.timeoutFor(bound, context),
      signal,
      oneWay: bound.oneWay ?? scope?.oneWay ?? method?.oneWay ?? false,
    });
  }

  /**
   * A fresh object per call (filters may add to it), merged in order: the
   * reference's, the surrounding scope's, the call's own. Only the layers
   * present are spread: most calls copy one object (round 3).
   */
  private attachmentsFor(methodName: string, scope: RpcContext | undefined, bound: CallOptions): Record<string, unknown> {
    const attachments = { ...this.settings.attachments };
    if (scope !== undefined) Object.assign(attachments, scope.attachments);
    if (bound.attachments !== undefined) Object.assign(attachments, bound.attachments);
    if (methodName === '$invoke') attachments.generic = 'true';
    return attachments;
  }

  private parameterTypes(methodName: string, method: MethodDescriptor | undefined, args: readonly unknown[]): readonly string[] {
    if (methodName === '$invoke') return GENERIC_PARAMETER_TYPES;
    if (methodName === '$echo') return ECHO_TYPES;
    return method?.parameterTypes ?? args.map(inferJavaType);
  }

  /** The call's own timeout, cut to what the surrounding deadline leaves (deadline propagation). */
  private timeoutFor(bound: CallOptions, context: RpcContext | undefined): number {
    const timeoutMs = bound.timeoutMs ?? this.settings.timeoutMs;
    const remaining = context?.remainingMs();
    if (remaining === undefined) return timeoutMs;
    if (remaining <= 0) throw new RpcError(ErrorCode.TIMEOUT, 'the deadline of the surrounding call has passed');
    return Math.min(timeoutMs, Math.ceil(remaining));
  }
}

function combine(a: AbortSignal | undefined, b: AbortSignal | undefined): AbortSignal | undefined {
  if (!a || !b) return a ?? b;
  return AbortSignal.any([a, b]);
}
