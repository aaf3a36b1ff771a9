import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, RpcError, isRpcError } from '../../common/rpc-error.js';

describe('RpcError', () => {
  it('carries a code and keeps the cause', () => {
    const cause = new Error('boom');
    const err = new RpcError(ErrorCode.TIMEOUT, 'late', { cause });
    assert.equal(err.code, 'TIMEOUT');
    assert.equal(err.cause, cause);
    assert.ok(err instanceof Error);
    assert.ok(isRpcError(err, ErrorCode.TIMEOUT));
    assert.ok(!isRpcError(err, ErrorCode.NETWORK));
  });

  it('recognises errors by brand, not by prototype identity', () => {
    const foreign = Object.create(RpcError.prototype);
    assert.ok(foreign instanceof RpcError);
    assert.ok(!(new Error('x') instanceof RpcError));
  });

  it('wraps unknown throws and leaves RpcErrors alone', () => {
    const own = new RpcError(ErrorCode.NETWORK, 'down');
    assert.equal(RpcError.from(own), own);
    const wrapped = RpcError.from('text', ErrorCode.BAD_REQUEST);
    assert.equal(wrapped.code, 'BAD_REQUEST');
    assert.equal(wrapped.message, 'text');
  });
});
