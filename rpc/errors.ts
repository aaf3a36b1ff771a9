/**
 * The RPC layer's errors: the one `RpcError` class of getty-rpc (common/)
 * with its codes, re-exported here for `getty-rpc/rpc` users. Every code and
 * its meaning is listed in docs/errors.md.
 */
export { ErrorCode, isRpcError, RpcError, type RpcErrorOptions } from '../common/rpc-error.js';
export { decodeErrorMessage, encodeErrorMessage } from './protocol/remote-error.js';
