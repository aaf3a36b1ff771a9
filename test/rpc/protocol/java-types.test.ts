import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../../common/rpc-error.js';
import {
  descriptorOfTypes,
  descriptorToJavaTypes,
  ECHO_PARAMETER_TYPES,
  GENERIC_PARAMETER_TYPES,
  inferJavaType,
  javaTypesOfDescriptor,
  javaTypeToDescriptor,
  parameterTypesToDescriptor,
  toHessian,
  wrapForJava,
} from '../../../rpc/protocol/java-types.js';

describe('java-types descriptors', () => {
  it('maps Java names to JVM descriptors', () => {
    const cases: [string, string][] = [
      ['java.lang.String', 'Ljava/lang/String;'],
      ['int', 'I'],
      ['long', 'J'],
      ['boolean', 'Z'],
      ['byte', 'B'],
      ['char', 'C'],
      ['short', 'S'],
      ['float', 'F'],
      ['double', 'D'],
      ['[B', '[B'],
      ['int[]', '[I'],
      ['java.lang.String[]', '[Ljava/lang/String;'],
      ['[Ljava.lang.Object;', '[Ljava/lang/Object;'],
      ['int[][]', '[[I'],
    ];
    for (const [name, desc] of cases) assert.equal(javaTypeToDescriptor(name), desc, name);
  });

  it('concatenates a parameter list and parses it back', () => {
    const types = ['java.lang.String', 'int', '[Ljava.lang.String;', '[[J', 'java.util.Map'];
    const desc = parameterTypesToDescriptor(types);
    assert.equal(desc, 'Ljava/lang/String;I[Ljava/lang/String;[[JLjava/util/Map;');
    assert.deepEqual(descriptorToJavaTypes(desc), types);
    assert.deepEqual(descriptorToJavaTypes(''), []);
  });

  it('reads the generic $invoke descriptor (dubbo-go `filter/generic/`)', () => {
    assert.deepEqual(descriptorToJavaTypes('Ljava/lang/String;[Ljava/lang/String;[Ljava/lang/Object;'), [
      'java.lang.String',
      '[Ljava.lang.String;',
      '[Ljava.lang.Object;',
    ]);
  });

  it('maps void both ways, as ReflectUtils.getDesc / desc2name do, but no array of void', () => {
    assert.equal(javaTypeToDescriptor('void'), 'V');
    assert.deepEqual(descriptorToJavaTypes('V'), ['void']);
    assert.throws(() => descriptorToJavaTypes('[V'), (err) => isRpcError(err, ErrorCode.BAD_REQUEST));
  });

  it('refuses an empty type name with INVALID_ARGUMENT, also as an array component', () => {
    for (const name of ['', '[]']) {
      assert.throws(
        () => javaTypeToDescriptor(name),
        (err) => isRpcError(err, ErrorCode.INVALID_ARGUMENT) && err.message === 'empty Java type name',
        JSON.stringify(name),
      );
    }
  });

  it('treats type names that are Object.prototype keys as class names', () => {
    assert.equal(javaTypeToDescriptor('constructor'), 'Lconstructor;');
    assert.equal(parameterTypesToDescriptor(['toString', '__proto__']), 'LtoString;L__proto__;');
    assert.deepEqual(wrapForJava('constructor', { a: 1 }), { $class: 'constructor', $: { a: 1 } });
    assert.deepEqual(wrapForJava('toString[]', []), { $class: '[toString', $: [] });
  });

  it('names the $invoke and $echo signatures as Java declares them', () => {
    // org.apache.dubbo.rpc.service.GenericService#$invoke(String, String[], Object[]) and EchoService#$echo(Object).
    assert.deepEqual(GENERIC_PARAMETER_TYPES, ['java.lang.String', '[Ljava.lang.String;', '[Ljava.lang.Object;']);
    assert.equal(parameterTypesToDescriptor(GENERIC_PARAMETER_TYPES), 'Ljava/lang/String;[Ljava/lang/String;[Ljava/lang/Object;');
    assert.deepEqual(ECHO_PARAMETER_TYPES, ['java.lang.Object']);
  });

  it('quotes at most 200 characters of a malformed descriptor in the error', () => {
    const bad = 'Q' + 'x'.repeat(500);
    assert.throws(
      () => descriptorToJavaTypes(bad),
      (err) => isRpcError(err, ErrorCode.BAD_REQUEST) && err.message === `malformed parameter descriptor "${bad.slice(0, 200)}"`,
    );
  });

  it('rejects malformed descriptors with BAD_REQUEST', () => {
    for (const bad of ['L', 'Ljava/lang/String', 'Q', '[', '[V', 'L;', 'I[']) {
      assert.throws(() => descriptorToJavaTypes(bad), (err) => isRpcError(err, ErrorCode.BAD_REQUEST), bad);
    }
  });
});

