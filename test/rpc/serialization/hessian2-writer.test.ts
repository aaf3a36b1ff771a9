import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import hessian from 'hessian.js';
import { ErrorCode, isRpcError } from '../../../common/rpc-error.js';
import { Hessian2Writer } from '../../../rpc/serialization/hessian2-writer.js';

function written(writer: Hessian2Writer, map: Record<string, unknown>): Buffer {
  writer.reset();
  assert.equal(writer.stringMap(map), true);
  return Buffer.from(writer.view());
}

function byHessianJs(map: Record<string, unknown>): Buffer {
  return new hessian.EncoderV2().write(map).get();
}

describe('Hessian2Writer.stringMap', () => {
  it("writes hessian.js's bytes whatever the key order of maps written one after another", () => {
    const writer = new Hessian2Writer();
    const maps = [
      { timeout: '3000', interface: 'a.B', path: 'a.B' },
      { timeout: '3000', interface: 'a.B', path: 'a.B' },
      { path: 'a.B', timeout: '3000', interface: 'a.B' },
      { timeout: '1000', interface: 'a.B', path: 'a.B', group: 'g' },
      { timeout: '3000', interface: 'a.B', path: 'a.B' },
      {},
    ];
    for (const map of maps) assert.deepEqual(written(writer, map), byHessianJs(map));
  });
});

describe('Hessian2Writer body limit', () => {
  it('stops with MSG_TOO_LONG while writing, without growing its buffer beyond the limit', () => {
    const writer = new Hessian2Writer();
    const limit = 64 * 1024;
    writer.reset(limit);
    assert.throws(
      () => {
        for (let i = 0; i < 1000; i++) writer.string('x'.repeat(4000));
      },
      (err) => isRpcError(err, ErrorCode.MSG_TOO_LONG),
    );
    assert.ok(writer.length <= limit);
    assert.ok(writer.view().buffer.byteLength <= limit, `buffer of ${writer.view().buffer.byteLength} bytes`);
    assert.throws(() => writer.string('é'.repeat(limit)), (err) => isRpcError(err, ErrorCode.MSG_TOO_LONG));
  });

  it('fills a body exactly up to the limit, and the next reset lifts it', () => {
    const writer = new Hessian2Writer();
    writer.reset(5000);
    writer.bytes(Buffer.alloc(4995)); // 'A' + 4093 bytes, then 0x37 0x86 + 902 bytes
    assert.equal(writer.length, 5000);
    assert.throws(() => writer.null(), (err) => isRpcError(err, ErrorCode.MSG_TOO_LONG));
    writer.reset();
    writer.bytes(Buffer.alloc(100_000));
    assert.equal(writer.length, 100_000 + 3 * 25, "24 'A' chunks and a final 'B' one");
  });
});
