/**
 * Which failures another attempt (on another provider) may cure, and which of
 * those are safe to re-send by default.
 *
 * Final, never retried: a business exception (SERVICE_ERROR) and the errors
 * every provider would repeat because the request itself is at fault (bad
 * request, serialization, arguments, credentials), or the caller's own
 * cancellation.
 *
 * Of the rest, a failure that proves the provider never ran the call — it was
 * never sent (no connection, the write was refused), or the provider refused
 * it before processing (a limit, SERVER_SHUTTING_DOWN, no such service or
 * method) — is retried by default. A failure after the request may have
 * reached a provider (TIMEOUT, a connection dropped after the write,
 * SERVER_ERROR, BAD_RESPONSE) is retried only when the method is idempotent or
 * retries were asked for explicitly: Java Dubbo and dubbo-go retry it always
 * (dubbo-cluster/.../cluster/support/FailoverClusterInvoker.java,
 * dubbo-go cluster/cluster/failover/cluster_invoker.go), which runs a
 * non-idempotent method twice or more.
 * docs/rpc.md "Deadlines, retries and cancellation" has the table.
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import { wasNeverSent } from '../never-sent.js';

const FINAL_CODES: ReadonlySet<string> = new Set([
  ErrorCode.SERVICE_ERROR,
  ErrorCode.CANCELLED,
  ErrorCode.BAD_REQUEST,
  ErrorCode.SERIALIZATION,
  ErrorCode.INVALID_ARGUMENT,
  ErrorCode.UNAUTHORIZED,
  ErrorCode.BAD_URL,
]);

/** Codes that only arise before a provider ran the call. */
const NOT_RUN_CODES: ReadonlySet<string> = new Set([
  ErrorCode.CONNECT_FAILED,
  ErrorCode.SELF_CONNECT,
  ErrorCode.ENDPOINT_CLOSED,
  ErrorCode.SESSION_CLOSED,
  ErrorCode.WRITE_BUFFER_FULL,
  ErrorCode.LIMIT_EXCEEDED,
  ErrorCode.SERVER_SHUTTING_DOWN,
  ErrorCode.SERVICE_NOT_FOUND,
  ErrorCode.METHOD_NOT_FOUND,
  ErrorCode.NO_PROVIDER,
]);

/** Another attempt might succeed (the error is not final). */
export function isRetriable(err: RpcError): boolean {
  return !FINAL_CODES.has(err.code);
}

/** The provider provably did not run the call: sending it again cannot run it twice. */
export function providerDidNotRun(err: RpcError): boolean {
  return NOT_RUN_CODES.has(err.code) || wasNeverSent(err);
}

/**
 * Whether failover may try again after `err`: always for a call that never
 * ran, and for one that may have run only when `resendAllowed` (the method is
 * idempotent, or retries were set explicitly).
 */
export function mayRetry(err: RpcError, resendAllowed: boolean): boolean {
  return isRetriable(err) && (resendAllowed || providerDidNotRun(err));
}

/** Every failure a cluster reports is an RpcError; anything else thrown is a SERVER_ERROR. */
export function toRpcError(err: unknown): RpcError {
  return RpcError.from(err, ErrorCode.SERVER_ERROR);
}