describe('java-types inference', () => {
  it('follows the documented table', () => {
    const cases: [unknown, string][] = [
      ['s', 'java.lang.String'],
      [1, 'java.lang.Integer'],
      [2 ** 31, 'java.lang.Long'],
      [1.5, 'java.lang.Double'],
      [true, 'java.lang.Boolean'],
      [5n, 'java.lang.Long'],
      [Buffer.from('x'), '[B'],
      [new Uint8Array(2), '[B'],
      [new Date(0), 'java.util.Date'],
      [[1], 'java.util.List'],
      [new Map(), 'java.util.Map'],
      [{ a: 1 }, 'java.util.Map'],
      [{ $class: 'com.x.Y', $: {} }, 'com.x.Y'],
      [null, 'java.lang.Object'],
      [undefined, 'java.lang.Object'],
    ];
    for (const [value, type] of cases) assert.equal(inferJavaType(value), type, String(value));
  });

  it('picks Integer within Integer.MIN_VALUE..MAX_VALUE and Long just outside', () => {
    const cases: [number, string][] = [
      [-0x8000_0000, 'java.lang.Integer'],
      [0x7fff_ffff, 'java.lang.Integer'],
      [-0x8000_0001, 'java.lang.Long'],
      [0x8000_0000, 'java.lang.Long'],
    ];
    for (const [value, type] of cases) assert.equal(inferJavaType(value), type, String(value));
  });

  it('picks Long for a bigint within Long.MIN_VALUE..MAX_VALUE and BigInteger outside', () => {
    const cases: [bigint, string][] = [
      [-(2n ** 63n), 'java.lang.Long'],
      [2n ** 63n - 1n, 'java.lang.Long'],
      [-(2n ** 63n) - 1n, 'java.math.BigInteger'],
      [2n ** 63n, 'java.math.BigInteger'],
    ];
    for (const [value, type] of cases) assert.equal(inferJavaType(value), type, String(value));
  });
});

describe('java-types wrapping', () => {
  it('wraps numbers for their declared type', () => {
    assert.deepEqual(wrapForJava('int', 3), { $class: 'int', $: 3 });
    assert.deepEqual(wrapForJava('java.lang.Long', 3n), { $class: 'long', $: '3' });
    assert.deepEqual(wrapForJava('double', 2), { $class: 'double', $: 2 });
    assert.deepEqual(wrapForJava('boolean', false), { $class: 'boolean', $: false });
    assert.equal(wrapForJava('java.lang.String', null), null);
  });

  it('wraps arrays as typed lists and POJOs as classes', () => {
    assert.deepEqual(wrapForJava('[Ljava.lang.String;', ['a']), { $class: '[string', $: ['a'] });
    assert.deepEqual(wrapForJava('int[]', [1]), { $class: '[int', $: [{ $class: 'int', $: 1 }] });
    assert.deepEqual(wrapForJava('com.x.User', { id: 1n }), { $class: 'com.x.User', $: { id: { $class: 'long', $: '1' } } });
  });

  it('refuses a JS value that cannot be the declared type', () => {
    const cases: [string, unknown][] = [
      ['int', 'x'],
      ['boolean', 1],
      ['java.lang.String', 3],
      ['[B', 'x'],
      ['java.util.List', {}],
      ['com.x.User', 'x'],
    ];
    for (const [type, value] of cases) {
      assert.throws(() => wrapForJava(type, value), (err) => isRpcError(err, ErrorCode.SERIALIZATION), type);
    }
  });

  it('stops at cyclic values instead of looping', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => toHessian(cyclic), (err) => isRpcError(err, ErrorCode.SERIALIZATION));
  });
});

