import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../../common/rpc-error.js';
import { createRequest, createResponse, type DubboResponse } from '../../../rpc/protocol/dubbo-package.js';
import { javaClassOf, javaObject } from '../../../rpc/protocol/java-object.js';
import { configureHessian2, hessian2Serialization as hessian2 } from '../../../rpc/serialization/hessian2.js';
import { randomBytes, seededRandom } from '../protocol/seeded-random.js';

/** The argument as the provider decodes it after the consumer encoded it as Java `type`. */
function asArgument(type: string, value: unknown): unknown {
  const body = Buffer.from(hessian2.encodeRequestBody(createRequest({ id: 1, parameterTypes: [type], args: [value] })));
  const request = createRequest({ id: 1 });
  hessian2.decodeRequestBody(body, request);
  assert.deepEqual(request.parameterTypes, [type.endsWith('[]') ? request.parameterTypes[0] : type]);
  return request.args[0];
}

/** The result as the consumer decodes it after the provider encoded it as Java `type`. */
function asResult(type: string | undefined, value: unknown): unknown {
  const body = Buffer.from(hessian2.encodeResponseBody(createResponse({ id: 1, value, returnType: type })));
  const response: DubboResponse = { kind: 'response', id: 1, status: 20, serialization: 2, event: false, attachments: {} };
  hessian2.decodeResponseBody(body, response);
  return response.value;
}

function bothWays(type: string, value: unknown): unknown[] {
  return [asArgument(type, value), asResult(type, value), asResult(undefined, value)];
}

function emojiString(length: number): string {
  const random = seededRandom(70);
  let out = '';
  while (out.length < length) out += ['a', 'é', '中', '\u{1F600}', 'Z'][Math.floor(random() * 5)];
  return out.slice(0, length - 1) + 'x';
}

