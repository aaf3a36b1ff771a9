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
});
