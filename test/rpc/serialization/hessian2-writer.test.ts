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

/** Bytes from hex pairs, spaces ignored: `hex('90 c8 30')`. */
function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}

function bytesOf(write: (writer: Hessian2Writer) => void): Buffer {
  const writer = new Hessian2Writer();
  write(writer);
  assert.equal(writer.view().length, writer.length);
  return writer.copy();
}

/** Java's modified UTF-8 of UTF-16 units (what Hessian2Output.printString writes), built here independently. */
function modifiedUtf8(text: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch < 0x80) out.push(ch);
    else if (ch < 0x800) out.push(0xc0 | (ch >> 6), 0x80 | (ch & 0x3f));
    else out.push(0xe0 | (ch >> 12), 0x80 | ((ch >> 6) & 0x3f), 0x80 | (ch & 0x3f));
  }
  return Buffer.from(out);
}

describe('Hessian2Writer scalars: the most compact form at each range edge (hessian 2.0 spec)', () => {
  it('null and booleans', () => {
    assert.deepEqual(bytesOf((w) => { w.null(); w.boolean(true); w.boolean(false); }), hex('4e 54 46'));
  });

  it('int: one byte -16..47, two bytes -2048..2047, three bytes -262144..262143, else I', () => {
    const cases: [number, string][] = [
      [0, '90'], [-16, '80'], [47, 'bf'],
      [-17, 'c7 ef'], [48, 'c8 30'], [-2048, 'c0 00'], [2047, 'cf ff'], [-256, 'c7 00'], [255, 'c8 ff'],
      [-2049, 'd3 f7 ff'], [2048, 'd4 08 00'], [-262144, 'd0 00 00'], [262143, 'd7 ff ff'], [65536, 'd5 00 00'],
      [-262145, '49 ff fb ff ff'], [262144, '49 00 04 00 00'], [2 ** 31 - 1, '49 7f ff ff ff'], [-(2 ** 31), '49 80 00 00 00'],
    ];
    for (const [value, expected] of cases) assert.deepEqual(bytesOf((w) => w.int(value)), hex(expected), String(value));
  });

  it('long: one byte -8..15, two bytes -2048..2047, three bytes -262144..262143, Y within int, else L', () => {
    const cases: [number | bigint, string][] = [
      [0, 'e0'], [-8, 'd8'], [15, 'ef'],
      [-9, 'f7 f7'], [16, 'f8 10'], [-2048, 'f0 00'], [2047, 'ff ff'], [-256, 'f7 00'], [255, 'f8 ff'],
      [-2049, '3b f7 ff'], [2048, '3c 08 00'], [-262144, '38 00 00'], [262143, '3f ff ff'], [65536, '3d 00 00'],
      [-262145, '59 ff fb ff ff'], [262144, '59 00 04 00 00'], [2 ** 31 - 1, '59 7f ff ff ff'], [-(2 ** 31), '59 80 00 00 00'],
      [2 ** 31, '4c 00 00 00 00 80 00 00 00'], [-(2 ** 31) - 1, '4c ff ff ff ff 7f ff ff ff'],
      [2 ** 32, '4c 00 00 00 01 00 00 00 00'], [2 ** 53 - 1, '4c 00 1f ff ff ff ff ff ff'], [-(2 ** 53 - 1), '4c ff e0 00 00 00 00 00 01'],
      [-(2 ** 63), '4c 80 00 00 00 00 00 00 00'],
      [5n, 'e5'], [-0x8000_0000n, '59 80 00 00 00'], [0x7fff_ffffn, '59 7f ff ff ff'],
      [0x8000_0000n, '4c 00 00 00 00 80 00 00 00'], [-0x8000_0001n, '4c ff ff ff ff 7f ff ff ff'],
      [2n ** 63n - 1n, '4c 7f ff ff ff ff ff ff ff'], [-(2n ** 63n), '4c 80 00 00 00 00 00 00 00'],
    ];
    for (const [value, expected] of cases) assert.deepEqual(bytesOf((w) => w.long(value)), hex(expected), String(value));
  });

  it('double: 0 and 1 in one byte, whole numbers in a byte or short, exact milli-units as an int, else D', () => {
    const cases: [number, string][] = [
      [0, '5b'], [-0, '5b'], [1, '5c'], [-1, '5d ff'], [2, '5d 02'], [127, '5d 7f'], [-128, '5d 80'],
      [128, '5e 00 80'], [-129, '5e ff 7f'], [32767, '5e 7f ff'], [-32768, '5e 80 00'],
      [32768, '5f 01 f4 00 00'], [-32769, '5f fe 0b fc 18'], [2.5, '5f 00 00 09 c4'], [0.1, '5f 00 00 00 64'], [-0.001, '5f ff ff ff ff'],
      [2147483.647, '5f 7f ff ff ff'], [-2147483.648, '5f 80 00 00 00'],
      [2147483.648, '44 41 40 62 4d d2 f1 a9 fc'], [0.0001, '44 3f 1a 36 e2 eb 1c 43 2d'], [1.0005, '44 3f f0 02 0c 49 ba 5e 35'],
      [2 ** 40, '44 42 70 00 00 00 00 00 00'], [Number.NaN, '44 7f f8 00 00 00 00 00 00'], [Number.POSITIVE_INFINITY, '44 7f f0 00 00 00 00 00 00'],
    ];
    for (const [value, expected] of cases) assert.deepEqual(bytesOf((w) => w.double(value)), hex(expected), String(value));
  });

  it('date: whole minutes within an int as 0x4b, anything else as milliseconds (0x4a)', () => {
    const minute = 60_000;
    const cases: [number, string][] = [
      [0, '4b 00 00 00 00'], [minute, '4b 00 00 00 01'], [-minute, '4b ff ff ff ff'],
      [(2 ** 31 - 1) * minute, '4b 7f ff ff ff'], [-(2 ** 31) * minute, '4b 80 00 00 00'],
      [2 ** 31 * minute, '4a 00 00 75 30 00 00 00 00'], [(-(2 ** 31) - 1) * minute, '4a ff ff 8a cf ff ff 15 a0'],
      [1, '4a 00 00 00 00 00 00 00 01'], [-1, '4a ff ff ff ff ff ff ff ff'], [minute + 1, '4a 00 00 00 00 00 00 ea 61'],
    ];
    for (const [ms, expected] of cases) assert.deepEqual(bytesOf((w) => w.date(ms)), hex(expected), String(ms));
  });
});

