import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import hessian from 'hessian.js';
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
