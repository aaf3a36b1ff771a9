import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import hessian from 'hessian.js';
import { ErrorCode, isRpcError } from '../../../common/rpc-error.js';
import { javaObject, setJavaClass } from '../../../rpc/protocol/java-object.js';
import { HESSIAN2_MAX_DEPTH, Hessian2Decoder } from '../../../rpc/serialization/hessian2-decoder.js';
import { Hessian2Encoder } from '../../../rpc/serialization/hessian2-encoder.js';
import { Hessian2Writer } from '../../../rpc/serialization/hessian2-writer.js';
import { hstr } from '../protocol/golden-frames.js';

/** Bytes from parts: a string is hex pairs (spaces ignored), a Buffer is itself. */
function b(...parts: (string | Buffer)[]): Buffer {
  return Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part.replace(/\s+/g, ''), 'hex') : part)));
}

/** A hessian string of ASCII text. */
const s = hstr;

/** One writer and encoder for every body, as hessian2.ts uses them: `begin()` must make each body stand alone. */
const writer = new Hessian2Writer();
const encoder = new Hessian2Encoder(writer);

function body(write: (encoder: Hessian2Encoder) => void): Buffer {
  writer.reset();
  encoder.begin();
  write(encoder);
  return writer.copy();
}

function inferred(...values: unknown[]): Buffer {
  return body((e) => {
    for (const value of values) e.write(value);
  });
}

function declared(type: string, ...values: unknown[]): Buffer {
  return body((e) => {
    for (const value of values) e.writeAs(type, value);
  });
}

function refused(write: () => unknown, message: string | RegExp, what = String(message)): void {
  assert.throws(write, (err) => isRpcError(err, ErrorCode.SERIALIZATION) && (typeof message === 'string' ? err.message === message : message.test(err.message)), what);
}

const BIG_INTEGER_CLASS = b('43', s('java.math.BigInteger'), '92', s('signum'), s('mag'));

describe('Hessian2Encoder.write: scalars by their JS kind', () => {
  it('numbers: an int within 32 bits, a long up to 2^53, else a double', () => {
    const cases: [number, string][] = [
      [5, '95'], [-0, '90'], [2 ** 31 - 1, '49 7f ff ff ff'], [-(2 ** 31), '49 80 00 00 00'],
      [2 ** 31, '4c 00 00 00 00 80 00 00 00'], [-(2 ** 31) - 1, '4c ff ff ff ff 7f ff ff ff'],
      [2 ** 53 - 1, '4c 00 1f ff ff ff ff ff ff'], [-(2 ** 53 - 1), '4c ff e0 00 00 00 00 00 01'],
      [2 ** 53, '44 43 40 00 00 00 00 00 00'], [1.5, '5f 00 00 05 dc'], [Number.NaN, '44 7f f8 00 00 00 00 00 00'],
    ];
    for (const [value, expected] of cases) assert.deepEqual(inferred(value), b(expected), String(value));
  });

  it('bigints: a long within 64 bits, else a java.math.BigInteger', () => {
    assert.deepEqual(inferred(5n), b('e5'));
    assert.deepEqual(inferred(2n ** 63n - 1n), b('4c 7f ff ff ff ff ff ff ff'));
    assert.deepEqual(inferred(-(2n ** 63n)), b('4c 80 00 00 00 00 00 00 00'));
    assert.deepEqual(inferred(2n ** 63n), b(BIG_INTEGER_CLASS, '60 91 72', s('[int'), '49 80 00 00 00 90'));
    assert.deepEqual(inferred(-(2n ** 63n) - 1n), b(BIG_INTEGER_CLASS, '60 8f 72', s('[int'), '49 80 00 00 00 91'));
  });

  it('strings, booleans and null; undefined, functions and symbols as null', () => {
    assert.deepEqual(inferred('ab', true, false, null, undefined, () => 1, Symbol('x')), b(s('ab'), '54 46 4e 4e 4e 4e'));
  });

  it('a Date by its milliseconds; an invalid Date is refused', () => {
    assert.deepEqual(inferred(new Date(60_000), new Date(1)), b('4b 00 00 00 01 4a 00 00 00 00 00 00 00 01'));
    refused(() => inferred(new Date(Number.NaN)), 'cannot send an invalid Date');
  });

  it('a Buffer or any Uint8Array view as byte[], only the bytes it views', () => {
    const backing = new Uint8Array([9, 1, 2, 9]);
    assert.deepEqual(inferred(backing.subarray(1, 3), Buffer.from([7])), b('22 01 02 21 07'));
  });
});

