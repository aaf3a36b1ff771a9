import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeHeader, FLAG_REQUEST, readRequestId } from '../../../rpc/protocol/dubbo-header.js';

describe('request id in the header', () => {
  it('reads an id as a number while it is a safe integer and as a bigint beyond', () => {
    const cases: [bigint | number, bigint | number][] = [
      [Number.MIN_SAFE_INTEGER, Number.MIN_SAFE_INTEGER],
      [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
      [-1, -1],
      [2n ** 53n, 2n ** 53n],
      [-(2n ** 53n) - 1n, -(2n ** 53n) - 1n],
      [2n ** 63n - 1n, 2n ** 63n - 1n],
      [-(2n ** 63n), -(2n ** 63n)],
    ];
    for (const [written, read] of cases) {
      assert.equal(readRequestId(encodeHeader(FLAG_REQUEST, 0, written, 0)), read, String(written));
    }
  });
});
