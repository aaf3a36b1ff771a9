import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import hessian from 'hessian.js';
import { canWriteByHand, writeByHand } from '../../../rpc/serialization/hessian2-by-hand.js';
import { Hessian2Writer } from '../../../rpc/serialization/hessian2-writer.js';

// Which values the request and response bodies write inline is a speed contract: a value the
// inline path declines goes through the general encoder, which writes the same bytes more
// slowly. These tests pin the decision itself, value by value, at every range edge.

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

function accepts(type: string, values: unknown[]): void {
  for (const value of values) assert.equal(canWriteByHand(type, value), true, `${type} should take ${String(value)} inline`);
}

function declines(type: string, values: unknown[]): void {
  for (const value of values) assert.equal(canWriteByHand(type, value), false, `${type} should decline ${String(value)}`);
}

describe('canWriteByHand', () => {
  it('takes null and undefined inline under any declared type, known or not', () => {
    for (const type of ['[B', 'java.lang.String', 'int', 'boolean', 'java.lang.Object', 'long', 'com.example.User']) {
      accepts(type, [null, undefined]);
    }
  });

  it('takes a Buffer inline as byte[] under both spellings, and nothing else', () => {
    for (const type of ['[B', 'byte[]']) {
      accepts(type, [Buffer.alloc(0), Buffer.from('abc')]);
      declines(type, [new Uint8Array(3), 'abc', 1, [1, 2]]);
    }
  });

  it('takes a string inline as java.lang.String, and nothing else', () => {
    accepts('java.lang.String', ['', 'dubbo']);
    declines('java.lang.String', [1, true, Buffer.from('a')]);
  });

  it('takes a 32-bit integer inline as int or Integer, at both ends of the range', () => {
    for (const type of ['int', 'java.lang.Integer']) {
      accepts(type, [0, 1, -1, INT_MIN, INT_MAX]);
      declines(type, [INT_MIN - 1, INT_MAX + 1, 1.5, Number.NaN, '1', 1n, true]);
    }
  });

  it('takes a boolean inline as boolean or Boolean, and nothing else', () => {
    for (const type of ['boolean', 'java.lang.Boolean']) {
      accepts(type, [true, false]);
      declines(type, [0, 1, 'true']);
    }
  });

  it('takes a string or a Buffer inline as java.lang.Object, and nothing else', () => {
    accepts('java.lang.Object', ['text', Buffer.from('x')]);
    declines('java.lang.Object', [1, true, {}, [], new Uint8Array(1)]);
  });

  it('declines every value of a type it does not write by hand', () => {
    for (const type of ['long', 'double', 'java.util.Map', 'com.example.User', '']) declines(type, [1, 'a', true, Buffer.from('a')]);
  });
});

describe('writeByHand', () => {
  it('writes each value it takes as hessian.js writes it', () => {
    const values: unknown[] = [null, 'dubbo', INT_MIN, INT_MAX, 0, true, false, Buffer.from([1, 2, 3])];
    for (const value of values) {
      const writer = new Hessian2Writer();
      writer.reset();
      writeByHand(writer, value);
      const expected = new hessian.EncoderV2().write(value).get();
      assert.deepEqual(writer.copy(), expected, `bytes of ${String(value)}`);
    }
  });

  it('writes undefined as null', () => {
    const writer = new Hessian2Writer();
    writer.reset();
    writeByHand(writer, undefined);
    assert.deepEqual(writer.copy(), Buffer.from('N'));
  });
});