describe('Hessian2Encoder.write: lists, maps and objects', () => {
  it('lists up to 7 items in one byte, longer with a length; a Set as a list', () => {
    assert.deepEqual(inferred([]), b('78'));
    assert.deepEqual(inferred([1, 2, 3, 4, 5, 6, 7]), b('7f 91 92 93 94 95 96 97'));
    assert.deepEqual(inferred([1, 2, 3, 4, 5, 6, 7, 8]), b('58 98 91 92 93 94 95 96 97 98'));
    assert.deepEqual(inferred(new Set(['a', 1])), b('7a', s('a'), '91'));
  });

  it('an array carrying a Java array class goes back as that typed list, elements as its component', () => {
    assert.deepEqual(inferred(setJavaClass([1, 2], '[int')), b('72', s('[int'), '91 92'));
    assert.deepEqual(inferred(setJavaClass([1], '[long')), b('71', s('[long'), 'e1'));
    assert.deepEqual(inferred(setJavaClass([1, 2, 3, 4, 5, 6, 7, 8], '[int')), b('56', s('[int'), '98 91 92 93 94 95 96 97 98'));
    assert.deepEqual(inferred(setJavaClass([1], 'java.util.ArrayList')), b('71', s('java.util.ArrayList'), '91'));
  });

  it('a type named once a body, then by number in the order first written', () => {
    const ints = () => setJavaClass([1], '[int');
    const longs = () => setJavaClass([1], '[long');
    assert.deepEqual(
      inferred([ints(), longs(), ints(), longs()]),
      b('7c', '71', s('[int'), '91', '71', s('[long'), 'e1', '71 90 91', '71 91 e1'),
    );
    assert.deepEqual(inferred(ints(), ints()), b('71', s('[int'), '91', '71 90 91'), 'types outlive the value that named them');
  });

  it('a plain object as an untyped map, keys sorted; a Map in its order, keys of any kind', () => {
    assert.deepEqual(inferred({ b: 1, a: 2 }), b('48', s('a'), '92', s('b'), '91 5a'));
    assert.deepEqual(inferred(new Map<unknown, unknown>([[2, 'x'], [true, null]])), b('48 92', s('x'), '54 4e 5a'));
    assert.deepEqual(inferred(setJavaClass(new Map([[1, 2]]), 'com.x.Bag')), b('4d', s('com.x.Bag'), '91 92 5a'), 'a Map carrying any class is a typed map');
    assert.deepEqual(inferred({}), b('48 5a'));
  });

  it('a map carrying a Map class: untyped for HashMap and Map, typed (M) for the others', () => {
    assert.deepEqual(inferred(setJavaClass({ a: 1 }, 'java.util.HashMap')), b('48', s('a'), '91 5a'));
    assert.deepEqual(inferred(setJavaClass(new Map([['a', 1]]), 'java.util.Map')), b('48', s('a'), '91 5a'));
    for (const name of ['java.util.TreeMap', 'java.util.LinkedHashMap', 'java.util.concurrent.ConcurrentHashMap', 'java.util.Hashtable', 'java.util.Properties', 'java.util.Map']) {
      const expected = name === 'java.util.Map' ? b('48 5a') : b('4d', s(name), '5a');
      assert.deepEqual(inferred(setJavaClass({}, name)), expected, name);
      assert.deepEqual(inferred(javaObject(name, {})), expected, `${name} by javaObject`);
    }
  });

  it('a class whose name only looks like a Map class is an object', () => {
    for (const name of ['com.x.MyMap', 'org.java.util.TreeMap', 'java.util.TreeMapEntry', 'java.utilxTreeMap', 'java.util.x.TreeMap', 'java.util.Hashtables', 'xjava.util.Hashtable', 'java.util.Propertiesx', 'ajava.util.Properties', 'java.util.concurrent.x.HashMap']) {
      assert.deepEqual(inferred(javaObject(name, { a: 1 })), b('43', s(name), '91', s('a'), '60 91'), name);
    }
    assert.deepEqual(inferred(javaObject('java.util.Tree_Map2Map', {})), b('4d', s('java.util.Tree_Map2Map'), '5a'));
  });

  it("an object: its class defined once a body ('C'), then 0x60 + its number, fields in the definition's order", () => {
    const first = javaObject('a.B', { x: 1, y: 's' });
    const second = javaObject('a.B', { y: 't', x: 2 });
    const other = javaObject('a.C', {});
    const partial = javaObject('a.B', { y: 'u' });
    assert.deepEqual(
      inferred(first, second, other, partial),
      b('43', s('a.B'), '92', s('x'), s('y'), '60 91', s('s'), '60 92', s('t'), '43', s('a.C'), '90 61', '60 4e', s('u')),
    );
  });

  it("numbers the 17th class and later with 'O' and an int", () => {
    const classes = Array.from({ length: 18 }, (_, i) => javaObject(`c${i}`, {}));
    const expected: Buffer[] = [];
    for (let i = 0; i < classes.length; i++) expected.push(b('43', s(`c${i}`), '90'), i <= 15 ? b((0x60 + i).toString(16)) : b('4f', (0x90 + i).toString(16)));
    assert.deepEqual(inferred(...classes), Buffer.concat(expected));
    assert.deepEqual(inferred(javaObject('c16', {}), javaObject('c16', {})), b('43', s('c16'), '90 60 60'), 'numbers start again each body');
  });

  it('the js-to-java form { $class, $ } as the class, a boxed primitive, a typed list or a map', () => {
    assert.deepEqual(inferred({ $class: 'a.B', $: { x: 1 } }), b('43', s('a.B'), '91', s('x'), '60 91'));
    assert.deepEqual(inferred({ $class: 'java.lang.Object', $: 5 }, { $class: 'java.lang.Object', $: 'x' }), b('95', s('x')));
    assert.deepEqual(inferred({ $class: 'java.lang.Object', $: [1] }), b('79 91'), 'an Object holding an array is an untyped list');
    assert.deepEqual(inferred({ $class: 'int', $: null }, { $class: 'a.B', $: undefined }), b('4e 4e'));
    assert.deepEqual(inferred({ $class: 'long', $: 5 }, { $class: 'java.lang.Double', $: 2 }, { $class: 'java.lang.Boolean', $: true }), b('e5 5d 02 54'));
    assert.deepEqual(inferred({ $class: 'java.util.ArrayList', $: [1] }), b('79 91'));
    assert.deepEqual(inferred({ $class: 'java.util.List', $: [1] }), b('71', s('java.util.List'), '91'));
    assert.deepEqual(inferred({ $class: '[int', $: [1] }, { $class: '[string', $: ['a'] }), b('71', s('[int'), '91', '71', s('[string'), s('a')));
    assert.deepEqual(inferred({ $class: 'int', $: [1, 2] }), b('72', s('int'), '91 92'), 'an array under a primitive class is a list of that type');
    assert.deepEqual(inferred({ $class: '[a.B', $: [{ x: 1 }] }), b('71', s('[a.B'), '43', s('a.B'), '91', s('x'), '60 91'));
    assert.deepEqual(inferred({ $class: 'java.util.HashMap', $: { a: 1 } }, { $class: 'java.util.TreeMap', $: {} }), b('48', s('a'), '91 5a 4d', s('java.util.TreeMap'), '5a'));
    refused(() => inferred({ $class: 'a.B', $: 5 }), 'cannot send a JS number as Java a.B');
    refused(() => inferred({ $class: 'java.util.List', $: 'x' }), 'cannot send a JS string as Java java.util.List');
  });

  it('a js-to-java form without $ or with a non-string $class is a plain map', () => {
    assert.deepEqual(inferred({ $class: 'a.B' }), b('48', s('$class'), s('a.B'), '5a'));
    assert.deepEqual(inferred({ $class: 1, $: 2 }), b('48', s('$'), '92', s('$class'), '91 5a'));
  });

  it('the same encodings as hessian.js for these shapes', () => {
    const values = [
      [1, 'a', null, true, 2.5],
      { $class: 'java.util.List', $: [1] },
      { $class: '[int', $: [1, 2] },
      { $class: 'a.B', $: { x: 1, y: { $class: 'a.B', $: { x: 2, y: null } } } },
      Array.from({ length: 20 }, (_, i) => i),
      { z: 1, a: [new Date(120_000)] },
    ];
    for (const value of values) assert.deepEqual(inferred(value), hessian.encode(value, '2.0'), JSON.stringify(value));
  });
});

