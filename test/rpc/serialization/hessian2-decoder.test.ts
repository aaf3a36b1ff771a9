import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../../common/rpc-error.js';
import { javaClassOf } from '../../../rpc/protocol/java-object.js';
import { Hessian2Decoder, type Hessian2DecodeLimits } from '../../../rpc/serialization/hessian2-decoder.js';
import { hstr } from '../protocol/golden-frames.js';

const bytes = (...codes: number[]) => Buffer.from(codes);

function decode(body: Buffer): unknown {
  const decoder = new Hessian2Decoder(body);
  const value = decoder.read();
  assert.equal(decoder.pos, body.length, 'the whole value read');
  return value;
}

describe('Hessian2Decoder', () => {
  it('reads a typed map of HashMap, Map or an empty type name as a plain map, any other type keeping its class', () => {
    const typedMap = (type: string) => Buffer.concat([bytes(0x4d), hstr(type), hstr('k'), hstr('v'), bytes(0x5a)]);
    for (const type of ['', 'java.util.HashMap', 'java.util.Map']) {
      const map = decode(typedMap(type));
      assert.deepEqual(map, { k: 'v' }, type);
      assert.equal(javaClassOf(map), undefined, `type '${type}'`);
    }
    const tree = decode(typedMap('java.util.TreeMap'));
    assert.deepEqual(tree, { k: 'v' });
    assert.equal(javaClassOf(tree), 'java.util.TreeMap');
  });
});

const LIMITS = { longs: 'number', maxValues: 1000, maxObjects: 1000 } as const;

function refuses(body: Buffer, message: string, limits: Hessian2DecodeLimits = LIMITS): void {
  assert.throws(
    () => new Hessian2Decoder(body, 0, limits).read(),
    (err) => isRpcError(err, ErrorCode.SERIALIZATION) && err.message === `hessian2: ${message}`,
    `${body.toString('hex').slice(0, 40)}: ${message}`,
  );
}

const classDef = (name: string, ...fields: string[]) => Buffer.concat([bytes(0x43), hstr(name), bytes(0x90 + fields.length), ...fields.map((field) => hstr(field))]);
const double = (value: number) => {
  const out = Buffer.alloc(9);
  out[0] = 0x44;
  out.writeDoubleBE(value, 1);
  return out;
};

