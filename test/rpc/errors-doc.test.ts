import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import { decodeErrorMessage, encodeErrorMessage } from '../../rpc/errors.js';

describe('docs/errors.md', () => {
  it('explains every ErrorCode', () => {
    const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    const missing = Object.values(ErrorCode).filter((code) => !doc.includes(`| \`${code}\` |`));
    assert.deepEqual(missing, []);
  });
});

describe('error text on the wire', () => {
  it('carries the code in brackets and reads it back', () => {
    const text = encodeErrorMessage(new RpcError(ErrorCode.METHOD_NOT_FOUND, 'no method x'));
    assert.equal(text, '[METHOD_NOT_FOUND] no method x');
    assert.deepEqual(decodeErrorMessage(text, ErrorCode.SERVICE_NOT_FOUND), { code: ErrorCode.METHOD_NOT_FOUND, message: 'no method x' });
  });
  it('keeps the status code for texts without a known code', () => {
    assert.deepEqual(decodeErrorMessage('[NOPE] x', ErrorCode.SERVER_ERROR), { code: ErrorCode.SERVER_ERROR, message: '[NOPE] x' });
    assert.deepEqual(decodeErrorMessage('java.lang.NullPointerException', ErrorCode.SERVER_ERROR).code, ErrorCode.SERVER_ERROR);
  });
});