describe('Hessian2Writer strings: length headers and chunks at every boundary', () => {
  const header = (length: number): Buffer => {
    if (length <= 31) return Buffer.from([length]);
    if (length <= 1023) return Buffer.from([0x30 + (length >> 8), length & 0xff]);
    return Buffer.from([0x53, length >> 8, length & 0xff]);
  };

  it('ASCII and non-ASCII strings of 0, 31, 32, 255, 256, 1023 and 1024 characters', () => {
    for (const length of [0, 1, 31, 32, 255, 256, 1023, 1024, 0x8000]) {
      for (const unit of ['a', 'é', '中', '\x7f', '\x80', '\u07ff', '\u0800', '\uffff']) {
        const text = unit.repeat(length);
        assert.deepEqual(bytesOf((w) => w.string(text)), Buffer.concat([header(length), modifiedUtf8(text)]), `${length} × U+${unit.charCodeAt(0).toString(16)}`);
      }
    }
  });

  it('an ASCII start then one non-ASCII character is written again in modified UTF-8, whole', () => {
    for (const text of ['abcé', 'x'.repeat(30) + '中', 'y'.repeat(40) + '\x80' + 'z']) {
      assert.deepEqual(bytesOf((w) => { w.string('pre'); w.string(text); w.int(1); }), Buffer.concat([hex('03'), Buffer.from('pre'), header(text.length), modifiedUtf8(text), hex('91')]));
    }
  });

  it('a character outside the BMP as two 3-byte surrogates (CESU-8)', () => {
    assert.deepEqual(bytesOf((w) => w.string('\u{1F600}')), hex('02 ed a0 bd ed b8 80'));
  });

  it("splits strings longer than 0x8000 units into 'R' chunks, never between a surrogate pair", () => {
    const chunks = (text: string, sizes: number[]): Buffer => {
      const parts: Buffer[] = [];
      let offset = 0;
      sizes.forEach((size, i) => {
        const last = i === sizes.length - 1;
        parts.push(last ? header(size) : Buffer.from([0x52, size >> 8, size & 0xff]), modifiedUtf8(text.slice(offset, offset + size)));
        offset += size;
      });
      assert.equal(offset, text.length);
      return Buffer.concat(parts);
    };
    const cases: [string, number[]][] = [
      ['a'.repeat(0x8001), [0x8000, 1]],
      ['é'.repeat(0x8000 + 32), [0x8000, 32]],
      ['a'.repeat(0x8000 * 2 + 1024), [0x8000, 0x8000, 1024]],
      ['a'.repeat(0x7fff) + '\u{1F600}' + 'b', [0x7fff, 3]],
      ['a'.repeat(0x7fff) + '\ud800\udc00', [0x7fff, 2]],
      ['a'.repeat(0x7fff) + '\udbff\udfff', [0x7fff, 2]],
      ['a'.repeat(0x7fff) + '\udc00' + 'b', [0x8000, 1]],
      ['a'.repeat(0x7fff) + '\ud7ff' + 'b', [0x8000, 1]],
      ['a'.repeat(0x7ffe) + '\u{1F600}' + 'b', [0x8000, 1]],
    ];
    for (const [text, sizes] of cases) assert.deepEqual(bytesOf((w) => w.string(text)), chunks(text, sizes), `${text.length} units`);
  });
});

