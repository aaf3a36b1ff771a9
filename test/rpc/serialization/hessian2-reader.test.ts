import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../../common/rpc-error.js';
import { createRequest, createResponse } from '../../../rpc/protocol/dubbo-package.js';
import { configureHessian2, hessian2Serialization as hessian2 } from '../../../rpc/serialization/hessian2.js';
import { DEFAULT_DECODE_LIMITS, Hessian2Decoder } from '../../../rpc/serialization/hessian2-decoder.js';
import { Hessian2Reader } from '../../../rpc/serialization/hessian2-reader.js';
import { hstr } from '../protocol/golden-frames.js';

const bytes = (...codes: number[]) => Buffer.from(codes);
const MAP = 0x48;
const END = 0x5a;

function header(descriptor: string): Buffer {
  return Buffer.concat([hstr('2.0.2'), hstr('org.example.Demo'), hstr(''), hstr('call'), hstr(descriptor)]);
}

function decodeRequest(body: Buffer) {
  const request = createRequest({ id: 1 });
  hessian2.decodeRequestBody(body, request);
  return request;
}

function decodeResponse(body: Buffer) {
  const response = createResponse({ id: 1 });
  hessian2.decodeResponseBody(body, response);
  return response;
}

/** What the full decoder alone reads from `body`, value after value, and how much it counts. */
function decodeAlone(body: Buffer): { values: unknown[]; valuesRead: number; objectsRead: number } {
  const decoder = new Hessian2Decoder(body);
  const values: unknown[] = [];
  while (decoder.pos < body.length) values.push(decoder.read());
  return { values, valuesRead: decoder.valuesRead, objectsRead: decoder.objectsRead };
}

/** A final-chunk string ('S'), the form of strings past 1023 chars. */
function finalChunkString(text: string): Buffer {
  return Buffer.concat([bytes(0x53, text.length >> 8, text.length & 0xff), Buffer.from(text, 'ascii')]);
}

/**
 * Reads `value` with the reader, alone and then followed by an inline int
 * whose byte is ≥ 0x80 (a string scan that ran one byte too far would see it):
 * asserts the decoder's value and how many values the fast path declined.
 */
function assertDeclines(kind: 'value' | 'map', value: Buffer, declined: 0 | 1, name: string): void {
  for (const body of [value, Buffer.concat([value, bytes(0xbf)])]) {
    const reader = new Hessian2Reader(body);
    assert.deepEqual(kind === 'map' ? reader.map() : reader.value(), decodeAlone(value).values[0], name);
    assert.equal(reader.declined, declined, `${name}: ${declined === 0 ? 'read inline' : 'handed to the decoder'}`);
    if (body.length === value.length) continue;
    assert.equal(reader.value(), 0x2f, name);
    assert.equal(reader.declined, declined, `${name}, then an int read inline`);
  }
}

function withLimits(options: { maxValues?: number; maxObjects?: number }, run: () => void): void {
  try {
    configureHessian2(options);
    run();
  } finally {
    configureHessian2({ maxValues: DEFAULT_DECODE_LIMITS.maxValues, maxObjects: DEFAULT_DECODE_LIMITS.maxObjects });
  }
}

