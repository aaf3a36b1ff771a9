/**
 * The `token` provider filter (dubbo-go `filter/`): when a service is exported
 * with a token, every call must carry the same value in its `token`
 * attachment, else it fails with RpcError UNAUTHORIZED.
 */
import { timingSafeEqual } from 'node:crypto';
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import { type Filter, registerFilter } from '../filter.js';

export const TOKEN_KEY = 'token';

/** Rejects calls whose `token` attachment differs from `token`. */
export function tokenFilter(token: string): Filter {
  if (typeof token !== 'string' || token === '') {
    throw new RpcError(ErrorCode.INVALID_ARGUMENT, 'token filter needs a non-empty token');
  }
  const expected = Buffer.from(token);
  return async (invocation, next) => {
    if (!sameToken(expected, invocation.attachments[TOKEN_KEY])) {
      throw new RpcError(ErrorCode.UNAUTHORIZED, `invalid token for ${invocation.interfaceName}.${invocation.methodName}`);
    }
    return next(invocation);
  };
}

/** Constant-time comparison, so the token cannot be guessed byte by byte from timings. */
function sameToken(expected: Buffer, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

registerFilter('token', (options) => tokenFilter(options as string));