describe('java-types remembered descriptors', () => {
  it('gives every caller its own type array for a descriptor seen before', () => {
    const first = javaTypesOfDescriptor('Ljava/lang/String;[I');
    first.push('changed');
    assert.deepEqual(javaTypesOfDescriptor('Ljava/lang/String;[I'), ['java.lang.String', '[I']);
  });

  it('still rejects a malformed descriptor every time', () => {
    for (let i = 0; i < 2; i++) {
      assert.throws(() => javaTypesOfDescriptor('Ljava/lang/String'), (err: unknown) => isRpcError(err, ErrorCode.BAD_REQUEST));
    }
  });

  it('writes the descriptor of a type list as parameterTypesToDescriptor does', () => {
    const types = ['int', 'java.lang.String[]'];
    assert.equal(descriptorOfTypes(types), 'I[Ljava/lang/String;');
    assert.equal(descriptorOfTypes(types), 'I[Ljava/lang/String;');
  });
});

/** `[[...[1]...]]`: `levels` arrays around 1. */
function nestedArrays(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}
/** `{ next: { next: ... 1 } }`: `levels` objects around 1. */
function nestedObjects(levels: number, make = (inner: unknown): unknown => ({ next: inner })): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = make(value);
  return value;
}
const tooDeep = (err: unknown): boolean => isRpcError(err, ErrorCode.SERIALIZATION) && err.message === 'value nested deeper than 64 levels';