describe('hessian2 values: scalars (docs/rpc.md "Java ↔ JS values")', () => {
  it('int, short and byte keep their edges; values outside the Java range are refused', () => {
    const edges: [string, number[]][] = [
      ['int', [0, -16, 47, 48, -2048, 2047, -262144, 262143, -(2 ** 31), 2 ** 31 - 1]],
      ['java.lang.Integer', [7, -(2 ** 31)]],
      ['short', [-32768, 32767, 0]],
      ['java.lang.Short', [-32768, 32767]],
      ['byte', [-128, 127]],
      ['java.lang.Byte', [-128, 127]],
    ];
    for (const [type, values] of edges) for (const value of values) assert.deepEqual(bothWays(type, value).slice(0, 2), [value, value], `${type} ${value}`);
    for (const [type, value] of [['int', 2 ** 31], ['short', 32768], ['byte', -129], ['int', 1.5]] as const) {
      assert.throws(() => asArgument(type, value), (err) => isRpcError(err, ErrorCode.SERIALIZATION), `${type} ${value}`);
    }
  });

  it('long: a number within ±(2^53−1), a bigint beyond, never a string; number or bigint accepted', () => {
    const cases: [number | bigint, number | bigint][] = [
      [0, 0],
      [2 ** 53 - 1, 2 ** 53 - 1],
      [-(2 ** 53 - 1), -(2 ** 53 - 1)],
      [2n ** 53n, 2n ** 53n],
      [2n ** 53n + 1n, 2n ** 53n + 1n],
      [-(2n ** 53n) - 1n, -(2n ** 53n) - 1n],
      [2 ** 53, 2n ** 53n],
      [2n ** 63n - 1n, 2n ** 63n - 1n],
      [-(2n ** 63n), -(2n ** 63n)],
      [5n, 5],
    ];
    for (const type of ['long', 'java.lang.Long']) {
      for (const [sent, expected] of cases) assert.deepEqual(bothWays(type, sent).slice(0, 2), [expected, expected], `${type} ${sent}`);
    }
    assert.throws(() => asArgument('long', 2n ** 63n), (err) => isRpcError(err, ErrorCode.SERIALIZATION));
    assert.throws(() => asArgument('long', 1.5), (err) => isRpcError(err, ErrorCode.SERIALIZATION));
  });

  describe("with longs: 'bigint'", () => {
    after(() => configureHessian2({ longs: 'number' }));
    it('gives every long as a bigint, inside collections too, so a Long stays a Long when sent back', () => {
      configureHessian2({ longs: 'bigint' });
      assert.deepEqual(bothWays('long', 5).slice(0, 2), [5n, 5n]);
      assert.equal(asResult(undefined, 5n), 5n);
      assert.deepEqual(asResult(undefined, [5n, 2n ** 60n, 7]), [5n, 2n ** 60n, 7]);
      assert.throws(() => configureHessian2({ longs: 'string' as never }), (err) => isRpcError(err, ErrorCode.INVALID_ARGUMENT));
    });
  });

  it('double and float: NaN, ±Infinity, extremes and fractions exactly (float is sent as a double, as hessian-lite does)', () => {
    const values = [0, 1, -1, 2.5, 0.1, -127.5, 1e308, -1e308, 5e-324, Number.MAX_VALUE, 2 ** 53 + 2, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
    for (const type of ['double', 'java.lang.Double', 'float', 'java.lang.Float']) {
      for (const value of values) for (const got of bothWays(type, value).slice(0, 2)) assert.ok(Object.is(got, value), `${type} ${value} → ${String(got)}`);
    }
    assert.ok(Object.is(asArgument('double', -0), 0), '-0 is written as 0.0, as Hessian2Output does');
  });

  it('boolean, String, char', () => {
    for (const value of [true, false]) assert.deepEqual(bothWays('boolean', value), [value, value, value]);
    const strings = ['', 'a', 'é中', '\u{1F600}\u{1F44D}', 'x'.repeat(1024), emojiString(70_000), emojiString(0x8000 * 2 + 3)];
    for (const value of strings) assert.deepEqual(bothWays('java.lang.String', value), [value, value, value], `length ${value.length}`);
    assert.deepEqual(bothWays('char', 'x'), ['x', 'x', 'x']);
    assert.deepEqual(bothWays('java.lang.Character', '中'), ['中', '中', '中']);
  });

  it('byte[] of 100 KB and of every chunk boundary', () => {
    const random = seededRandom(9);
    for (const length of [0, 15, 16, 1023, 1024, 4093, 4094, 100 * 1024]) {
      const bytes = randomBytes(random, length);
      for (const got of bothWays('[B', bytes)) assert.ok(bytes.equals(got as Buffer), `length ${length}`);
    }
  });

  it('java.util.Date to the millisecond, before 1970, in year 1 and year 9999, declared or inferred', () => {
    const dates = ['1970-01-01T00:00:00.000Z', '1969-12-31T23:59:59.999Z', '0001-01-01T00:00:00.001Z', '9999-12-31T23:59:59.999Z', '2024-02-29T12:34:00.000Z', '1900-01-01T00:00:00.000Z'];
    for (const text of dates) {
      const date = new Date(text);
      for (const got of bothWays('java.util.Date', date)) {
        assert.ok(got instanceof Date, text);
        assert.equal(got.toISOString(), text);
      }
    }
    assert.throws(() => asArgument('java.util.Date', new Date(Number.NaN)), (err) => isRpcError(err, ErrorCode.SERIALIZATION));
  });

  it('java.math.BigDecimal as its decimal text, written as hessian-lite writes it (class with field value)', () => {
    for (const text of ['0', '123.4500', '-1E+10', '3.141592653589793238462643383279', '-0.000001']) {
      assert.deepEqual(bothWays('java.math.BigDecimal', text).slice(0, 2), [text, text]);
    }
    assert.equal(asArgument('java.math.BigDecimal', 1.5), '1.5');
    const body = Buffer.from(hessian2.encodeResponseBody(createResponse({ id: 1, value: '1.50', returnType: 'java.math.BigDecimal' })));
    assert.ok(body.includes(Buffer.from('java.math.BigDecimal')) && body.includes(Buffer.from('\x05value')));
    assert.throws(() => asArgument('java.math.BigDecimal', 'abc'), (err) => isRpcError(err, ErrorCode.SERIALIZATION));
  });

  it('java.math.BigInteger as a bigint (fields signum and mag, as Java and dubbo-go write it)', () => {
    for (const value of [0n, 1n, -1n, 2n ** 32n, 2n ** 64n + 5n, -(2n ** 100n) + 7n]) {
      assert.deepEqual(bothWays('java.math.BigInteger', value).slice(0, 2), [value, value], String(value));
    }
    assert.equal(asResult(undefined, 2n ** 70n), 2n ** 70n, 'a bigint beyond 64 bits is inferred as BigInteger');
  });

  it('null for every reference type', () => {
    for (const type of ['java.lang.String', 'java.lang.Long', 'java.util.Date', 'java.math.BigDecimal', 'java.util.List', 'com.example.User', '[I']) {
      assert.deepEqual(bothWays(type, null), [null, null, null], type);
    }
  });
});

describe('hessian2 values: collections and objects', () => {
  it('untyped values inside a List keep what JS can keep', () => {
    const date = new Date('1999-12-31T23:59:59.123Z');
    const list = [1, 'two', null, true, 2.5, Number.NaN, Number.POSITIVE_INFINITY, -(2 ** 40), 2n ** 60n, date, Buffer.from('bin'), [3], { k: 'v' }];
    for (const got of bothWays('java.util.List', list)) assert.deepEqual(got, list);
  });

  it('maps with non-string keys arrive as a JS Map; string-keyed maps as plain objects', () => {
    const byInt = new Map<unknown, unknown>([[1, 'a'], [2, 'b'], [-5, null]]);
    for (const got of bothWays('java.util.Map', byInt)) assert.deepEqual(got, byInt);
    const byString = { a: 1, b: [2], 'with space': 'x' };
    for (const got of bothWays('java.util.Map', byString)) assert.deepEqual(got, byString);
  });

  it('a typed map (TreeMap, LinkedHashMap) keeps its class when sent back, as an object or a JS Map', () => {
    const tree = asArgument('java.util.TreeMap', { $class: 'java.util.TreeMap', $: { b: 1, a: 2 } }) as Record<string, unknown>;
    assert.equal(javaClassOf(tree), 'java.util.TreeMap');
    assert.deepEqual(tree, { a: 2, b: 1 });
    const again = asResult(undefined, [tree]) as unknown[];
    assert.equal(javaClassOf(again[0]), 'java.util.TreeMap');
    const byInt = asResult(undefined, { $class: 'java.util.LinkedHashMap', $: new Map([[2, 'b'], [1, 'a']]) });
    assert.ok(byInt instanceof Map);
    assert.equal(javaClassOf(byInt), 'java.util.LinkedHashMap');
    assert.equal(javaClassOf((asResult(undefined, [byInt]) as unknown[])[0]), 'java.util.LinkedHashMap');
    assert.equal(javaClassOf(asResult(undefined, { a: 1 })), undefined, 'a plain object is an untyped map');
  });

  it('arrays: int[], String[], long[][] and POJO arrays', () => {
    assert.deepEqual(bothWays('[I', [1, -2, 2 ** 31 - 1]).slice(0, 2), [[1, -2, 2 ** 31 - 1], [1, -2, 2 ** 31 - 1]]);
    assert.deepEqual(asArgument('int[]', [4]), [4]);
    assert.equal(javaClassOf(asArgument('int[]', [4])), '[int');
    assert.deepEqual(asArgument('java.lang.String[]', ['a', null]), ['a', null]);
    assert.deepEqual(asArgument('[[J', [[1, 2n ** 60n]]), [[1, 2n ** 60n]]);
    assert.deepEqual(bothWays('char[]', 'chars').slice(0, 2), ['chars', 'chars']);
    const longs = asArgument('[J', [1, 2]);
    assert.equal(javaClassOf(longs), '[long');
    const resent = Buffer.from(hessian2.encodeResponseBody(createResponse({ id: 1, value: longs })));
    assert.ok(resent.includes(Buffer.from([0xe1, 0xe2])), 'a decoded long[] goes back with long elements');
    const users = asArgument('com.example.User[]', [{ id: 1 }]) as unknown[];
    assert.equal(javaClassOf(users[0]), 'com.example.User');
  });

  it('a decoded POJO keeps its Java class, also inside a List or Map, so sending it back writes the same class', () => {
    const user = asArgument('com.example.User', { id: 1, name: 'ann' }) as Record<string, unknown>;
    assert.equal(javaClassOf(user), 'com.example.User');
    assert.deepEqual(Object.keys(user), ['id', 'name']);
    const echoed = asResult(undefined, [user, { owner: user }]) as [Record<string, unknown>, Record<string, Record<string, unknown>>];
    assert.equal(javaClassOf(echoed[0]), 'com.example.User');
    assert.equal(javaClassOf(echoed[1].owner), 'com.example.User');
    assert.equal(echoed[1].owner, echoed[0], 'the same object, sent once and referred to');
  });

  it('javaObject() names a class for a value built in JS; { $class, $ } keeps working', () => {
    const built = asResult(undefined, [javaObject('com.example.Item', { sku: 'a-1', qty: 2 })]) as unknown[];
    assert.equal(javaClassOf(built[0]), 'com.example.Item');
    assert.deepEqual(built[0], { sku: 'a-1', qty: 2 });
    const legacy = asResult(undefined, { $class: 'com.example.Item', $: { sku: 'b', qty: { $class: 'long', $: 3 } } });
    assert.equal(javaClassOf(legacy), 'com.example.Item');
    assert.deepEqual(legacy, { sku: 'b', qty: 3 });
  });

  it('an object repeated in a list is sent once and referred to; cycles survive', () => {
    const shared = { id: 7 };
    const body = Buffer.from(hessian2.encodeResponseBody(createResponse({ id: 1, value: [shared, shared, shared] })));
    assert.equal(body.filter((byte) => byte === 0x51).length, 2, 'two hessian references');
    const got = asResult(undefined, [shared, shared]) as unknown[];
    assert.equal(got[0], got[1]);
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    const back = asResult('java.util.List', cyclic) as unknown[];
    assert.equal(back[0], back);
  });

  it('a value that cannot be the declared type is refused with SERIALIZATION', () => {
    for (const [type, value] of [['java.lang.String', 1], ['boolean', 'x'], ['java.util.List', 'x'], ['com.example.User', 'x'], ['[B', [1]], ['java.util.Date', 'x']] as const) {
      assert.throws(() => asArgument(type, value), (err) => isRpcError(err, ErrorCode.SERIALIZATION), type);
    }
  });
});
