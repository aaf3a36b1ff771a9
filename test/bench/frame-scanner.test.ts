import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRpcError } from '../../common/rpc-error.js';
import { FrameScanner, forEachFrame } from '../../bench/lib/frame-scanner.js';

function frame(body: string): Buffer {
  const b = Buffer.from(body);
  const header = Buffer.alloc(4);
  header.writeUInt32BE(b.length);
  return Buffer.concat([header, b]);
}

describe('FrameScanner', () => {
  it('returns only complete frames and keeps a partial one for the next chunk', () => {
    const scanner = new FrameScanner(1024);
    const stream = Buffer.concat([frame('ab'), frame('cde')]);
    const first = scanner.push(stream.subarray(0, 8));
    assert.deepEqual(first, frame('ab'));
    const second = scanner.push(stream.subarray(8));
    assert.deepEqual(second, frame('cde'));
  });

  it('returns nothing while the header itself is incomplete', () => {
    const scanner = new FrameScanner(1024);
    assert.equal(scanner.push(Buffer.from([0, 0])).length, 0);
    assert.deepEqual(scanner.push(Buffer.from([0, 1, 0x41])), frame('A'));
  });

  it('rejects a header announcing more than maxFrameBytes with MSG_TOO_LONG', () => {
    const scanner = new FrameScanner(16);
    const hostile = Buffer.from([0xff, 0xff, 0xff, 0xff]);
    assert.throws(() => scanner.push(hostile), (err) => isRpcError(err, 'MSG_TOO_LONG'));
  });

  it('walks every frame body', () => {
    const frames = Buffer.concat([frame('x'), frame(''), frame('yz')]);
    const bodies: string[] = [];
    forEachFrame(frames, (start, len) => bodies.push(frames.toString('utf8', start, start + len)));
    assert.deepEqual(bodies, ['x', '', 'yz']);
  });
});
