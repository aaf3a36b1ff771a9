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
  /** Cancels the call (rejects with RpcError CANCELLED). */
  readonly signal?: AbortSignal | undefined;
  /** No response expected. */
  readonly oneWay?: boolean | undefined;
}