describe('java-types wrapping per declared type', () => {
  it('takes whole numbers within the range of int, short and byte (and a bigint there), nothing else', () => {
    const ranges: [string[], number, number][] = [
      [['int', 'java.lang.Integer'], -0x8000_0000, 0x7fff_ffff],
      [['short', 'java.lang.Short'], -0x8000, 0x7fff],
      [['byte', 'java.lang.Byte'], -0x80, 0x7f],
    ];
    for (const [types, min, max] of ranges) {
      for (const type of types) {
        assert.deepEqual(wrapForJava(type, min), { $class: type, $: min }, type);
        assert.deepEqual(wrapForJava(type, max), { $class: type, $: max }, type);
        assert.deepEqual(wrapForJava(type, BigInt(max)), { $class: type, $: max }, type);
        for (const bad of [min - 1, max + 1, 1.5, '1', true]) {
          assert.throws(() => wrapForJava(type, bad), (err) => isRpcError(err, ErrorCode.SERIALIZATION), `${type} ${bad}`);
        }
      }
    }
  });

  it('writes a long from a number, a bigint or decimal digits within Long.MIN_VALUE..MAX_VALUE', () => {
    for (const type of ['long', 'java.lang.Long']) {
      assert.deepEqual(wrapForJava(type, 3), { $class: 'long', $: 3 });
      assert.deepEqual(wrapForJava(type, -(2 ** 63)), { $class: 'long', $: -(2 ** 63) });
      assert.deepEqual(wrapForJava(type, 2n ** 63n - 1n), { $class: 'long', $: '9223372036854775807' });
      assert.deepEqual(wrapForJava(type, -(2n ** 63n)), { $class: 'long', $: '-9223372036854775808' });
      assert.deepEqual(wrapForJava(type, '9007199254740993'), { $class: 'long', $: '9007199254740993' });
      assert.deepEqual(wrapForJava(type, '-5'), { $class: 'long', $: '-5' });
      assert.deepEqual(wrapForJava(type, '7'), { $class: 'long', $: '7' });
      const refused = [2 ** 63, -(2 ** 64), 1.5, 2n ** 63n, -(2n ** 63n) - 1n, '9223372036854775808', '12a', 'a12', '', '1.5', '-', true];
      for (const bad of refused) {
        assert.throws(() => wrapForJava(type, bad), (err) => isRpcError(err, ErrorCode.SERIALIZATION), `${type} ${String(bad)}`);
      }
    }
  });

  it('writes float and double from a number or a bigint', () => {
    assert.deepEqual(wrapForJava('java.lang.Double', 1.5), { $class: 'java.lang.Double', $: 1.5 });
    assert.deepEqual(wrapForJava('float', 3n), { $class: 'float', $: 3 });
    assert.throws(() => wrapForJava('double', '1.5'), (err) => isRpcError(err, ErrorCode.SERIALIZATION));
  });

  it('sends null and undefined as null whatever the declared type', () => {
    for (const type of ['int', 'java.lang.String', 'int[]', 'com.x.User']) {
      assert.equal(wrapForJava(type, undefined), null, type);
      assert.equal(wrapForJava(type, null), null, type);
    }
  });

  it('sends a Date for java.util.Date and refuses anything else', () => {
    const date = new Date(0);
    assert.equal(wrapForJava('java.util.Date', date), date);
    assert.throws(() => wrapForJava('java.util.Date', 0), (err) => isRpcError(err, ErrorCode.SERIALIZATION));
  });

  it('sends a byte[] from a Buffer as it is and from a Uint8Array over the same memory', () => {
    const buffer = Buffer.from('ab');
    assert.equal(wrapForJava('[B', buffer), buffer);
    const bytes = new Uint8Array([0, 1, 2, 3]).subarray(1, 3);
    const sent = wrapForJava('byte[]', bytes) as Buffer;
    assert.ok(Buffer.isBuffer(sent));
    assert.deepEqual([...sent], [1, 2]);
    bytes[0] = 9;
    assert.equal(sent[0], 9, 'no copy');
  });

  it('sends a List from an array, its items prepared as undeclared values', () => {
    for (const type of ['java.util.List', 'java.util.ArrayList', 'java.util.Collection', 'java.util.Set']) {
      assert.deepEqual(wrapForJava(type, [1n, 'a']), [{ $class: 'long', $: '1' }, 'a'], type);
    }
    assert.throws(() => wrapForJava('java.util.List', 'ab'), (err) => isRpcError(err, ErrorCode.SERIALIZATION));
  });

  it('sends a Map from an object or a JS Map, never from an array or a primitive', () => {
    assert.deepEqual(wrapForJava('java.util.Map', { a: 1n }), { a: { $class: 'long', $: '1' } });
    assert.deepEqual(wrapForJava('java.util.HashMap', new Map([['b', 2]])), { b: 2 });
    for (const bad of [[1], 'x', 3]) {
      assert.throws(() => wrapForJava('java.util.Map', bad), (err) => isRpcError(err, ErrorCode.SERIALIZATION), String(bad));
    }
  });

  it('sends an Object as the undeclared value it is', () => {
    assert.deepEqual(wrapForJava('java.lang.Object', 5n), { $class: 'long', $: '5' });
    assert.deepEqual(wrapForJava('java.lang.Object', { a: [2n] }), { a: [{ $class: 'long', $: '2' }] });
  });

  it('names arrays as hessian-lite ArraySerializer does: [int, [string, [object, [com.x.User, nested', () => {
    assert.deepEqual(wrapForJava('[Ljava.lang.Object;', [1]), { $class: '[object', $: [1] });
    assert.deepEqual(wrapForJava('com.x.User[]', [{ id: 1 }]), { $class: '[com.x.User', $: [{ $class: 'com.x.User', $: { id: 1 } }] });
    assert.deepEqual(wrapForJava('[Lcom.x.User;', [null]), { $class: '[com.x.User', $: [null] });
    assert.deepEqual(wrapForJava('[[I', [[1], []]), {
      $class: '[[int',
      $: [{ $class: '[int', $: [{ $class: 'int', $: 1 }] }, { $class: '[int', $: [] }],
    });
    assert.deepEqual(wrapForJava('java.lang.String[][]', [['a']]), { $class: '[[string', $: [{ $class: '[string', $: ['a'] }] });
  });

  it("takes an array name in hessian's own form ([com.x.User) with the component as it is", () => {
    assert.deepEqual(wrapForJava('[com.x.User', [{ id: 1 }]), { $class: '[com.x.User', $: [{ $class: 'com.x.User', $: { id: 1 } }] });
    assert.deepEqual(wrapForJava('[Lombok.Thing', [{}]), { $class: '[Lombok.Thing', $: [{ $class: 'Lombok.Thing', $: {} }] });
  });

  it('knows the boxed and char types by name', () => {
    assert.deepEqual(wrapForJava('java.lang.Float', 1.5), { $class: 'java.lang.Float', $: 1.5 });
    assert.deepEqual(wrapForJava('java.lang.Boolean', true), { $class: 'boolean', $: true });
    // hessian-lite BasicSerializer writes char / Character as a one-character string.
    assert.equal(wrapForJava('char', 'a'), 'a');
    assert.equal(wrapForJava('java.lang.Character', 'b'), 'b');
  });

  it('keeps a value that already names its class, instead of wrapping it again', () => {
    const admin = { $class: 'com.x.Admin', $: { id: 1n } };
    assert.deepEqual(wrapForJava('com.x.User', admin), { $class: 'com.x.Admin', $: { id: { $class: 'long', $: '1' } } });
  });

  it('says what the JS value was and what Java type it was meant to be', () => {
    const cases: [string, unknown, string][] = [
      ['int', 'x', 'cannot send a JS string as Java int'],
      ['java.util.List', {}, 'cannot send a JS object as Java java.util.List'],
      ['java.lang.String', [1], 'cannot send a JS array as Java java.lang.String'],
      ['int[]', 'x', 'cannot send a JS string as Java [I'],
      ['com.x.User', 7, 'cannot send a JS number as Java com.x.User'],
    ];
    for (const [type, value, message] of cases) {
      assert.throws(() => wrapForJava(type, value), (err) => isRpcError(err, ErrorCode.SERIALIZATION) && err.message === message, type);
    }
  });

  it('accepts 65 levels of nesting and refuses 66, for arrays, lists, maps and classes alike', () => {
    const shapes: [string, (levels: number) => unknown][] = [
      ['toHessian arrays', (n) => toHessian(nestedArrays(n))],
      ['toHessian objects', (n) => toHessian(nestedObjects(n))],
      ['toHessian Maps', (n) => toHessian(nestedObjects(n, (inner) => new Map([['next', inner]])))],
      ['List', (n) => wrapForJava('java.util.List', nestedArrays(n))],
      ['Map', (n) => wrapForJava('java.util.Map', nestedObjects(n))],
      ['class', (n) => wrapForJava('com.x.Node', nestedObjects(n))],
      ['int[]...[]', (n) => wrapForJava('int' + '[]'.repeat(n), nestedArrays(n))],
    ];
    for (const [name, send] of shapes) {
      assert.doesNotThrow(() => send(65), name);
      assert.throws(() => send(66), tooDeep, name);
    }
  });

  it('stops at cyclic arrays and Maps too', () => {
    const list: unknown[] = [];
    list.push(list);
    const map = new Map<string, unknown>();
    map.set('self', map);
    for (const cyclic of [list, map]) assert.throws(() => toHessian(cyclic), tooDeep);
  });
});