describe('Hessian2Encoder references', () => {
  it('a list, map, Set or object met again in a body is a reference to its number', () => {
    const map = { a: 1 };
    assert.deepEqual(inferred([map, map]), b('7a 48', s('a'), '91 5a 51 91'));
    const set = new Set([1]);
    assert.deepEqual(inferred([set, set]), b('7a 79 91 51 91'));
    const object = javaObject('a.B', {});
    assert.deepEqual(inferred([object, object]), b('7a 43', s('a.B'), '90 60 51 91'));
    const form = { $class: 'a.B', $: {} };
    assert.deepEqual(inferred([form, form]), b('7a 43', s('a.B'), '90 60 51 91'));
    const array = { $class: '[int', $: [1] };
    assert.deepEqual(inferred([array, array]), b('7a 71', s('[int'), '91 51 91'));
    const byKey = new Map([[1, 2]]);
    assert.deepEqual(inferred(byKey, byKey), b('48 91 92 5a 51 90'));
  });

  it('cycles through lists and maps', () => {
    const list: unknown[] = [];
    list.push(list);
    assert.deepEqual(inferred(list), b('79 51 90'));
    const map: Record<string, unknown> = {};
    map.self = map;
    assert.deepEqual(inferred(map), b('48', s('self'), '51 90 5a'));
  });

  it('strings, Dates and byte[] are written again, not referred to', () => {
    const date = new Date(60_000);
    const bytes = Buffer.from([1]);
    assert.deepEqual(inferred([date, date, bytes, bytes, 'x', 'x']), b('7e 4b 00 00 00 01 4b 00 00 00 01 21 01 21 01', s('x'), s('x')));
  });

  it('counts a BigInteger and its mag array among the numbered values', () => {
    const map = { a: 1 };
    assert.deepEqual(inferred([2n ** 64n, map, map]), b('7b', BIG_INTEGER_CLASS, '60 91 73', s('[int'), '91 90 90', '48', s('a'), '91 5a 51 93'));
    assert.deepEqual(inferred([2n ** 64n, 2n ** 64n]), b('7a', BIG_INTEGER_CLASS, '60 91 73', s('[int'), '91 90 90', '60 91 73 90 91 90 90'));
  });

  it('writes a reference number beyond 47 in two bytes', () => {
    const items: unknown[] = Array.from({ length: 48 }, () => ({}));
    items.push(items[47]);
    assert.deepEqual(inferred(items), b('58 c8 31', '48 5a'.repeat(48), '51 c8 30'));
  });

  it('begin() starts references, classes and types again; a body without lists leaves the next one alone', () => {
    const map = { a: 1 };
    const once = inferred(['x', map, javaObject('a.B', {}), setJavaClass([1], '[int')]);
    assert.deepEqual(inferred(['x', map, javaObject('a.B', {}), setJavaClass([1], '[int')]), once);
    assert.deepEqual(inferred(map), b('48', s('a'), '91 5a'), 'the map of the last body is no reference here');
    assert.deepEqual(inferred('plain'), b(s('plain')));
    assert.deepEqual(inferred(map, map), b('48', s('a'), '91 5a 51 90'));
    const direct = new Hessian2Encoder(new Hessian2Writer());
    direct.begin();
    direct.write([1]);
    assert.deepEqual(direct.writer.copy(), b('79 91'));
  });
});

