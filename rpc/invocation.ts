/**
 * An attempt is not started with less than this left of its call's deadline,
 * in ms: the TimerWheel (transport/timer-wheel.ts, 10 ms ticks by default)
 * may fire a timeout up to one tick early, so the attempt could only time out.
 */
export const MIN_ATTEMPT_MS = 10;

/**
 * One call as it travels through filters, the cluster and the wire: dubbo-go's
 * `RPCInvocation` (go-anchors §3.2, §5).
 */
export interface Invocation {
  /** The interface name (Dubbo's `path`). */
  readonly interfaceName: string;
  readonly methodName: string;
  /** Java type names of the parameters, e.g. `java.lang.String`. */
  readonly parameterTypes: readonly string[];
  readonly args: readonly unknown[];
  /** String-keyed values sent with the call (Dubbo attachments). */
  readonly attachments: Record<string, unknown>;
  /** Service version and group this call addresses. */
  readonly version?: string | undefined;
  readonly group?: string | undefined;
  /** Time left for the call, in ms, when it was issued. */
  readonly timeoutMs?: number | undefined;
  /**
   * performance.now() by which the whole call (every attempt and the waits
   * between them) must end; undefined = each attempt gets `timeoutMs`.
   */
  readonly deadline?: number | undefined;
  /** Bound on each single attempt, in ms, inside the deadline (Dubbo's per-attempt timeout). */
  readonly attemptTimeoutMs?: number | undefined;
  /** Retries asked for on this call (withCallOptions); overrides the reference's and method's. */
  readonly retries?: number | undefined;
  /** Cancels the call (rejects with RpcError CANCELLED). */
  readonly signal?: AbortSignal | undefined;
  /** No response expected. */
  readonly oneWay?: boolean | undefined;
}