describe('Hessian2Writer byte[]: compact, medium and chunked forms', () => {
  const cases: [number, string[]][] = [
    [0, ['20']], [15, ['2f']], [16, ['34 10']], [255, ['34 ff']], [256, ['35 00']], [1023, ['37 ff']], [1024, ['42 04 00']], [4093, ['42 0f fd']],
    [4094, ['41 0f fd', '21']], [4093 + 15, ['41 0f fd', '2f']], [4093 + 16, ['41 0f fd', '34 10']], [4093 + 1023, ['41 0f fd', '37 ff']],
    [4093 + 1024, ['41 0f fd', '42 04 00']], [8186, ['41 0f fd', '42 0f fd']], [8187, ['41 0f fd', '41 0f fd', '21']],
  ];
  const expected = (value: Buffer, headers: string[]): Buffer => {
    const parts: Buffer[] = [];
    for (const [i, text] of headers.entries()) parts.push(hex(text), value.subarray(i * 4093, Math.min(value.length, (i + 1) * 4093)));
    return Buffer.concat(parts);
  };

  it('writes each length with the header hessian.js and Hessian2Output use', () => {
    for (const [length, headers] of cases) {
      const value = Buffer.from(Array.from({ length }, (_, i) => (i * 31 + 7) & 0xff));
      assert.deepEqual(bytesOf((w) => w.bytes(value)), expected(value, headers), `${length} bytes`);
      assert.deepEqual(bytesOf((w) => w.bytes(value)), new hessian.EncoderV2().writeBytes(value).get(), `${length} bytes, hessian.js`);
    }
  });

  it('asks for exactly the room the value takes: it fits a limit of that size and fails one byte below', () => {
    // A writer whose 4096-byte buffer is full grows for every byte written next, so the limit applies.
    for (const [length, headers] of cases) {
      const value = Buffer.alloc(length, 0x5a);
      const size = expected(value, headers).length;
      const fits = new Hessian2Writer();
      fits.reset(4096 + size);
      fits.raw(Buffer.alloc(4096));
      fits.bytes(value);
      assert.deepEqual(fits.view().subarray(4096), expected(value, headers), `${length} bytes`);
      const short = new Hessian2Writer();
      short.reset(4096 + size - 1);
      short.raw(Buffer.alloc(4096));
      assert.throws(() => short.bytes(value), (err) => isRpcError(err, ErrorCode.MSG_TOO_LONG), `${length} bytes, one below`);
    }
  });
});