describe('Hessian2Encoder nesting limit', () => {
  const nestedList = (depth: number): unknown => (depth === 0 ? 0 : [nestedList(depth - 1)]);
  const nestedMap = (depth: number): unknown => (depth === 0 ? 0 : { k: nestedMap(depth - 1) });
  const nestedObject = (depth: number): unknown => (depth === 0 ? 0 : javaObject('a.N', { k: nestedObject(depth - 1) }));
  const tooDeep = `value nested deeper than ${HESSIAN2_MAX_DEPTH} levels`;

  it('writes lists, maps and objects nested to the limit and refuses one level more', () => {
    for (const nested of [nestedList, nestedMap, nestedObject]) {
      inferred(nested(HESSIAN2_MAX_DEPTH));
      refused(() => inferred(nested(HESSIAN2_MAX_DEPTH + 1)), tooDeep);
    }
  });

  it('counts depth, not the values beside each other', () => {
    inferred([nestedList(HESSIAN2_MAX_DEPTH - 1), nestedList(HESSIAN2_MAX_DEPTH - 1), nestedList(HESSIAN2_MAX_DEPTH - 1)]);
    inferred({ a: nestedMap(HESSIAN2_MAX_DEPTH - 1), b: nestedMap(HESSIAN2_MAX_DEPTH - 1) });
    inferred(javaObject('a.P', { a: nestedObject(HESSIAN2_MAX_DEPTH - 1), b: nestedObject(HESSIAN2_MAX_DEPTH - 1) }));
    // A BigInteger is an object holding a list: two levels.
    let value: unknown = [2n ** 64n, 2n ** 64n, 2n ** 64n];
    for (let i = 1; i < HESSIAN2_MAX_DEPTH - 2; i++) value = [value];
    inferred(value);
    refused(() => inferred([value]), tooDeep);
  });

  it('starts from depth 0 in the body after one that failed deep inside', () => {
    refused(() => inferred(nestedList(HESSIAN2_MAX_DEPTH + 1)), tooDeep);
    inferred(nestedList(HESSIAN2_MAX_DEPTH));
  });
});

