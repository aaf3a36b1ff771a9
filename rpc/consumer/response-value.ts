/**
 * What a consumer makes of a response: its value, or the RpcError it carries
 * (dubbo-go `protocol/dubbo/dubbo_invoker.go` reads the result the same
 * way). Shared by the Node consumer (DubboInvoker) and the browser client;
 * free of Node-only modules.
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import { type DubboResponse, ResponseStatus, statusToErrorCode } from '../protocol/dubbo-package.js';
import { decodeErrorMessage } from '../protocol/remote-error.js';

/**
 * The value of a response, or what it carries as an error: a corrupt body
 * the decoder flagged, a non-OK status (the code read back from
 * `[CODE] message`, docs/errors.md), or a Java exception (SERVICE_ERROR with
 * the remote type).
 */
export function responseValue(response: DubboResponse): unknown {
  if (response.error) throw response.error;
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
