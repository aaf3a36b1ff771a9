/**
 * The `generic_service` provider filter (dubbo-go `filter/generic/`): a call to
 * `$invoke(method, parameterTypes, args)` (or `$invokeAsync`) is turned back
 * into a call to `method` with those arguments, so a consumer without the
 * service's types can still call it. A malformed `$invoke` fails with
 * RpcError BAD_REQUEST.
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import { type Filter, registerFilter } from '../filter.js';
import type { Invocation } from '../invocation.js';
import { toRpcInvocation } from '../rpc-invocation.js';

export const GENERIC_METHODS: ReadonlySet<string> = new Set(['$invoke', '$invokeAsync']);


/** Unwraps generic calls into plain ones. */
export function genericFilter(): Filter {
  // Not async: a pass-through layer should not add a promise per call.
  return (invocation, next) => {
    if (!GENERIC_METHODS.has(invocation.methodName)) return next(invocation);
    try {
      return next(unwrapGeneric(invocation));
    } catch (err) {
      return Promise.reject(err);
    }
  };
}

/** `$invoke(m, types, args)` → a call of `m`; throws BAD_REQUEST when malformed. */
export function unwrapGeneric(invocation: Invocation): Invocation {
  const [methodName, types, args] = invocation.args;
  if (invocation.args.length !== 3 || typeof methodName !== 'string' || methodName.startsWith('$')) {
    throw new RpcError(ErrorCode.BAD_REQUEST, 'generic call needs ($invoke) a method name, a type list and an argument list');
  }
  const argList = args === null || args === undefined ? [] : args;
  const typeList = types === null || types === undefined ? [] : types;
  if (!Array.isArray(argList) || !Array.isArray(typeList)) {
    throw new RpcError(ErrorCode.BAD_REQUEST, 'generic call: parameter types and arguments must be lists');
  }
  return toRpcInvocation(invocation).with({ methodName, parameterTypes: typeList.map(String), args: argList });
}

registerFilter('generic_service', genericFilter);
