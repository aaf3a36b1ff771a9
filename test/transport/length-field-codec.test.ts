import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../common/rpc-error.js';
import { LengthFieldCodec } from '../../transport/length-field-codec.js';
import type { Session } from '../../transport/session-contract.js';

const session = {} as Session;

describe('LengthFieldCodec', () => {
  it('asks for a header, then announces the whole frame, then yields the body as a view', () => {
    const codec = new LengthFieldCodec();
    const wire = codec.encode(Buffer.from('hello'));
    assert.deepEqual(codec.read(session, wire.subarray(0, 3)), { len: 0 });
    assert.equal(codec.read(session, wire.subarray(0, 6)).pkg, undefined);
    assert.equal(codec.read(session, wire.subarray(0, 6)).len, 9);
    const result = codec.read(session, Buffer.concat([wire, Buffer.from('next')]));
    assert.equal(result.len, 9);
    assert.equal(result.pkg!.toString(), 'hello');
  });

  it('writes a small body behind its header in one buffer, a large one as [header, body]', () => {
    const codec = new LengthFieldCodec({ lengthFieldBytes: 2 });
    assert.deepEqual(codec.write(session, Buffer.from('abc')), Buffer.from([0, 3, 0x61, 0x62, 0x63]));
    const big = Buffer.alloc(10_000, 1);
    const out = codec.write(session, big) as Buffer[];
    assert.equal(out.length, 2);
    assert.deepEqual(out[0], Buffer.from([0x27, 0x10]));
    assert.equal(out[1], big, 'the body is not copied');
  });

  it('supports 1-byte length fields and refuses bodies they cannot describe', () => {
    const codec = new LengthFieldCodec({ lengthFieldBytes: 1 });
    const result = codec.read(session, Buffer.from([2, 7, 8, 9]));
    assert.equal(result.len, 3);
    assert.deepEqual([...result.pkg!], [7, 8]);
    assert.throws(() => codec.write(session, Buffer.alloc(256)), (err) => isRpcError(err, ErrorCode.MSG_TOO_LONG));
  });

  it('rejects a header over its own maxMsgLen before the body arrives', () => {
    const codec = new LengthFieldCodec({ maxMsgLen: 10 });
    assert.throws(() => codec.read(session, Buffer.from([0, 0, 0, 11])), (err) => isRpcError(err, ErrorCode.MSG_TOO_LONG));
    assert.throws(() => codec.write(session, Buffer.alloc(11)), (err) => isRpcError(err, ErrorCode.MSG_TOO_LONG));
  });

  it('refuses non-Buffer packages and bad options', () => {
    const codec = new LengthFieldCodec();
    assert.throws(() => codec.write(session, 'text' as never), (err) => isRpcError(err, ErrorCode.BAD_PACKAGE));
    assert.throws(() => new LengthFieldCodec({ lengthFieldBytes: 3 as never }), (err) => isRpcError(err, ErrorCode.INVALID_ARGUMENT));
    assert.throws(() => new LengthFieldCodec({ maxMsgLen: -1 }), (err) => isRpcError(err, ErrorCode.INVALID_ARGUMENT));
  });

  it('writeInto produces the same bytes as write for every length-field size, at any offset', () => {
    for (const size of [1, 2, 4] as const) {
      const codec = new LengthFieldCodec({ lengthFieldBytes: size });
      for (const bodyLen of [0, 1, 200, 255]) {
        const body = Buffer.alloc(bodyLen, 0x5a);
        const target = Buffer.alloc(300, 0xee);
        const n = codec.encodedLength(session, body);
        assert.equal(n, size + bodyLen);
        codec.writeInto(session, body, target, 7);
        assert.deepEqual(target.subarray(7, 7 + n), codec.write(session, body));
        assert.equal(target[6], 0xee, 'nothing written before the offset');
        assert.equal(target[7 + n], 0xee, 'nothing written after the frame');
      }
    }
  });

  it('encodedLength refuses what write refuses', () => {
    const codec = new LengthFieldCodec({ lengthFieldBytes: 2, maxMsgLen: 100 });
    assert.throws(() => codec.encodedLength(session, Buffer.alloc(101)), (err) => isRpcError(err, ErrorCode.MSG_TOO_LONG));
    assert.throws(() => codec.encodedLength(session, 'text' as never), (err) => isRpcError(err, ErrorCode.BAD_PACKAGE));
  });

  it('readFrom decodes the frame at an offset; its body is a real Buffer sharing the read bytes', () => {
    const codec = new LengthFieldCodec();
    const wire = Buffer.concat([Buffer.from('xyz'), codec.encode(Buffer.from('hello')), codec.encode(Buffer.from('ab'))]);
    const first = codec.readFrom(session, wire, 3);
    assert.equal(first.len, 9);
    const body = first.pkg!;
    assert.ok(Buffer.isBuffer(body) && body instanceof Buffer);
    assert.equal(body.toString(), 'hello');
    assert.ok(body.equals(Buffer.from('hello')));
    assert.equal(body.readUInt8(0), 0x68);
    assert.equal(body.buffer, wire.buffer, 'a view, not a copy');
    assert.deepEqual(Buffer.concat([body, body.subarray(0, 1)]), Buffer.from('helloh'));
    assert.equal(codec.readFrom(session, wire, 12).pkg!.toString(), 'ab');
    assert.deepEqual(codec.readFrom(session, wire, 16), { len: 0 });
    assert.equal(codec.readFrom(session, wire.subarray(0, 13), 12).pkg, undefined, 'announced, body incomplete');
  });

  it('explains what is wrong in its errors', () => {
    assert.throws(() => new LengthFieldCodec({ lengthFieldBytes: 3 as never }), {
      message: 'lengthFieldBytes must be 1, 2 or 4, got 3',
    });
    assert.throws(() => new LengthFieldCodec({ maxMsgLen: 1.5 }), { message: 'maxMsgLen must be an integer >= 0, got 1.5' });
    const codec = new LengthFieldCodec({ maxMsgLen: 10 });
    assert.throws(() => codec.read(session, Buffer.from([0, 0, 0, 11])), { message: 'frame body of 11 bytes exceeds 10' });
    assert.throws(() => codec.write(session, Buffer.alloc(11)), { message: 'body of 11 bytes exceeds 10' });
    assert.throws(() => codec.write(session, 'text' as never), { message: 'LengthFieldCodec writes Buffers only' });
  });

  it('accepts a body of exactly maxMsgLen and refuses one byte more; 0 leaves the length unchecked', () => {
    const codec = new LengthFieldCodec({ maxMsgLen: 10 });
    const wire = codec.encode(Buffer.alloc(10, 1));
    assert.equal(codec.read(session, wire).len, 14);
    assert.deepEqual(codec.write(session, Buffer.alloc(10, 1)), wire);
    assert.throws(() => codec.read(session, Buffer.from([0, 0, 0, 11])), (err) => isRpcError(err, ErrorCode.MSG_TOO_LONG));
    const unchecked = new LengthFieldCodec();
    assert.equal(unchecked.read(session, Buffer.from([0x7f, 0xff, 0xff, 0xff])).len, 4 + 0x7fffffff);
  });

  it('reads a 2-byte length field at an offset, high byte first', () => {
    const codec = new LengthFieldCodec({ lengthFieldBytes: 2 });
    const body = Buffer.alloc(0x0102, 0x33);
    const wire = Buffer.concat([Buffer.from([0x09, 0x09, 0x09]), codec.encode(body)]);
    const result = codec.readFrom(session, wire, 3);
    assert.equal(result.len, 2 + 0x0102);
    assert.ok(result.pkg!.equals(body));
  });

  it('copies a body of up to 4 096 bytes behind its header, and sends a larger one as it is', () => {
    const codec = new LengthFieldCodec();
    const atLimit = codec.write(session, Buffer.alloc(4096, 2));
    assert.ok(Buffer.isBuffer(atLimit), '4 096 bytes: one buffer');
    assert.equal((atLimit as Buffer).length, 4 + 4096);
    const body = Buffer.alloc(4097, 2);
    const above = codec.write(session, body) as Buffer[];
    assert.equal(above.length, 2, '4 097 bytes: header and body');
    assert.equal(above[1], body);
  });
});