describe('Hessian2Encoder.writeAs: declared Java types', () => {
  it('null and undefined are null for every type', () => {
    for (const type of ['int', 'long', 'java.lang.String', 'a.B', '[I', 'java.util.Map']) assert.deepEqual(declared(type, null, undefined), b('4e 4e'), type);
  });

  it('int, short and byte within their Java range (a bigint accepted), as a hessian int', () => {
    const edges: [string, number, number][] = [
      ['int', -(2 ** 31), 2 ** 31 - 1], ['java.lang.Integer', -(2 ** 31), 2 ** 31 - 1],
      ['short', -32768, 32767], ['java.lang.Short', -32768, 32767], ['byte', -128, 127], ['java.lang.Byte', -128, 127],
    ];
    for (const [type, min, max] of edges) {
      assert.deepEqual(declared(type, min, max, 5n), inferred(min, max, 5), type);
      refused(() => declared(type, min - 1), `cannot send a JS number as Java ${type}`);
      refused(() => declared(type, max + 1), `cannot send a JS number as Java ${type}`);
    }
    refused(() => declared('int', 1.5), 'cannot send a JS number as Java int');
    refused(() => declared('int', '5'), 'cannot send a JS string as Java int');
    refused(() => declared('int', 2n ** 31n), 'cannot send a JS bigint as Java int');
  });

  it('long from a number, bigint or integer text within 64 bits', () => {
    assert.deepEqual(declared('long', 5, 5n, '123', '+7', '-9223372036854775808', -(2 ** 63)), b('e5 e5 f8 7b e7 4c 80 00 00 00 00 00 00 00 4c 80 00 00 00 00 00 00 00'));
    assert.deepEqual(declared('java.lang.Long', '9223372036854775807'), b('4c 7f ff ff ff ff ff ff ff'));
    for (const value of [2 ** 63, -(2 ** 64), 1.5, [5], 2n ** 63n, -(2n ** 63n) - 1n, '9223372036854775808', '-9223372036854775809', '1.5', ' 1', '1 ', '', 'x1', '1x', true]) {
      refused(() => declared('long', value), /^cannot send a JS \w+ as Java long$/, String(value));
    }
  });

  it('double and float from a number or bigint', () => {
    assert.deepEqual(declared('double', 1, 2.5, 5n), b('5c 5f 00 00 09 c4 5d 05'));
    assert.deepEqual(declared('float', 0.5), b('5f 00 00 01 f4'));
    for (const type of ['double', 'java.lang.Double', 'float', 'java.lang.Float']) refused(() => declared(type, '1'), `cannot send a JS string as Java ${type}`);
  });

  it('boolean, String, char and char[] (as a string)', () => {
    assert.deepEqual(declared('boolean', true, false), b('54 46'));
    refused(() => declared('java.lang.Boolean', 1), 'cannot send a JS number as Java java.lang.Boolean');
    for (const type of ['java.lang.String', 'char', 'java.lang.Character', '[C', 'char[]']) {
      assert.deepEqual(declared(type, 'ab'), b(s('ab')), type);
      refused(() => declared(type, 1), `cannot send a JS number as Java ${type}`);
    }
  });

  it('byte[] from any Uint8Array', () => {
    for (const type of ['[B', 'byte[]']) {
      assert.deepEqual(declared(type, new Uint8Array([1, 2]).subarray(1)), b('21 02'), type);
      refused(() => declared(type, [1]), `cannot send a JS array as Java ${type}`);
    }
  });

  it('java.util.Date from a Date or safe-integer milliseconds', () => {
    assert.deepEqual(declared('java.util.Date', new Date(60_000), 60_000, 1), b('4b 00 00 00 01 4b 00 00 00 01 4a 00 00 00 00 00 00 00 01'));
    for (const value of [1.5, 2 ** 53, '2020-01-01', new Date(Number.NaN)]) refused(() => declared('java.util.Date', value), /invalid Date|as Java java.util.Date/, String(value));
  });

  it('java.math.BigDecimal as an object with its decimal text in field value', () => {
    const decimalClass = b('43', s('java.math.BigDecimal'), '91', s('value'));
    assert.deepEqual(declared('java.math.BigDecimal', '1.50', 1.5, 10n), b(decimalClass, '60', s('1.50'), '60', s('1.5'), '60', s('10')));
    for (const text of ['0', '-1', '+1', '5.', '.5', '.25', '1e5', '1E+5', '-1.5e-5', '123.456']) {
      assert.deepEqual(declared('java.math.BigDecimal', text), b(decimalClass, '60', s(text)), text);
    }
    for (const value of ['', '.', 'e5', '1e', '1.2.3', ' 1', '1 ', 'abc', '1e5x', 'x1e5', '--1', Number.NaN, Number.POSITIVE_INFINITY, true]) {
      refused(() => declared('java.math.BigDecimal', value), /^cannot send a JS \w+ as Java java.math.BigDecimal$/, String(value));
    }
  });

  it('java.math.BigInteger from a bigint, safe integer or integer text: signum and mag (big-endian int words)', () => {
    const integer = (signum: string, mag: Buffer) => b(BIG_INTEGER_CLASS, '60', signum, mag);
    assert.deepEqual(declared('java.math.BigInteger', 0n), integer('90', b('70', s('[int'))));
    assert.deepEqual(declared('java.math.BigInteger', 1n), integer('91', b('71', s('[int'), '91')));
    assert.deepEqual(declared('java.math.BigInteger', -1), integer('8f', b('71', s('[int'), '91')));
    assert.deepEqual(declared('java.math.BigInteger', '4294967295'), integer('91', b('71', s('[int'), '8f')));
    assert.deepEqual(declared('java.math.BigInteger', -(2n ** 32n)), integer('8f', b('72', s('[int'), '91 90')));
    assert.deepEqual(declared('java.math.BigInteger', 2n ** 70n + 2n ** 33n + 5n), integer('91', b('73', s('[int'), 'c8 40 92 95')));
    const written = javaObject('java.math.BigInteger', { mag: setJavaClass([1], '[int'), signum: 1 });
    assert.deepEqual(
      inferred(written, 2n ** 64n),
      b('43', s('java.math.BigInteger'), '92', s('mag'), s('signum'), '60 71', s('[int'), '91 91', '60 73 90 91 90 90 91'),
      "a bigint follows the body's definition of BigInteger, whatever its field order",
    );
    for (const value of [1.5, 2 ** 53, '1.5', '', 'x', true]) refused(() => declared('java.math.BigInteger', value), /^cannot send a JS \w+ as Java java.math.BigInteger$/, String(value));
  });

  it('List, Collection and Set types from an array or Set, as an untyped list', () => {
    for (const type of ['java.util.List', 'java.util.ArrayList', 'java.util.LinkedList', 'java.util.Collection', 'java.util.Set', 'java.util.HashSet']) {
      assert.deepEqual(declared(type, [1], new Set([2])), b('79 91 79 92'), type);
      refused(() => declared(type, 'x'), `cannot send a JS string as Java ${type}`);
      refused(() => declared(type, {}), `cannot send a JS object as Java ${type}`);
    }
  });

  it('Map, HashMap (untyped) and LinkedHashMap (typed) from an object or Map; a class the value carries wins', () => {
    assert.deepEqual(declared('java.util.Map', { b: 1, a: 2 }), b('48', s('a'), '92', s('b'), '91 5a'));
    assert.deepEqual(declared('java.util.HashMap', new Map([[1, 2]])), b('48 91 92 5a'));
    assert.deepEqual(declared('java.util.LinkedHashMap', { a: 1 }), b('4d', s('java.util.LinkedHashMap'), s('a'), '91 5a'));
    assert.deepEqual(declared('java.util.LinkedHashMap', new Map([[1, 2]])), b('4d', s('java.util.LinkedHashMap'), '91 92 5a'));
    assert.deepEqual(declared('java.util.HashMap', setJavaClass({}, 'java.util.TreeMap')), b('4d', s('java.util.TreeMap'), '5a'));
    assert.deepEqual(declared('java.util.Map', { $class: 'java.util.TreeMap', $: { a: 1 } }), b('4d', s('java.util.TreeMap'), s('a'), '91 5a'));
    assert.deepEqual(declared('java.util.LinkedHashMap', { $class: 'x' }), b('4d', s('java.util.LinkedHashMap'), s('$class'), s('x'), '5a'), 'a $class without $ is a key');
    assert.deepEqual(declared('java.util.LinkedHashMap', { $: 1 }), b('4d', s('java.util.LinkedHashMap'), s('$'), '91 5a'), 'a $ without $class is a key');
    const map = { a: 1 };
    assert.deepEqual(declared('java.util.Map', map, map), b('48', s('a'), '91 5a 51 90'));
    for (const value of ['x', [1], Buffer.from([1]), new Date(0), 5]) refused(() => declared('java.util.Map', value), /^cannot send a JS \w+ as Java java.util.Map$/, String(value));
  });

  it('java.lang.Object by inference', () => {
    assert.deepEqual(declared('java.lang.Object', 5, 'x', [1]), b('95', s('x'), '79 91'));
  });

  it('arrays by Java name or descriptor, as hessian typed lists with elements of the component type', () => {
    assert.deepEqual(declared('int[]', [1, 2]), b('72', s('[int'), '91 92'));
    assert.deepEqual(declared('[I', new Set([1])), b('71', s('[int'), '91'));
    assert.deepEqual(declared('long[]', [1]), b('71', s('[long'), 'e1'));
    assert.deepEqual(declared('[J', [1]), b('71', s('[long'), 'e1'));
    const primitives: [string, string, unknown, string][] = [
      ['boolean[]', '[boolean', true, '54'], ['[Z', '[boolean', false, '46'], ['short[]', '[short', 1, '91'], ['[S', '[short', 1, '91'],
      ['[D', '[double', 1, '5c'], ['double[]', '[double', 1, '5c'], ['[F', '[float', 0, '5b'], ['float[]', '[float', 0, '5b'],
    ];
    for (const [type, name, item, itemBytes] of primitives) assert.deepEqual(declared(type, [item]), b('71', s(name), itemBytes), type);
    assert.deepEqual(declared('java.lang.String[]', ['a', null]), b('72', s('[string'), s('a'), '4e'));
    assert.deepEqual(declared('[Ljava.lang.String;', ['a']), b('71', s('[string'), s('a')));
    assert.deepEqual(declared('java.lang.Object[]', [1, 'a']), b('72', s('[object'), '91', s('a')));
    assert.deepEqual(declared('[Ljava.lang.Object;', [1]), b('71', s('[object'), '91'));
    assert.deepEqual(declared('com.x.User[]', [{ id: 1 }]), b('71', s('[com.x.User'), '43', s('com.x.User'), '91', s('id'), '60 91'));
    assert.deepEqual(declared('[Lcom.x.User;', [{ id: 1 }]), b('71', s('[com.x.User'), '43', s('com.x.User'), '91', s('id'), '60 91'));
    assert.deepEqual(declared('long[][]', [[1], []]), b('72', s('[[long'), '71', s('[long'), 'e1', '70 91'));
    assert.deepEqual(declared('[[J', [[1]]), b('71', s('[[long'), '71', s('[long'), 'e1'));
    assert.deepEqual(declared('int[][][]', [[[1]]]), b('71', s('[[[int'), '71', s('[[int'), '71', s('[int'), '91'));
    assert.deepEqual(declared('[Lfoo', [{}]), b('71', s('[Lfoo'), '43', s('Lfoo'), '90 60'), 'a descriptor missing its ; keeps its name');
    assert.deepEqual(declared('[a.B;', [{}]), b('71', s('[a.B;'), '43', s('a.B;'), '90 60'), 'a name without L keeps its ;');
    refused(() => declared('int[]', 5), 'cannot send a JS number as Java [I');
    refused(() => declared('[I', ['x']), 'cannot send a JS string as Java int');
  });

  it('the same array given twice in a body is a reference the second time', () => {
    const items = [1];
    assert.deepEqual(declared('int[]', items, items), b('71', s('[int'), '91 51 90'));
  });

  it('a declared class from a plain object, a js-to-java form, a Map or a value carrying a subclass', () => {
    assert.deepEqual(declared('com.x.User', { id: 1 }), b('43', s('com.x.User'), '91', s('id'), '60 91'));
    assert.deepEqual(declared('com.x.User', { $class: 'com.x.Admin', $: { id: 1 } }), b('43', s('com.x.Admin'), '91', s('id'), '60 91'));
    assert.deepEqual(declared('com.x.User', javaObject('com.x.Admin', { id: 1 })), b('43', s('com.x.Admin'), '91', s('id'), '60 91'));
    assert.deepEqual(declared('com.x.User', new Map([[1, 2]])), b('48 91 92 5a'));
    assert.deepEqual(declared('com.x.User', { $class: 'a.B' }), b('43', s('com.x.User'), '91', s('$class'), '60', s('a.B')), 'a $class without $ is a field');
    assert.deepEqual(declared('com.x.User', { $: 1 }), b('43', s('com.x.User'), '91', s('$'), '60 91'), 'a $ without $class is a field');
    assert.deepEqual(declared('java.util.TreeMap', { a: 1 }), b('4d', s('java.util.TreeMap'), s('a'), '91 5a'));
    const user = { id: 1 };
    assert.deepEqual(declared('com.x.User', user, user), b('43', s('com.x.User'), '91', s('id'), '60 91 51 90'));
    for (const [value, kind] of [['x', 'string'], [[1], 'array'], [Buffer.from([1]), 'object'], [new Date(0), 'object'], [5, 'number']] as const) {
      refused(() => declared('com.x.User', value), `cannot send a JS ${kind} as Java com.x.User`);
    }
  });
});

describe('Hessian2Encoder: arrays of byte[] and char[]', () => {
  it('byte[][] and char[][] as typed lists of binary and of strings, as Java ArraySerializer writes them', () => {
    for (const type of ['byte[][]', '[[B']) assert.deepEqual(declared(type, [Buffer.from([1]), new Uint8Array([2])]), b('72', s('[[byte'), '21 01 21 02'), type);
    for (const type of ['char[][]', '[[C']) assert.deepEqual(declared(type, ['ab', 'c']), b('72', s('[[char'), s('ab'), s('c')), type);
    refused(() => declared('byte[][]', [[1]]), 'cannot send a JS array as Java [B');
  });

  it('a byte[][] decoded from a peer goes back as it came', () => {
    const bytes = b('72', s('[[byte'), '21 01 21 02');
    const decoded = new Hessian2Decoder(bytes).read();
    assert.deepEqual(inferred(decoded), bytes);
    assert.deepEqual(inferred({ $class: '[[byte', $: [Buffer.from([1]), Buffer.from([2])] }), bytes);
  });
});
