/**
 * Integers beyond ±(2^53−1) in JSON text on their own: which numbers of a line
 * come back as bigints (at the top, in arrays, in objects, of any length) and
 * which stay as JSON.parse reads them (safe integers, fractions, exponents,
 * digits in strings), and marked bigints written back as bare integers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { markBigInt, parseJsonKeepingIntegers, unmarkBigInts } from '../../../rpc/serialization/json-big-integers.js';

describe('parseJsonKeepingIntegers', () => {
  it('reads an integer beyond ±(2^53−1) as a bigint wherever it stands: alone, deep in arrays, deep in objects', () => {
    assert.equal(parseJsonKeepingIntegers('9007199254740993'), 9007199254740993n);
    // The only long integer sits in an array inside an array, after values of every other kind.
    assert.deepEqual(parseJsonKeepingIntegers('[1,"a",null,{},[true,-9223372036854775808]]'), [1, 'a', null, {}, [true, -9223372036854775808n]]);
    assert.deepEqual(parseJsonKeepingIntegers('{"a":1,"b":{"c":"d","e":[18446744073709551616]}}'), { a: 1, b: { c: 'd', e: [18446744073709551616n] } });
  });

  it('reads an integer too long for a double (a Java BigInteger) as a bigint, not Infinity', () => {
    const digits = `1${'0'.repeat(400)}`;
    assert.deepEqual(parseJsonKeepingIntegers(`[-${digits},${digits}]`), [-(10n ** 400n), 10n ** 400n]);
    assert.deepEqual(parseJsonKeepingIntegers('[1e400,-1E400]'), [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY], 'an exponent is a double');
  });

  it('parses a line once when it holds no integer to mark: a whole double written with an exponent', (t) => {
    const parse = t.mock.method(JSON, 'parse');
    assert.deepEqual(parseJsonKeepingIntegers('[1,1e400]'), [1, Number.POSITIVE_INFINITY]);
    assert.equal(parse.mock.callCount(), 1);
    assert.deepEqual(parseJsonKeepingIntegers('[1,9007199254740993]'), [1, 9007199254740993n]);
    assert.equal(parse.mock.callCount(), 3, 'a long integer: parsed again with it marked');
  });

  it('keeps safe integers, up to ±(2^53−1), as numbers', () => {
    const value = parseJsonKeepingIntegers('[9007199254740991,-9007199254740991,1234567890123456,0,-1]');
    assert.deepEqual(value, [9007199254740991, -9007199254740991, 1234567890123456, 0, -1]);
  });

  it('leaves fractions and exponents (e and E, signed) to JSON.parse however long their digits, beside a bigint', () => {
    // Each double has a run of 17+ digits after its point or its exponent letter, which must not be
    // taken for an integer of its own; the last one ends the line.
    const line = '[9223372036854775807,3.14159265358979323846,12345678901234567E2,2.5e-12345678901234567,12345678901234567890.5]';
    assert.deepEqual(parseJsonKeepingIntegers(line), [
      9223372036854775807n,
      Number('3.14159265358979323846'),
      Number('12345678901234567E2'),
      0,
      Number('12345678901234567890.5'),
    ]);
    // A whole number (1.2e18, beyond 2^53) written with an exponent, ending its line.
    assert.equal(parseJsonKeepingIntegers('12345678901234567E2'), Number('12345678901234567E2'));
  });

  it('does not read digits inside strings, escaped quotes included, as integers', () => {
    const line = '["12345678901234567890","a\\"12345678901234567890","\\\\",12345678901234567890]';
    assert.deepEqual(parseJsonKeepingIntegers(line), ['12345678901234567890', 'a"12345678901234567890', '\\', 12345678901234567890n]);
  });
});

describe('markBigInt and unmarkBigInts', () => {
  it('write every marked bigint of a text as its bare integer, the rest as it is', () => {
    const text = JSON.stringify({ a: markBigInt(1n), b: [markBigInt(-2n), 'x'], c: markBigInt(2n ** 64n) });
    assert.equal(unmarkBigInts(text), '{"a":1,"b":[-2,"x"],"c":18446744073709551616}');
    assert.equal(unmarkBigInts('["1",2]'), '["1",2]');
  });
});
