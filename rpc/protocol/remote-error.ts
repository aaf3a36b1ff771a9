/**
 * How an RpcError crosses the wire in a non-OK Dubbo response. The status
 * byte says only so much (Java has no "method not found" or "shutting down"
 * status), so the error text starts with the RpcError code in brackets:
 * `[METHOD_NOT_FOUND] no method 'x' in demo.Svc`. Java and Go peers show
 * that text as it is; our consumer reads the code back. A text without a
 * known code keeps the code the status maps to.
 */
import { ErrorCode, type RpcError } from '../../common/rpc-error.js';
import { createResponse, type DubboRequest, type DubboResponse, errorCodeToStatus } from './dubbo-package.js';

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