describe('Hessian2Reader', () => {
  it('reads values in order, each from where the previous one ended, as the decoder does', () => {
    const parts: [kind: 'value' | 'map', Buffer][] = [
      ['value', hstr('abc')],
      ['value', bytes(0x90)],
      ['value', bytes(0x4e)],
      ['value', bytes(0x23, 1, 2, 3)],
      ['map', Buffer.concat([bytes(MAP), hstr('a'), hstr('b'), bytes(END)])],
      ['value', bytes(0x79, 0x91)],
      ['map', Buffer.concat([bytes(MAP), hstr('n'), bytes(0x95), bytes(END)])],
      ['map', Buffer.concat([bytes(MAP), bytes(END)])],
      ['value', hstr('x'.repeat(300))],
      ['value', hstr('end')],
    ];
    const body = Buffer.concat(parts.map(([, part]) => part));
    const reader = new Hessian2Reader(body);
    const decoder = new Hessian2Decoder(body);
    for (const [i, [kind]] of parts.entries()) {
      assert.equal(reader.atEnd, false, `before ${i}`);
      assert.deepEqual(kind === 'map' ? reader.map() : reader.value(), decoder.read(), `value ${i}`);
      assert.equal(reader.position, decoder.pos, `position after ${i}`);
    }
    assert.equal(reader.atEnd, true);
  });

  it('reads every other kind of value as the decoder alone does, wherever it stands in the body', () => {
    const kinds = [
      hstr('é'),
      hstr(`${'é'.repeat(40)}x`),
      hstr('x'.repeat(31)),
      hstr('y'.repeat(1023)),
      bytes(0x54),
      bytes(0x46),
      bytes(0xc8, 0x30),
      bytes(0xe5),
      bytes(0x5b),
      bytes(0x44, 0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18),
      bytes(0x20),
      bytes(0x2f, ...Buffer.alloc(15, 0x61)),
      bytes(0x34, 0x10, ...Buffer.alloc(16, 0x62)),
      bytes(0x37, 0xff, ...Buffer.alloc(1023, 0x63)),
      bytes(0x42, 0x00, 0x03, 0x64, 0x65, 0x66),
      bytes(0x41, 0x00, 0x02, 0x67, 0x68, 0x22, 0x69, 0x6a),
      bytes(0x52, 0x00, 0x02, 0x61, 0x62, 0x01, 0x63),
      bytes(0x79, 0x91),
      bytes(0x90),
    ];
    // Each kind before plenty of ASCII (as a misread length would take it), then after every other kind.
    const filler = Buffer.concat(Array.from({ length: 40 }, () => hstr('z'.repeat(895))));
    const bodies = [...kinds.map((kind) => Buffer.concat([kind, filler])), Buffer.concat([...kinds, ...kinds.toReversed()])];
    for (const [b, body] of bodies.entries()) {
      const reader = new Hessian2Reader(body);
      const decoder = new Hessian2Decoder(body);
      for (let i = 0; !reader.atEnd; i++) {
        assert.deepEqual(reader.value(), decoder.read(), `body ${b}, value ${i}`);
        assert.equal(reader.position, decoder.pos, `body ${b}, position after ${i}`);
      }
      assert.equal(decoder.pos, body.length, `body ${b}`);
    }
  });

  it('reads a request without attachments, and a response that is a bare falsy value', () => {
    const request = decodeRequest(Buffer.concat([header('I'), bytes(0x95)]));
    assert.deepEqual(request.args, [5]);
    assert.deepEqual(request.attachments, {});
    for (const [body, value] of [[bytes(0x4e), null], [bytes(0x90), 0], [bytes(0x00), ''], [bytes(0x46), false]] as const) {
      assert.equal(decodeResponse(body).value, value, `body ${body.toString('hex')}`);
    }
  });

  it('counts the values it reads inline against maxValues, exactly as the decoder alone would', () => {
    const attachments = Buffer.concat([bytes(MAP), hstr('path'), hstr('org.example.Demo'), hstr('k'), hstr('v'), bytes(END)]);
    const requests = [
      Buffer.concat([header('Ljava/lang/String;ILjava/lang/Integer;[B'), hstr('s'), bytes(0x91), bytes(0x4e), bytes(0x22, 7, 8), attachments]),
      Buffer.concat([header('Ljava/util/List;Ljava/lang/String;'), bytes(0x7a, 0x91, 0x92), hstr('after the list'), attachments]),
      Buffer.concat([header(''), bytes(MAP), ...Array.from({ length: 20 }, (_, i) => Buffer.concat([hstr(`k${i}`), hstr('v')])), bytes(END)]),
    ];
    for (const [i, body] of requests.entries()) {
      const { valuesRead } = decodeAlone(body);
      for (let limit = 1; limit < valuesRead; limit++) {
        withLimits({ maxValues: limit }, () => {
          assert.throws(
            () => decodeRequest(body),
            (err) => isRpcError(err, ErrorCode.SERIALIZATION) && err.message === `hessian2: more than ${limit} values in one body`,
            `request ${i}, maxValues ${limit} of ${valuesRead}`,
          );
        });
      }
      withLimits({ maxValues: valuesRead }, () => assert.doesNotThrow(() => decodeRequest(body), `request ${i}`));
    }
    const response = Buffer.concat([bytes(0x94), hstr('value'), attachments]);
    const { valuesRead } = decodeAlone(response);
    withLimits({ maxValues: valuesRead - 1 }, () => assert.throws(() => decodeResponse(response), /more than \d+ values/));
    withLimits({ maxValues: valuesRead }, () => assert.equal(decodeResponse(response).value, 'value'));
  });

  it('counts an inline attachments map against maxObjects', () => {
    const body = Buffer.concat([header('Ljava/util/List;Ljava/util/List;'), bytes(0x78, 0x78), bytes(MAP), hstr('k'), hstr('v'), bytes(END)]);
    const { objectsRead } = decodeAlone(body);
    assert.equal(objectsRead, 3);
    withLimits({ maxObjects: 2 }, () => {
      assert.throws(() => decodeRequest(body), (err) => isRpcError(err, ErrorCode.SERIALIZATION) && err.message === 'hessian2: more than 2 lists, maps and objects in one body');
    });
    withLimits({ maxObjects: 3 }, () => assert.deepEqual(decodeRequest(body).attachments, { k: 'v' }));
  });

  it('keeps a __proto__ key of a string map as an own property, as the decoder does', () => {
    const body = Buffer.concat([bytes(MAP), hstr('a'), hstr('b'), hstr('__proto__'), hstr('x'), bytes(END)]);
    const map = new Hessian2Reader(body).map() as Record<string, unknown>;
    assert.deepEqual(map, decodeAlone(body).values[0]);
    assert.equal(Object.getPrototypeOf(map), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(map, '__proto__')?.value, 'x');
  });

  it('reads a map with byte[] keys through the decoder, never as text', () => {
    const key16 = Buffer.alloc(16, 'b');
    const maps = [
      Buffer.concat([bytes(MAP), bytes(0x25, 1, 2, 3, 4, 5), hstr('v'), bytes(END)]),
      // A 16-byte key, then enough ASCII that its 2-byte header, read as a string's, would span exactly 1040 bytes.
      Buffer.concat([bytes(MAP), bytes(0x34, 0x10), key16, hstr('x'.repeat(895)), hstr('a'.repeat(125)), hstr('v'), bytes(END)]),
    ];
    for (const [i, body] of maps.entries()) {
      const map = new Hessian2Reader(body).map();
      assert.ok(map instanceof Map, `map ${i}`);
      assert.deepEqual(map, decodeAlone(body).values[0], `map ${i}`);
    }
  });

  it('refuses a string holding a lone 0x80 byte, as a value and in a map', () => {
    const isBadByte = (err: unknown) => isRpcError(err, ErrorCode.SERIALIZATION) && /bad UTF-8 byte 0x80/.test(err.message);
    assert.throws(() => new Hessian2Reader(bytes(0x02, 0x61, 0x80)).value(), isBadByte);
    assert.throws(() => new Hessian2Reader(Buffer.concat([bytes(MAP), hstr('k'), bytes(0x01, 0x80), bytes(END)])).map(), isBadByte);
  });

  it('reads medium strings back to back', () => {
    const args = ['m'.repeat(100), ...Array.from({ length: 30 }, (_, i) => String(i % 10).repeat(895))];
    const body = Buffer.concat([header('Ljava/lang/String;'.repeat(args.length)), ...args.map((arg) => hstr(arg))]);
    assert.deepEqual(decodeRequest(body).args, args);
  });

  it('copies a byte[] longer than 15 bytes out of the body', () => {
    const content = Buffer.from('0123456789abcdef');
    const body = Buffer.concat([bytes(0x34, 0x10), content]);
    const value = new Hessian2Reader(body).value();
    body.fill(0);
    assert.deepEqual(value, content);
  });

  it('refuses attachments that are not a map, even when a map end follows', () => {
    const notAMap = Buffer.concat([bytes(0x54), hstr('a'), hstr('b'), bytes(END)]);
    const isNotAMap = (err: unknown) => isRpcError(err, ErrorCode.SERIALIZATION) && err.message === 'attachments are not a map';
    assert.throws(() => decodeRequest(Buffer.concat([header(''), notAMap])), isNotAMap);
    assert.throws(() => decodeResponse(Buffer.concat([bytes(0x95), notAMap])), isNotAMap);
  });

  describe('reads inline exactly the values of its fast path (declined counts the others)', () => {
    it('ints from 0x80 to 0xbf and null; other ints and values are the decoder\'s', () => {
      assertDeclines('value', bytes(0x80), 0, 'int -16 (0x80)');
      assertDeclines('value', bytes(0xbf), 0, 'int 47 (0xbf)');
      assertDeclines('value', bytes(0x4e), 0, 'null');
      assertDeclines('value', bytes(0xc0, 0x00), 1, 'int -2048 (0xc0 0x00)');
      assertDeclines('value', bytes(0x7f, ...Array(7).fill(0x90)), 1, 'list of 7 (0x7f)');
      assertDeclines('value', bytes(0x54), 1, 'true');
    });

    it('ASCII strings of 0 to 1023 chars; longer or non-ASCII ones are the decoder\'s', () => {
      for (const length of [0, 1, 31, 32, 255, 256, 1023]) assertDeclines('value', hstr('a'.repeat(length)), 0, `${length}-char string`);
      assert.deepEqual(hstr('a'.repeat(1023)).subarray(0, 2), bytes(0x33, 0xff));
      assertDeclines('value', hstr('\x7f'), 0, 'string of U+007F');
      assertDeclines('value', finalChunkString('a'.repeat(1024)), 1, '1024-char string');
      assertDeclines('value', hstr('\x80'), 1, 'string of U+0080');
      assertDeclines('value', hstr(`${'a'.repeat(30)}é`), 1, 'string ending in é');
      const reader = new Hessian2Reader(bytes(0x02, 0x61, 0x80));
      assert.throws(() => reader.value(), /bad UTF-8 byte 0x80/);
      assert.equal(reader.declined, 1, 'a lone 0x80 byte goes to the decoder, which refuses it');
    });

    it('byte[] of one chunk (compact or 0x42); chunked or truncated ones are the decoder\'s', () => {
      const payload = (length: number) => Buffer.alloc(length, 0x61);
      assertDeclines('value', bytes(0x20), 0, 'empty byte[] (0x20)');
      assertDeclines('value', Buffer.concat([bytes(0x2f), payload(15)]), 0, '15-byte byte[] (0x2f)');
      assertDeclines('value', Buffer.concat([bytes(0x34, 0x10), payload(16)]), 0, '16-byte byte[] (0x34 0x10)');
      assertDeclines('value', Buffer.concat([bytes(0x37, 0xff), payload(1023)]), 0, '1023-byte byte[] (0x37 0xff)');
      assertDeclines('value', Buffer.concat([bytes(0x42, 0x00, 0x03), payload(3)]), 0, '3-byte byte[] (0x42)');
      assertDeclines('value', Buffer.concat([bytes(0x42, 0x04, 0x00), payload(1024)]), 0, '1024-byte byte[] (0x42)');
      assertDeclines('value', Buffer.concat([bytes(0x41, 0x00, 0x01), payload(1), bytes(0x21), payload(1)]), 1, 'chunked byte[]');
      const reader = new Hessian2Reader(bytes(0x23, 1, 2));
      assert.throws(() => reader.value(), /truncated value/);
      assert.equal(reader.declined, 1, 'a truncated byte[] goes to the decoder, which refuses it');
    });

    it('maps of ASCII string to ASCII string; typed maps, other keys or values, and __proto__ are the decoder\'s', () => {
      assertDeclines('map', bytes(MAP, END), 0, 'empty map');
      assertDeclines('map', Buffer.concat([bytes(MAP), hstr('a'), hstr('b'), hstr('c'.repeat(40)), hstr(''), bytes(END)]), 0, 'string map');
      assertDeclines('map', Buffer.concat([bytes(0x4d), hstr('java.util.HashMap'), hstr('a'), hstr('b'), bytes(END)]), 1, 'typed map');
      assertDeclines('map', Buffer.concat([bytes(MAP), hstr('a'), bytes(0x91), bytes(END)]), 1, 'map of an int value');
      assertDeclines('map', Buffer.concat([bytes(MAP), bytes(0x91), hstr('a'), bytes(END)]), 1, 'map of an int key');
      assertDeclines('map', Buffer.concat([bytes(MAP), hstr('a'), hstr('é'), bytes(END)]), 1, 'map of a non-ASCII value');
      assertDeclines('map', Buffer.concat([bytes(MAP), hstr('a'), hstr('b'), hstr('__proto__'), hstr('x'), bytes(END)]), 1, 'map with a __proto__ key');
    });

    it('declines a value or map at the body\'s maxValues, and the decoder refuses it', () => {
      const limitedTo = (maxValues: number, maxObjects = DEFAULT_DECODE_LIMITS.maxObjects) => ({ ...DEFAULT_DECODE_LIMITS, maxValues, maxObjects });
      const tooMany = (limit: number) => (err: unknown) => isRpcError(err, ErrorCode.SERIALIZATION) && err.message === `hessian2: more than ${limit} values in one body`;
      for (const last of [bytes(0x90), bytes(0x4e), hstr('s'), bytes(0x21, 0x01)]) {
        const body = Buffer.concat([bytes(0x91, 0x92), last]);
        const atLimit = new Hessian2Reader(body, limitedTo(3));
        for (let i = 0; i < 3; i++) atLimit.value();
        assert.equal(atLimit.declined, 0, `three values within maxValues 3, last ${last.toString('hex')}`);
        const past = new Hessian2Reader(body, limitedTo(2));
        past.value();
        past.value();
        assert.throws(() => past.value(), tooMany(2));
        assert.equal(past.declined, 1, `the third value past maxValues 2, last ${last.toString('hex')}`);
      }
      // An int, then a map of two entries: 1 + 1 + 4 values; or an empty map: 1 + 1.
      const twoEntries = Buffer.concat([bytes(0x91, MAP), hstr('a'), hstr('b'), hstr('c'), hstr('d'), bytes(END)]);
      const empty = bytes(0x91, MAP, END);
      const readMap = (body: Buffer, maxValues: number) => {
        const reader = new Hessian2Reader(body, limitedTo(maxValues));
        reader.value();
        let outcome: unknown;
        try {
          outcome = reader.map();
        } catch (err) {
          outcome = err;
        }
        return { outcome, declined: reader.declined };
      };
      assert.deepEqual(readMap(twoEntries, 6), { outcome: { a: 'b', c: 'd' }, declined: 0 });
      assert.deepEqual(readMap(empty, 2), { outcome: {}, declined: 0 });
      for (const [body, limit] of [[twoEntries, 1], [twoEntries, 2], [twoEntries, 3], [twoEntries, 5], [empty, 1]] as const) {
        const { outcome, declined } = readMap(body, limit);
        assert.ok(tooMany(limit)(outcome), `maxValues ${limit}: ${outcome}`);
        assert.equal(declined, 1, `maxValues ${limit}`);
      }
    });

    it('declines a map past the body\'s maxObjects, and the decoder refuses it', () => {
      const limits = (maxObjects: number) => ({ ...DEFAULT_DECODE_LIMITS, maxObjects });
      const map = Buffer.concat([bytes(MAP), hstr('k'), hstr('v'), bytes(END)]);
      const alone = new Hessian2Reader(map, limits(1));
      assert.deepEqual(alone.map(), { k: 'v' });
      assert.equal(alone.declined, 0, 'a map within maxObjects 1, no decoder yet');
      const none = new Hessian2Reader(map, limits(0));
      assert.throws(() => none.map(), /more than 0 lists, maps and objects/);
      assert.equal(none.declined, 1, 'a map past maxObjects 0');
      const afterList = Buffer.concat([bytes(0x78), map]);
      const within = new Hessian2Reader(afterList, limits(2));
      within.value();
      assert.deepEqual(within.map(), { k: 'v' });
      assert.equal(within.declined, 1, 'the list declined, the map within maxObjects 2 read inline');
      const past = new Hessian2Reader(afterList, limits(1));
      past.value();
      assert.throws(() => past.map(), /more than 1 lists, maps and objects/);
      assert.equal(past.declined, 2, 'the list and the map past maxObjects 1 declined');
    });
  });
});
