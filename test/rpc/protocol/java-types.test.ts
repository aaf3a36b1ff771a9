import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../../common/rpc-error.js';
import {
  descriptorOfTypes,
  javaTypesOfDescriptor,
  descriptorToJavaTypes,
  inferJavaType,
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