describe('Hessian2Writer growth and limit', () => {
  it('grows past its first 4096 bytes keeping what it holds, and copy() is the caller\'s', () => {
    const writer = new Hessian2Writer();
    writer.raw(Buffer.alloc(4095, 1));
    writer.byte(2);
    writer.byte(3);
    writer.int(-1);
    const copy = writer.copy();
    assert.deepEqual(copy, Buffer.concat([Buffer.alloc(4095, 1), hex('02 03 8f')]));
    writer.reset();
    writer.byte(9);
    assert.equal(copy[0], 1, 'a copy is not a view');
    assert.deepEqual(writer.view(), hex('09'));
  });

  it('grows for each kind of value written at the end of a full buffer', () => {
    const writes: [string, (w: Hessian2Writer) => void, string][] = [
      ['int', (w) => w.int(-(2 ** 31)), '49 80 00 00 00'],
      ['long', (w) => w.long(2 ** 40), '4c 00 00 01 00 00 00 00 00'],
      ['bigint long', (w) => w.long(2n ** 40n), '4c 00 00 01 00 00 00 00 00'],
      ['double', (w) => w.double(0.5e-300), '44 01 95 6e 1f c2 f8 f3 59'],
      ['date', (w) => w.date(1), '4a 00 00 00 00 00 00 00 01'],
      ['ascii string', (w) => w.string('abc'), '03 61 62 63'],
      ['long ascii string', (w) => w.string('a'.repeat(40)), '30 28' + '61'.repeat(40)],
      ['utf-8 string', (w) => w.string('中中'), '02 e4 b8 ad e4 b8 ad'],
      ['map', (w) => w.stringMap({ k: 'v' }), '48 01 6b 01 76 5a'],
    ];
    for (const [what, write, expected] of writes) {
      for (let fill = 4088; fill <= 4096; fill++) {
        const writer = new Hessian2Writer();
        writer.raw(Buffer.alloc(fill));
        write(writer);
        assert.deepEqual(writer.copy().subarray(fill), hex(expected), `${what} after ${fill} bytes`);
      }
    }
  });

  it('writes a non-ASCII string that fits the limit only at its exact size, and sizes the buffer to it', () => {
    // Three bytes a unit would cross the limit: the writer counts the exact size, 1, 2 or 3 bytes a unit.
    for (const unit of ['\x7f', '\x80', '\u07ff', '\u0800', 'aé中']) {
      const text = unit.repeat(Math.ceil(6000 / unit.length));
      const body = Buffer.concat([Buffer.from([0x53, text.length >> 8, text.length & 0xff]), modifiedUtf8(text)]);
      const limit = 3998 + body.length;
      const fits = new Hessian2Writer();
      fits.reset(limit);
      fits.raw(Buffer.alloc(3998));
      fits.string(text);
      assert.equal(fits.length, limit, `U+${unit.charCodeAt(0).toString(16)}`);
      assert.deepEqual(fits.copy().subarray(3998), body, `U+${unit.charCodeAt(0).toString(16)}`);
      const short = new Hessian2Writer();
      short.reset(limit - 1);
      short.raw(Buffer.alloc(3998));
      assert.throws(() => short.string(text), (err) => isRpcError(err, ErrorCode.MSG_TOO_LONG), `U+${unit.charCodeAt(0).toString(16)} one below`);
    }
  });

  it('doubles its buffer when it grows (amortised), never beyond the limit, or to the size one value needs', () => {
    const capacity = (writer: Hessian2Writer) => writer.view().buffer.byteLength;
    const doubling = new Hessian2Writer();
    doubling.raw(Buffer.alloc(4096));
    doubling.byte(1);
    assert.equal(capacity(doubling), 8192);
    const limited = new Hessian2Writer();
    limited.reset(5000);
    limited.raw(Buffer.alloc(4097));
    assert.equal(capacity(limited), 5000);
    const large = new Hessian2Writer();
    large.raw(Buffer.alloc(4096));
    large.raw(Buffer.alloc(10_000));
    assert.equal(capacity(large), 14_096);
  });

  it('checks the limit only where it grows: a body within the buffer it has is written', () => {
    // The codec checks the frame's length after encoding; the writer's check stops a runaway body early.
    const writer = new Hessian2Writer();
    writer.reset(100);
    writer.raw(Buffer.alloc(4096));
    assert.equal(writer.length, 4096);
    assert.throws(() => writer.byte(0), (err) => isRpcError(err, ErrorCode.MSG_TOO_LONG));
  });

  it('names the limit in its error', () => {
    const writer = new Hessian2Writer();
    writer.reset(5000);
    assert.throws(() => writer.raw(Buffer.alloc(5001)), { message: 'hessian2 body exceeds its limit of 5000 bytes' });
  });
});

describe('Hessian2Writer.stringMap shapes', () => {
  it("writes H, the keys sorted each with its value, then Z; an empty map is 'H' 'Z'", () => {
    const writer = new Hessian2Writer();
    assert.deepEqual(written(writer, { b: '2', a: '1', c: '' }), Buffer.concat([hex('48 01'), Buffer.from('a'), hex('01'), Buffer.from('1'), hex('01'), Buffer.from('b'), hex('01'), Buffer.from('2'), hex('01'), Buffer.from('c'), hex('00 5a')]));
    assert.deepEqual(written(writer, {}), hex('48 5a'));
  });

  it('sorts each new key order, and a repeat of the last order, the same way', () => {
    const writer = new Hessian2Writer();
    const sorted = written(writer, { a: 'x', b: 'y' });
    assert.deepEqual(written(writer, { b: 'y', a: 'x' }), sorted);
    assert.deepEqual(written(writer, { b: 'y', a: 'x' }), sorted);
    assert.deepEqual(written(writer, { a: 'x', b: 'y' }), sorted);
    assert.deepEqual(written(writer, { b: 'y', c: 'x' }), written(new Hessian2Writer(), { c: 'x', b: 'y' }));
    assert.deepEqual(written(writer, { b: 'y' }), hex('48 01 62 01 79 5a'));
  });

  it('writes nothing and answers false when a value is not a string', () => {
    for (const map of [{ a: 'x', b: 1 }, { a: null }, { a: undefined }, { z: 'x', a: {} }]) {
      const writer = new Hessian2Writer();
      writer.byte(0x90);
      assert.equal(writer.stringMap(map), false);
      assert.deepEqual(writer.view(), hex('90'));
    }
  });
});