describe('java-types undeclared values (toHessian)', () => {
  it('sends null and undefined as null, other primitives as they are, a bigint as a long', () => {
    assert.equal(toHessian(null), null);
    assert.equal(toHessian(undefined), null);
    assert.deepEqual(toHessian({ a: undefined }), { a: null });
    assert.equal(toHessian('s'), 's');
    assert.equal(toHessian(5), 5);
    assert.equal(toHessian(true), true);
    assert.deepEqual(toHessian(-3n), { $class: 'long', $: '-3' });
  });

  it('keeps Buffers and Dates, and views a Uint8Array as a Buffer over the same memory', () => {
    const buffer = Buffer.from('x');
    const date = new Date(5);
    assert.equal(toHessian(buffer), buffer);
    assert.equal(toHessian(date), date);
    const bytes = new Uint8Array([7, 8, 9]).subarray(1);
    const sent = toHessian(bytes) as Buffer;
    assert.ok(Buffer.isBuffer(sent));
    bytes[0] = 1;
    assert.deepEqual([...sent], [1, 9]);
  });

  it('copies arrays, Maps and objects with their values prepared', () => {
    assert.deepEqual(toHessian([1n, [2n]]), [{ $class: 'long', $: '1' }, [{ $class: 'long', $: '2' }]]);
    assert.deepEqual(toHessian(new Map<string, unknown>([['a', 1n]])), { a: { $class: 'long', $: '1' } });
    assert.deepEqual(toHessian({ a: { b: 2n } }), { a: { b: { $class: 'long', $: '2' } } });
  });

  it('prepares the value inside a { $class, $ } wrapper like any other', () => {
    const date = new Date(9);
    const sentDate = toHessian({ $class: 'java.util.Date', $: date }) as { $: unknown };
    assert.equal(sentDate.$, date, 'the Date inside stays a Date');
    assert.deepEqual(toHessian({ $class: 'java.util.HashMap', $: new Map([['k', 1n]]) }), {
      $class: 'java.util.HashMap',
      $: { k: { $class: 'long', $: '1' } },
    });
    assert.deepEqual(toHessian({ $class: 'com.x.User', $: { id: 1n } }), { $class: 'com.x.User', $: { id: { $class: 'long', $: '1' } } });
    assert.deepEqual(toHessian({ $class: 'long', $: '12' }), { $class: 'long', $: '12' });
  });

  it('keeps a __proto__ field as a field, the copy an ordinary object', () => {
    const hostile = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const sent = toHessian(hostile) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(sent), Object.prototype);
    assert.equal(sent.polluted, undefined);
    assert.deepEqual(Object.keys(sent), ['__proto__', 'a']);
    assert.deepEqual(Object.getOwnPropertyDescriptor(sent, '__proto__')?.value, { polluted: true });
  });
});
