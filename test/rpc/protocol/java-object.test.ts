import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JAVA_CLASS, javaClassOf, javaObject, setJavaClass, setOwn } from '../../../rpc/protocol/java-object.js';

describe('javaObject()', () => {
  it('copies the fields as own data and names the class without showing it in keys or JSON', () => {
    const fields = { id: 1, name: 'ann' };
    const user = javaObject('com.example.User', fields);
    assert.notEqual(user, fields, 'a copy');
    assert.deepEqual(user, { id: 1, name: 'ann' });
    assert.equal(javaClassOf(user), 'com.example.User');
    assert.deepEqual(Object.keys(user), ['id', 'name']);
    assert.equal(JSON.stringify(user), '{"id":1,"name":"ann"}');
  });

  it('refuses a missing or empty class name', () => {
    for (const name of ['', undefined, 5]) {
      assert.throws(
        () => javaObject(name as string, {}),
        (err) => err instanceof TypeError && err.message === 'javaObject needs a class name',
        String(name),
      );
    }
  });

  it('keeps a __proto__ field as an ordinary field: the prototype stays Object.prototype', () => {
    const fields = JSON.parse('{"__proto__": {"admin": true}, "id": 2}') as Record<string, unknown>;
    const built = javaObject('com.example.User', fields) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(built), Object.prototype);
    assert.equal(built.admin, undefined);
    assert.deepEqual(Object.keys(built), ['__proto__', 'id']);
    assert.deepEqual(Object.getOwnPropertyDescriptor(built, '__proto__'), {
      value: { admin: true },
      enumerable: true,
      writable: true,
      configurable: true,
    });
  });
});

describe('setOwn', () => {
  it('sets ordinary keys as plain assignment does and __proto__ as an own enumerable, writable, configurable field', () => {
    const target: Record<string, unknown> = {};
    setOwn(target, 'a', 1);
    setOwn(target, '__proto__', 'x');
    assert.equal(Object.getPrototypeOf(target), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(target, 'a'), { value: 1, enumerable: true, writable: true, configurable: true });
    assert.deepEqual(Object.getOwnPropertyDescriptor(target, '__proto__'), {
      value: 'x',
      enumerable: true,
      writable: true,
      configurable: true,
    });
  });
});

describe('javaClassOf / setJavaClass', () => {
  it('finds no class on null, undefined, primitives, plain objects', () => {
    for (const value of [null, undefined, 'com.x.Y', 3, {}, []]) assert.equal(javaClassOf(value), undefined, String(value));
  });

  it('reads only a string mark', () => {
    const odd = { [JAVA_CLASS]: 42 };
    assert.equal(javaClassOf(odd), undefined);
  });

  it('marks arrays too, and the mark can be reassigned or deleted like a field', () => {
    const list = setJavaClass([1, 2], 'java.util.LinkedList');
    assert.equal(javaClassOf(list), 'java.util.LinkedList');
    assert.deepEqual(list, [1, 2]);
    const user = setJavaClass({ id: 1 }, 'com.example.User') as { id: number; [JAVA_CLASS]?: string };
    user[JAVA_CLASS] = 'com.example.Admin';
    assert.equal(javaClassOf(user), 'com.example.Admin');
    delete user[JAVA_CLASS];
    assert.equal(javaClassOf(user), undefined);
    assert.equal(javaClassOf(setJavaClass(user, 'com.example.User')), 'com.example.User', 'marked again');
  });
});