describe('Hessian2Decoder, value by value', () => {
  it('refuses each kind of corrupt value with its own message', () => {
    refuses(bytes(0x01), 'truncated value');
    refuses(bytes(0x40), 'unexpected code 0x40 at 0');
    refuses(bytes(0x58, 0x01, 0x61), 'expected an int at 3');
    refuses(Buffer.concat([bytes(0x58), double(1.5)]), 'expected an int at 10');
    refuses(bytes(0x43, 0x90), 'expected a string at 2');
    refuses(bytes(0x58, 0x95), 'length 5 exceeds the 0 bytes left');
    refuses(bytes(0x58, 0x8f), 'length -1 exceeds the 0 bytes left');
    refuses(bytes(0x58, 0x9a, 0x91), 'length 10 exceeds the 1 bytes left');
    refuses(bytes(0x7a, 0x90, 0x58, 0x94, 0x91), 'length 4 exceeds the 1 bytes left');
    refuses(bytes(0x02, 0x61, 0xff), 'bad UTF-8 byte 0xff at 2');
    refuses(bytes(0x01, 0xf8), 'bad UTF-8 byte 0xf8 at 1');
    refuses(bytes(0x52, 0x00, 0x01, 0x61, 0x90), 'expected a string chunk at 4');
    refuses(bytes(0x52, 0x00, 0x01, 0x61, 0x21, 0x62), 'expected a string chunk at 4');
    refuses(bytes(0x55, 0x21, 0x62), 'expected an int at 3');
    refuses(bytes(0x41, 0x00, 0x01, 0x61, 0x90), 'expected a binary chunk at 4');
    refuses(bytes(0x41, 0x00, 0x01, 0x61, 0x01, 0x62), 'expected a binary chunk at 4');
    refuses(bytes(0x41, 0x00, 0x01, 0x61, 0x30, 0x01, 0x62), 'expected a binary chunk at 4');
    refuses(bytes(0x71, 0x90, 0x91), 'type reference 0 of 0');
    refuses(Buffer.concat([Buffer.alloc(257, 0x79), bytes(0x90)]), 'value nested deeper than 256 levels');
    refuses(bytes(0x79, 0x78), 'more than 1 lists, maps and objects in one body', { ...LIMITS, maxObjects: 1 });
    refuses(bytes(0x60, 0x91), 'class reference 0 of 0');
    refuses(bytes(0x51, 0x90), 'reference 0 to an object not read (0 read)');
    refuses(Buffer.concat([classDef('java.math.BigDecimal', 'value'), bytes(0x60, 0x91)]), 'java.math.BigDecimal without its value text');
    const bigInteger = classDef('java.math.BigInteger', 'signum', 'mag');
    refuses(Buffer.concat([bigInteger, bytes(0x60), hstr('1'), bytes(0x79, 0x91)]), 'java.math.BigInteger without signum and mag');
    refuses(Buffer.concat([bigInteger, bytes(0x60, 0x91, 0x91)]), 'java.math.BigInteger without signum and mag');
    refuses(Buffer.concat([bigInteger, bytes(0x60, 0x91, 0x79), double(1.5)]), 'java.math.BigInteger mag is not int[]');
    refuses(Buffer.concat([bigInteger, bytes(0x60, 0x91, 0x79), hstr('1')]), 'java.math.BigInteger mag is not int[]');
  });

  it('reads every compact long, int, short and null encoding', () => {
    const cases: [number[], number][] = [
      [[0xe0], 0], [[0xd8], -8], [[0xef], 15],
      [[0xf8, 0x00], 0], [[0xf0, 0x00], -2048], [[0xff, 0xff], 2047], [[0xf8, 0x05], 5],
      [[0x3c, 0x00, 0x00], 0], [[0x38, 0x00, 0x00], -262144], [[0x3f, 0xff, 0xff], 262143], [[0x3c, 0x00, 0x05], 5],
      [[0x59, 0xff, 0xff, 0xff, 0xfe], -2], [[0x49, 0x00, 0x00, 0x01, 0x00], 256], [[0x5e, 0xff, 0xfe], -2], [[0x5d, 0xfe], -2],
    ];
    for (const [code, value] of cases) {
      assert.equal(decode(Buffer.from(code)), value, Buffer.from(code).toString('hex'));
      // Only longs become bigints: an int (I), short (0x5e) or byte (0x5d) stays a number.
      const isInt = code[0] === 0x49 || code[0] === 0x5e || code[0] === 0x5d;
      const asBigint = new Hessian2Decoder(Buffer.from(code), 0, { ...LIMITS, longs: 'bigint' }).read();
      assert.equal(asBigint, isInt ? value : BigInt(value), `${Buffer.from(code).toString('hex')}, longs 'bigint'`);
    }
    assert.equal(new Hessian2Decoder(bytes(0x4c, 0, 0, 0, 0, 0, 0, 0, 5), 0, { ...LIMITS, longs: 'bigint' }).read(), 5n);
    assert.equal(decode(bytes(0x4e)), null);
    assert.deepEqual(decode(bytes(0x7a, 0x4e, 0x54)), [null, true]);
  });

  it('reads typed and untyped lists of every encoding, and objects of every class reference form', () => {
    assert.deepEqual(decode(Buffer.concat([bytes(0x55), hstr('[int'), bytes(0x91, 0x92, 0x5a)])), [1, 2]);
    const fixed = decode(Buffer.concat([bytes(0x56), hstr('[string'), bytes(0x92), hstr('a'), hstr('b')]));
    assert.deepEqual(fixed, ['a', 'b']);
    assert.equal(javaClassOf(fixed), '[string');
    const seven = decode(Buffer.concat([bytes(0x77), hstr('[int'), bytes(0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97)]));
    assert.deepEqual(seven, [1, 2, 3, 4, 5, 6, 7]);
    for (const plain of ['java.util.ArrayList', 'java.util.List']) {
      assert.equal(javaClassOf(decode(Buffer.concat([bytes(0x71), hstr(plain), bytes(0x91)]))), undefined, plain);
    }
    const classes = Array.from({ length: 16 }, (_, i) => classDef(`C${i}`, 'f'));
    const last = decode(Buffer.concat([...classes, bytes(0x6f, 0x91)]));
    assert.deepEqual(last, { f: 1 });
    assert.equal(javaClassOf(last), 'C15');
    const long = decode(Buffer.concat([classDef('org.example.P', 'x'), bytes(0x4f, 0x90, 0x95)]));
    assert.deepEqual(long, { x: 5 });
  });

  it('reads list and map type names of every string form, and references to them', () => {
    const names = ['t'.repeat(31), 'u'.repeat(40), 'x'.repeat(800)];
    for (const name of names) assert.equal(javaClassOf(decode(Buffer.concat([bytes(0x71), hstr(name), bytes(0x91)]))), name);
    const chunked = decode(Buffer.concat([bytes(0x72, 0x53, 0x00, 0x01, 0x76, 0x91, 0x92)]));
    assert.equal(javaClassOf(chunked), 'v');
    assert.equal(javaClassOf(decode(bytes(0x71, 0x52, 0x00, 0x01, 0x61, 0x53, 0x00, 0x01, 0x62, 0x91))), 'ab');
    const twoLists = decode(Buffer.concat([bytes(0x7a, 0x71), hstr('w'), bytes(0x91, 0x71, 0x90, 0x92)])) as unknown[];
    assert.deepEqual(twoLists.map(javaClassOf), ['w', 'w']);
    refuses(Buffer.concat([bytes(0x7a, 0x71), hstr('w'), bytes(0x91, 0x71, 0x91, 0x92)]), 'type reference 1 of 1');
  });

  it('leaves each list, map and object at its own depth: 300 siblings are not nested', () => {
    const siblings = (item: Buffer) => Buffer.concat([bytes(0x57), ...Array.from({ length: 300 }, () => item), bytes(0x5a)]);
    assert.equal((decode(siblings(bytes(0x78))) as unknown[]).length, 300);
    assert.equal((decode(siblings(bytes(0x48, 0x5a))) as unknown[]).length, 300);
    const objects = Buffer.concat([classDef('E'), siblings(bytes(0x60))]);
    assert.equal((decode(objects) as unknown[]).length, 300);
  });

  it('turns a map into a Map from its first non-string key on, keeping the later string keys', () => {
    assert.deepEqual(decode(Buffer.concat([bytes(0x48, 0x91), hstr('a'), hstr('b'), hstr('c'), bytes(0x5a)])), new Map<unknown, unknown>([[1, 'a'], ['b', 'c']]));
  });

  it('reads 4-byte UTF-8 and CESU-8 surrogates, alone or mixed, and 3-byte characters from U+0800', () => {
    const emoji = '\u{1F600}';
    assert.equal(decode(bytes(0x02, 0xf0, 0x9f, 0x98, 0x80)), emoji);
    assert.equal(decode(bytes(0x06, 0xf0, 0x9f, 0x98, 0x80, 0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80, 0x61, 0x62)), `${emoji}${emoji}ab`);
    assert.equal(decode(bytes(0x04, 0xe0, 0xa0, 0x80, 0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80, 0xc3, 0xa9)), `\u0800${emoji}é`);
    assert.equal(decode(bytes(0x03, 0xf0, 0x90, 0x80, 0x80, 0xed, 0x9f, 0xbf)), '\u{10000}\ud7ff');
    // Every byte of the 4-byte sequence carries bits, next to CESU-8 (the non-native path).
    assert.equal(decode(bytes(0x04, 0xf0, 0x9f, 0x98, 0x81, 0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x81)), '\u{1F601}\u{1F601}');
    assert.equal(decode(bytes(0x04, 0xf4, 0x8f, 0xbf, 0xbf, 0xed, 0xaf, 0xbf, 0xed, 0xbf, 0xbf)), '\u{10FFFF}\u{10FFFF}');
  });

  it('gives an untyped list or map, or one of a plain Java type, no property but its elements or entries', () => {
    const plain: [Buffer, (string | symbol)[]][] = [
      [bytes(0x7a, 0x91, 0x92), ['0', '1', 'length']],
      [Buffer.concat([bytes(0x55), hstr('java.util.ArrayList'), bytes(0x91, 0x5a)]), ['0', 'length']],
      [Buffer.concat([bytes(0x48), hstr('k'), hstr('v'), bytes(0x5a)]), ['k']],
      [Buffer.concat([bytes(0x4d), hstr('java.util.HashMap'), hstr('k'), hstr('v'), bytes(0x5a)]), ['k']],
    ];
    for (const [body, keys] of plain) assert.deepEqual(Reflect.ownKeys(decode(body) as object), keys, body.toString('hex'));
  });

  it('reads exactly maxValues values from one body, and refuses one more', () => {
    const body = bytes(0x7a, 0x91, 0x92);
    const decoder = new Hessian2Decoder(body, 0, { ...LIMITS, maxValues: 3 });
    assert.deepEqual(decoder.read(), [1, 2]);
    assert.equal(decoder.valuesRead, 3);
    refuses(body, 'more than 2 values in one body', { ...LIMITS, maxValues: 2 });
  });

  it('takes 0xc0 and 0xc1 as leads of 2-byte sequences, as Java\'s Hessian2Input does, not as bad bytes', () => {
    for (const lead of [0xc0, 0xc1]) {
      const decoder = new Hessian2Decoder(bytes(0x01, lead, 0x80, 0x91));
      assert.equal(typeof decoder.read(), 'string');
      assert.equal(decoder.pos, 3, `lead 0x${lead.toString(16)}: its two bytes read`);
      assert.equal(decoder.read(), 1);
    }
  });

  it('ends a chunked string or byte[] with a compact last chunk of any size', () => {
    assert.equal(decode(Buffer.concat([bytes(0x52, 0x00, 0x01, 0x61), hstr('b'.repeat(31))])), `a${'b'.repeat(31)}`);
    assert.equal(decode(Buffer.concat([bytes(0x52, 0x00, 0x01, 0x61), hstr('c'.repeat(40))])), `a${'c'.repeat(40)}`);
    assert.equal(decode(Buffer.concat([bytes(0x52, 0x00, 0x01, 0x61), hstr('d'.repeat(800))])), `a${'d'.repeat(800)}`);
    assert.deepEqual(decode(bytes(0x41, 0x00, 0x01, 0x61, 0x20)), Buffer.from('a'));
    assert.deepEqual(decode(Buffer.concat([bytes(0x41, 0x00, 0x01, 0x61, 0x2f), Buffer.alloc(15, 0x62)])), Buffer.from(`a${'b'.repeat(15)}`));
    assert.deepEqual(decode(bytes(0x41, 0x00, 0x01, 0x61, 0x34, 0x01, 0x62)), Buffer.from('ab'));
  });

  it('copies a byte[] longer than 15 bytes out of the body', () => {
    const content = Buffer.from('0123456789abcdef');
    const body = Buffer.concat([bytes(0x34, 0x10), content]);
    const value = decode(body);
    body.fill(0);
    assert.deepEqual(value, content);
  });
});
