/**
 * Which failures another attempt (on another provider) may cure. Dubbo and
 * dubbo-go retry every failure except a business exception (go-anchors §5.1),
 * TIMEOUT included; so do we. Also final here: the caller's own cancellation,
 * and errors every provider would repeat because the request itself is at
 * fault (bad request, serialization, arguments, credentials). CLIENT_CLOSED
 * from one provider's invoker is retried: it means that provider was just
 * removed from the directory (a closed reference fails before any attempt).
 * Set `retries=0` on methods that are not idempotent.
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';

const FINAL_CODES: ReadonlySet<string> = new Set([
  ErrorCode.SERVICE_ERROR,
  ErrorCode.CANCELLED,
  ErrorCode.BAD_REQUEST,
  ErrorCode.SERIALIZATION,
  ErrorCode.INVALID_ARGUMENT,
  ErrorCode.UNAUTHORIZED,
  ErrorCode.BAD_URL,
]);

export function isRetriable(err: RpcError): boolean {
  return !FINAL_CODES.has(err.code);
}

/** Every failure a cluster reports is an RpcError; anything else thrown is a SERVER_ERROR. */
export function toRpcError(err: unknown): RpcError {
  return RpcError.from(err, ErrorCode.SERVER_ERROR);
}
