import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RpcClient } from '../../../rpc/client.js';
import { javaClassOf, javaObject } from '../../../rpc/protocol/java-object.js';
import { RpcServer } from '../../../rpc/server.js';
import { defineService } from '../../../rpc/service.js';

/** Each method returns its argument: what arrives is what the round trip keeps. */
const Values = defineService('org.example.Values', {
  date: { params: ['java.util.Date'], returns: 'java.util.Date' },
  decimal: { params: ['java.math.BigDecimal'], returns: 'java.math.BigDecimal' },
  integer: { params: ['java.math.BigInteger'], returns: 'java.math.BigInteger' },
  long: { params: ['long'], returns: 'long' },
  boxedLong: { params: ['java.lang.Long'], returns: 'java.lang.Long' },
  short: { params: ['short'], returns: 'short' },
  float: { params: ['float'], returns: 'float' },
  char: { params: ['char'], returns: 'char' },
  list: { params: ['java.util.List'], returns: 'java.util.List' },
  map: { params: ['java.util.Map'], returns: 'java.util.Map' },
  user: { params: ['com.example.User'], returns: 'com.example.User' },
  bytes: { params: ['[B'], returns: '[B' },
  text: { params: ['java.lang.String'], returns: 'java.lang.String' },
});

interface Inferred {
  echoDate(date: Date): Promise<Date>;
  echoList(items: unknown[]): Promise<unknown[]>;
  echoBig(value: bigint): Promise<bigint>;
}

const identity = <T>(value: T): T => value;

describe('hessian2 values between two getty-rpc processes over loopback', () => {
  let server: RpcServer;
  let client: RpcClient;
  let url: string;

  before(async () => {
    server = new RpcServer({ port: 0 });
    server.addService(Values, {
      date: identity,
      decimal: identity,
      integer: identity,
      long: identity,
      boxedLong: identity,
      short: identity,
      float: identity,
      char: identity,
      list: identity,
      map: identity,
      user: identity,
      bytes: identity,
      text: identity,
    });
    server.addService(defineService<Inferred>('org.example.Inferred'), { echoDate: identity, echoList: identity, echoBig: identity });
    await server.start();
    url = `dubbo://127.0.0.1:${server.port}`;
    client = new RpcClient({ application: 'values-test' });
  });

  after(async () => {
    await client.close();
    await server.stop({ graceMs: 1000 });
  });

  it('java.util.Date declared as parameter and return type, to the millisecond, years 1 to 9999', async () => {
    const values = client.refer(Values, { url });
    for (const text of ['0001-01-01T00:00:00.001Z', '1969-12-31T23:59:59.999Z', '2026-12-02T09:15:38.123Z', '9999-12-31T23:59:59.999Z']) {
      const back = await values.date(new Date(text));
      assert.ok(back instanceof Date);
      assert.equal(back.toISOString(), text);
    }
    assert.equal(await values.date(null), null);
  });

  it('BigDecimal as text, BigInteger and long beyond 2^53 as bigint, short/float/char as numbers and strings', async () => {
    const values = client.refer(Values, { url });
    assert.equal(await values.decimal('12345678901234567890.000000001'), '12345678901234567890.000000001');
    assert.equal(await values.integer(-(2n ** 90n)), -(2n ** 90n));
    assert.equal(await values.long(2n ** 53n + 1n), 2n ** 53n + 1n);
    assert.equal(await values.long(-(2n ** 63n)), -(2n ** 63n));
    assert.equal(await values.long(2 ** 53 - 1), 2 ** 53 - 1);
    assert.equal(await values.boxedLong(null), null);
    assert.equal(await values.short(-32768), -32768);
    assert.equal(await values.float(0.1), 0.1);
    assert.equal(await values.char('字'), '字');
    assert.ok(Number.isNaN(await values.float(Number.NaN)));
  });

  it('a List of POJOs comes back as the same classes, shared objects still shared', async () => {
    const values = client.refer(Values, { url });
    const ann = javaObject('com.example.User', { id: 1, name: 'ann', born: new Date('1990-05-01T00:00:00.000Z') });
    const back = (await values.list([ann, ann, { $class: 'com.example.User', $: { id: 2, name: 'bob', born: null } }])) as Record<string, unknown>[];
    assert.equal(back[0], back[1]);
    assert.deepEqual(back.map(javaClassOf), ['com.example.User', 'com.example.User', 'com.example.User']);
    assert.deepEqual(back[0], { id: 1, name: 'ann', born: new Date('1990-05-01T00:00:00.000Z') });
    const user = (await values.user({ id: 3, name: 'cy', born: null })) as Record<string, unknown>;
    assert.equal(javaClassOf(user), 'com.example.User');
  });

  it('untyped values inside collections: NaN and Infinity stay doubles, integer keys stay numbers', async () => {
    const values = client.refer(Values, { url });
    assert.deepEqual(await values.list([Number.NaN, Number.NEGATIVE_INFINITY, 2.5, 2n ** 60n, 'x', null]), [Number.NaN, Number.NEGATIVE_INFINITY, 2.5, 2n ** 60n, 'x', null]);
    const byId = new Map<unknown, unknown>([[1, 'one'], [2, new Date(0)]]);
    assert.deepEqual(await values.map(byId), byId);
  });

  it('emoji and 70 000-character strings, 100 KB byte[]', async () => {
    const values = client.refer(Values, { url });
    const text = '\u{1F600}é中a'.repeat(14_000);
    assert.equal(await values.text(text), text);
    const bytes = Buffer.alloc(100 * 1024, 7);
    assert.ok(bytes.equals((await values.bytes(bytes)) as Buffer));
  });

  it('TS-interface (inferred) calls carry Date, bigint and POJOs in lists', async () => {
    const inferred = client.refer<Inferred>('org.example.Inferred', { url });
    const date = new Date('1901-02-03T04:05:06.789Z');
    assert.equal((await inferred.echoDate(date)).toISOString(), date.toISOString());
    assert.equal(await inferred.echoBig(2n ** 100n), 2n ** 100n);
    const list = (await inferred.echoList([date, javaObject('com.example.User', { id: 9 })])) as unknown[];
    assert.equal((list[0] as Date).toISOString(), date.toISOString());
    assert.equal(javaClassOf(list[1]), 'com.example.User');
  });
});
