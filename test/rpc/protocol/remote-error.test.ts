import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, RpcError } from '../../../common/rpc-error.js';
import { createRequest, ResponseStatus } from '../../../rpc/protocol/dubbo-package.js';
import { decodeErrorMessage, encodeErrorMessage, errorResponse } from '../../../rpc/protocol/remote-error.js';

describe('error text of a non-OK response', () => {
  it('starts with the code in brackets and reads back to the same code and message', () => {
    const err = new RpcError(ErrorCode.METHOD_NOT_FOUND, "no method 'x' in demo.Svc");
    const text = encodeErrorMessage(err);
    assert.equal(text, "[METHOD_NOT_FOUND] no method 'x' in demo.Svc");
    assert.deepEqual(decodeErrorMessage(text, ErrorCode.SERVER_ERROR), { code: ErrorCode.METHOD_NOT_FOUND, message: "no method 'x' in demo.Svc" });
  });

  it('reads every known code back', () => {
    for (const code of Object.values(ErrorCode)) {
      const fallback = code === ErrorCode.SERVER_ERROR ? ErrorCode.TIMEOUT : ErrorCode.SERVER_ERROR;
      assert.deepEqual(decodeErrorMessage(`[${code}] m`, fallback), { code, message: 'm' }, code);
    }
  });

  it('keeps the status code and the whole text when the text carries no known code at its start', () => {
    // A Java provider's text: the exception's toString and stack (org.apache.dubbo.rpc.RpcException).
    const cases = [
      'java.lang.IllegalStateException: [TIMEOUT] inside',
      '[NOPE] unknown code',
      '[] empty code',
      '[TIMEOUT]no space',
      '[timeout] lower case',
      '[1] digits',
      '',
    ];
    for (const text of cases) {
      assert.deepEqual(decodeErrorMessage(text, ErrorCode.SERVER_ERROR), { code: ErrorCode.SERVER_ERROR, message: text }, text);
    }
  });
});

describe('errorResponse', () => {
  it('answers the request by its id, serialization and version with the status of the code and the coded text', () => {
    const request = createRequest({ id: 77n, serialization: 6, dubboVersion: '2.0.2' });
    const response = errorResponse(request, new RpcError(ErrorCode.SERVICE_NOT_FOUND, 'no demo.Svc'));
    assert.equal(response.kind, 'response');
    assert.equal(response.id, 77n);
    assert.equal(response.serialization, 6);
    assert.equal(response.dubboVersion, '2.0.2');
    assert.equal(response.status, ResponseStatus.SERVICE_NOT_FOUND);
    assert.equal(response.errorMessage, '[SERVICE_NOT_FOUND] no demo.Svc');
  });
});
