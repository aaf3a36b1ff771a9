/**
 * How an RpcError crosses the wire in a non-OK Dubbo response. The status
 * byte says only so much (Java has no "method not found" or "shutting down"
 * status), so the error text starts with the RpcError code in brackets:
 * `[METHOD_NOT_FOUND] no method 'x' in demo.Svc`. Java and Go peers show
 * that text as it is; our consumer reads the code back. A text without a
 * known code keeps the code the status maps to.
 */
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import { createResponse, type DubboRequest, type DubboResponse, errorCodeToStatus, ResponseStatus, statusToErrorCode } from './protocol/dubbo-package.js';

const CODE_PREFIX = /^\[([A-Z_]+)\] /;
const knownCodes: ReadonlySet<string> = new Set(Object.values(ErrorCode));

/** `[CODE] message` for the error text of a response. */
export function encodeErrorMessage(err: RpcError): string {
  return `[${err.code}] ${err.message}`;
}

/** Splits `[CODE] message`; `fallback` when the text carries no known code. */
export function decodeErrorMessage(text: string, fallback: ErrorCode): { code: ErrorCode; message: string } {
  const match = CODE_PREFIX.exec(text);
  if (match && knownCodes.has(match[1]!)) return { code: match[1] as ErrorCode, message: text.slice(match[0].length) };
  return { code: fallback, message: text };
}

/** The error response to `request` for `err` (status from its code). */
export function errorResponse(request: DubboRequest, err: RpcError): DubboResponse {
  return createResponse({
    id: request.id,
    serialization: request.serialization,
    status: errorCodeToStatus(err.code),
    errorMessage: encodeErrorMessage(err),
    dubboVersion: request.dubboVersion,
  });
}

/** Any thrown value as an RpcError (non-RpcErrors are the server's fault). */
export function toRpcError(err: unknown): RpcError {
  return RpcError.from(err, ErrorCode.SERVER_ERROR);
}

/**
 * The value of a response, or the RpcError it carries: a non-OK status gives
 * the code read back from `[CODE] message`, a Dubbo exception SERVICE_ERROR with
 * the remote type. Shared by the Node and the browser consumers.
 */
export function responseValue(response: DubboResponse): unknown {
  if (response.status !== ResponseStatus.OK) {
    const { code, message } = decodeErrorMessage(response.errorMessage ?? '', statusToErrorCode(response.status));
    throw new RpcError(code, message, { status: response.status });
  }
  if (response.exception) {
    const { type, message } = response.exception;
    throw new RpcError(ErrorCode.SERVICE_ERROR, message, { remoteType: type, status: response.status });
  }
  return response.value;
}
