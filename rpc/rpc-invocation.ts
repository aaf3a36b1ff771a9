/**
 * `RpcInvocation`: the concrete `Invocation` the proxy builds on the consumer
 * side and the server builds from a decoded request (dubbo-go's
 * `RPCInvocation`). Immutable except for `attachments`, which filters may add to.
 */
import type { Invocation } from './invocation.js';

export interface RpcInvocationInit {
  interfaceName: string;
  methodName: string;
  parameterTypes?: readonly string[];
  args?: readonly unknown[];
  attachments?: Record<string, unknown>;
  version?: string;
  group?: string;
  timeoutMs?: number;
  deadline?: number;
  attemptTimeoutMs?: number;
  retries?: number;
  signal?: AbortSignal;
  oneWay?: boolean;
}

export class RpcInvocation implements Invocation {
  readonly interfaceName: string;
  readonly methodName: string;
  readonly parameterTypes: readonly string[];
  readonly args: readonly unknown[];
  readonly attachments: Record<string, unknown>;
  readonly version: string | undefined;
  readonly group: string | undefined;
  readonly timeoutMs: number | undefined;
  readonly deadline: number | undefined;
  readonly attemptTimeoutMs: number | undefined;
  readonly retries: number | undefined;
  readonly signal: AbortSignal | undefined;
  readonly oneWay: boolean;

  constructor(init: RpcInvocationInit) {
    this.interfaceName = init.interfaceName;
    this.methodName = init.methodName;
    this.parameterTypes = init.parameterTypes ?? [];
    this.args = init.args ?? [];
    this.attachments = init.attachments ?? {};
    this.version = init.version;
    this.group = init.group;
    this.timeoutMs = init.timeoutMs;
    this.deadline = init.deadline;
    this.attemptTimeoutMs = init.attemptTimeoutMs;
    this.retries = init.retries;
    this.signal = init.signal;
    this.oneWay = init.oneWay ?? false;
  }

  /** A copy with some fields replaced (the generic filter rewrites `$invoke` this way). */
  with(changes: Partial<RpcInvocationInit>): RpcInvocation {
    return new RpcInvocation({ ...this, ...changes });
  }
}

/** Turns any `Invocation` into an `RpcInvocation` (filters may be handed plain objects). */
export function toRpcInvocation(invocation: Invocation): RpcInvocation {
  return invocation instanceof RpcInvocation ? invocation : new RpcInvocation(invocation);
}
