/**
 * Marks failures of requests that provably never left this process (no
 * session could be opened, the write was refused, the invoker was already
 * destroyed), where the error's code alone does not say so — NETWORK also
 * means "the connection dropped after the request was written". A cluster
 * may send such a call again safely (rpc/cluster/retriable-error.ts).
 */
import type { RpcError } from '../common/rpc-error.js';

const neverSent = new WeakSet<RpcError>();

/** `err`, remembered as the failure of a request that was not sent. */
export function notSent(err: RpcError): RpcError {
  neverSent.add(err);
  return err;
}

/** True when `err` was marked by `notSent`. */
export function wasNeverSent(err: RpcError): boolean {
  return neverSent.has(err);
}
