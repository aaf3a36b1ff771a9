/**
 * Interop with a Java Dubbo peer on Caucho Hessian 4.0.38 (Debian's
 * libhessian-java), the library Java Dubbo's hessian-lite was forked from,
 * registered with hessian-lite's rules (BigDecimal as {value}, short and byte
 * as int, float as double). The peer (test/interop/java/DubboPeer.java) is
 * compiled with javac at test time and speaks the Dubbo 2 frame itself, as a
 * provider and as a consumer. The Java class com.example.User is a real POJO
 * on the Java side. docs/rpc.md's type table is the contract checked here.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../common/rpc-error.js';
import { RpcClient } from '../../rpc/client.js';
import { RpcContext } from '../../rpc/context.js';
import type { JavaMap } from '../../rpc/java-type-map.js';
import { javaClassOf, javaObject } from '../../rpc/protocol/java-object.js';
import { configureHessian2 } from '../../rpc/serialization/hessian2.js';
import { RpcServer } from '../../rpc/server.js';
import { defineService } from '../../rpc/service.js';
import {
  compileJavaPeer,
  type JavaCase,
  type JavaProvider,
  type JavaTools,
  javaPeerMissing,
  runJavaConsumer,
  startJavaProvider,
} from './java-peer-fixture.js';

const USER = 'com.example.User';
const COLOR = 'com.example.Color';

const Echo = defineService('com.example.EchoService', {
  echoString: { params: ['java.lang.String'], returns: 'java.lang.String' },
  echoChar: { params: ['char'], returns: 'char' },
  echoCharacter: { params: ['java.lang.Character'], returns: 'java.lang.Character' },
  echoInt: { params: ['int'], returns: 'int' },
  echoInteger: { params: ['java.lang.Integer'], returns: 'java.lang.Integer' },
  echoLong: { params: ['long'], returns: 'long' },
  echoLongObject: { params: ['java.lang.Long'], returns: 'java.lang.Long' },
  echoShort: { params: ['short'], returns: 'short' },
  echoShortObject: { params: ['java.lang.Short'], returns: 'java.lang.Short' },
  echoByte: { params: ['byte'], returns: 'byte' },
  echoByteObject: { params: ['java.lang.Byte'], returns: 'java.lang.Byte' },
  echoDouble: { params: ['double'], returns: 'double' },
  echoDoubleObject: { params: ['java.lang.Double'], returns: 'java.lang.Double' },
  echoFloat: { params: ['float'], returns: 'float' },
  echoFloatObject: { params: ['java.lang.Float'], returns: 'java.lang.Float' },
  echoBoolean: { params: ['boolean'], returns: 'boolean' },
  echoBooleanObject: { params: ['java.lang.Boolean'], returns: 'java.lang.Boolean' },
  echoBytes: { params: ['byte[]'], returns: 'byte[]' },
  echoDate: { params: ['java.util.Date'], returns: 'java.util.Date' },
  echoBigDecimal: { params: ['java.math.BigDecimal'], returns: 'java.math.BigDecimal' },
  echoBigInteger: { params: ['java.math.BigInteger'], returns: 'java.math.BigInteger' },
  echoIntArray: { params: ['int[]'], returns: 'int[]' },
  echoStringArray: { params: ['java.lang.String[]'], returns: 'java.lang.String[]' },
  echoUser: { params: [USER], returns: USER },
  echoObject: { params: ['java.lang.Object'], returns: 'java.lang.Object' },
  echoColor: { params: [COLOR], returns: COLOR },
  echoCharArray: { params: ['char[]'], returns: 'char[]' },
  echoUserArray: { params: ['com.example.User[]'], returns: 'com.example.User[]' },
  echoTreeMap: { params: ['java.util.TreeMap'], returns: 'java.util.TreeMap' },
  echoLinkedList: { params: ['java.util.LinkedList'], returns: 'java.util.LinkedList' },
  echoList: { params: ['java.util.List'], returns: 'java.util.List' },
  echoSet: { params: ['java.util.Set'], returns: 'java.util.Set' },
  echoMap: { params: ['java.util.Map'], returns: 'java.util.Map' },
  describeLong: { params: ['long'], returns: 'java.lang.String' },
  describeShort: { params: ['short'], returns: 'java.lang.String' },
  describeByte: { params: ['byte'], returns: 'java.lang.String' },
  describeFloat: { params: ['float'], returns: 'java.lang.String' },
  describeChar: { params: ['char'], returns: 'java.lang.String' },
  describeDate: { params: ['java.util.Date'], returns: 'java.lang.String' },
  describeBigDecimal: { params: ['java.math.BigDecimal'], returns: 'java.lang.String' },
  describeBigInteger: { params: ['java.math.BigInteger'], returns: 'java.lang.String' },
  describeBytes: { params: ['byte[]'], returns: 'java.lang.String' },
  describeIntArray: { params: ['int[]'], returns: 'java.lang.String' },
  describeUser: { params: [USER], returns: 'java.lang.String' },
  describeObject: { params: ['java.lang.Object'], returns: 'java.lang.String' },
  describeList: { params: ['java.util.List'], returns: 'java.lang.String' },
  describeMap: { params: ['java.util.Map'], returns: 'java.lang.String' },
  sameTwice: { params: ['java.util.List'], returns: 'boolean' },
  pairOf: { params: [USER], returns: 'java.util.List' },
  fail: { params: ['java.lang.String'], returns: 'java.lang.String' },
  nothing: { params: [], returns: 'void' },
  makeUsers: { params: [], returns: 'java.util.List' },
  makeDate: { params: [], returns: 'java.util.Date' },
  makeBigDecimal: { params: [], returns: 'java.math.BigDecimal' },
  makeBigInteger: { params: [], returns: 'java.math.BigInteger' },
  makeLong: { params: [], returns: 'long' },
  makeNull: { params: [], returns: 'java.lang.Object' },
});

/** A com.example.User built in JS: the class is named with `$class`, the fields in `$` (docs/rpc.md). */
function user(name: string, age: number, id: number | bigint, tags: string[]): { $class: string; $: Record<string, unknown> } {
  return { $class: USER, $: { name, age, id, tags } };
}

const bytes100k = Buffer.from(Array.from({ length: 100 * 1024 }, (_, i) => (i * 31 + 7) & 0xff));
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const longText = 'ab😀'.repeat(17_500);
const MIN_LONG = -(2n ** 63n);
const MAX_LONG = 2n ** 63n - 1n;

const skip = javaPeerMissing();
let tools: JavaTools | undefined;

describe('interop with a Java Dubbo peer (Caucho Hessian 4.0.38 + hessian-lite rules)', { skip }, () => {
  before(() => {
    tools = compileJavaPeer();
  });
  after(() => tools?.dispose());

  describe('our consumer → Java provider', () => {
    let provider: JavaProvider;
    let client: RpcClient;
    let java: ReturnType<typeof referJava>;
    const referJava = (port: number) =>
      client.refer(Echo, { url: `dubbo://127.0.0.1:${port}`, version: '1.0.0', retries: 0, timeoutMs: 20_000 });

    before(async () => {
      provider = await startJavaProvider(tools!);
      client = new RpcClient();
      java = referJava(provider.port);
    });
    after(async () => {
      await client?.close();
      await provider?.stop();
    });

    it('starts the JVM provider (time reported)', (t) => {
      t.diagnostic(`javac ${tools!.compileMs.toFixed(0)} ms, JVM provider start ${provider.startMs.toFixed(0)} ms`);
      assert.ok(provider.port > 0);
    });

    it('round-trips strings: non-ASCII, emoji, NUL, empty, 70 000 chars, null', async () => {
      for (const s of ['héllo, 世界', 'emoji 😀👍🏽 and \u0000 nul', '', longText]) assert.equal(await java.echoString(s), s);
      assert.equal(await java.echoString(null), null);
    });

    it('round-trips char and Character as one-character strings', async () => {
      assert.equal(await java.echoChar('é'), 'é');
      assert.equal(await java.describeChar('é'), 'java.lang.Character:é');
      assert.equal(await java.echoCharacter('x'), 'x');
      assert.equal(await java.echoCharArray('hé😀'), 'hé😀', 'char[] is a string both ways');
    });

    it('round-trips int at every hessian encoding boundary and the int32 edges', async () => {
      for (const n of [0, -1, -16, 47, 48, -2048, 2047, 2048, -262144, 262143, 262144, -(2 ** 31), 2 ** 31 - 1]) {
        assert.equal(await java.echoInt(n), n);
      }
      assert.equal(await java.echoInteger(-5), -5);
      assert.equal(await java.echoInteger(null), null);
    });

    it('round-trips long: a number within ±(2^53−1), a bigint beyond, Long.MIN/MAX exact', async () => {
      for (const n of [0, -8, 15, 2 ** 31, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]) {
        const back = await java.echoLong(n);
        assert.equal(typeof back, 'number', `long ${n} comes back as a number`);
        assert.equal(back, n);
      }
      for (const n of [2n ** 53n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, MIN_LONG, MAX_LONG]) {
        assert.equal(await java.echoLong(n), n, `long ${n} comes back as that bigint`);
      }
      assert.equal(await java.describeLong(2n ** 53n + 1n), 'java.lang.Long:9007199254740993');
      assert.equal(await java.describeLong(MIN_LONG), `java.lang.Long:${MIN_LONG}`);
      assert.equal(await java.echoLongObject(5), 5);
    });

    it("with configureHessian2({ longs: 'bigint' }) every long is a bigint and an untyped Long stays a Long", async () => {
      configureHessian2({ longs: 'bigint' });
      try {
        assert.equal(await java.echoLong(5), 5n);
        const list = (await java.echoList([5n, 2 ** 40])) ?? [];
        assert.deepEqual(list, [5n, 2n ** 40n], "a JS number beyond int32 went as a Long, so it comes back a bigint");
        assert.equal(await java.describeList(list), 'java.util.ArrayList:[java.lang.Long:5, java.lang.Long:1099511627776]');
      } finally {
        configureHessian2({ longs: 'number' });
      }
      assert.equal(await java.echoLong(5), 5);
    });

    it('sends short and byte as Java Short/Byte and gets numbers back', async () => {
      assert.equal(await java.echoShort(-32768), -32768);
      assert.equal(await java.echoShort(32767), 32767);
      assert.equal(await java.echoShortObject(-7), -7);
      assert.equal(await java.describeShort(-7), 'java.lang.Short:-7');
      assert.equal(await java.echoByte(-128), -128);
      assert.equal(await java.echoByteObject(127), 127);
      assert.equal(await java.describeByte(-128), 'java.lang.Byte:-128');
    });

    it('round-trips double including NaN, ±Infinity, extremes and whole values', async () => {
      for (const d of [0, 1.5, -3.25, 0.1, 1e300, -1e-300, Number.MIN_VALUE, Number.MAX_VALUE, Infinity, -Infinity, 2]) {
        assert.equal(await java.echoDouble(d), d);
      }
      assert.ok(Number.isNaN(await java.echoDouble(Number.NaN)));
      assert.equal(await java.echoDoubleObject(2.5), 2.5);
    });

    it('sends float as a Java Float (single precision, as in Java) and gets the double of its decimal text back', async () => {
      assert.equal(await java.echoFloat(1.5), 1.5);
      assert.equal(await java.echoFloat(0.1), 0.1, 'hessian-lite writes 0.1f as the double 0.1');
      assert.equal(await java.describeFloat(0.1), 'java.lang.Float:0.1');
      assert.equal(await java.echoFloat(0.123456789), 0.12345679, 'rounded to a float on the Java side');
      assert.ok(Number.isNaN(await java.echoFloatObject(Number.NaN)));
      assert.equal(await java.echoFloatObject(-Infinity), -Infinity);
    });

    it('round-trips booleans', async () => {
      assert.equal(await java.echoBoolean(true), true);
      assert.equal(await java.echoBoolean(false), false);
      assert.equal(await java.echoBooleanObject(null), null);
    });

    it('round-trips byte[] of 100 KB and empty, byte-exact on the Java side', async () => {
      assert.deepEqual(await java.echoBytes(bytes100k), bytes100k);
      assert.equal(await java.describeBytes(bytes100k), `[B:${bytes100k.length}:${sha256(bytes100k)}`);
      assert.deepEqual(await java.echoBytes(Buffer.alloc(0)), Buffer.alloc(0));
    });

    it('round-trips java.util.Date as JS Date: ms, pre-1970, year 1 and 9999', async () => {
      const dates = [
        new Date(1_700_000_000_123),
        new Date(-123_456_789_012),
        new Date('0001-01-01T00:00:00.000Z'),
        new Date('9999-12-31T23:59:59.999Z'),
      ];
      for (const date of dates) {
        const back = await java.echoDate(date);
        assert.ok(back instanceof Date, 'a Date comes back');
        assert.equal(back.getTime(), date.getTime());
        assert.equal(await java.describeDate(date), `java.util.Date:${date.getTime()}`);
      }
    });

    it('sends BigDecimal from its decimal text and gets the text back (scale kept)', async () => {
      assert.equal(await java.echoBigDecimal('12.50'), '12.50');
      assert.equal(await java.describeBigDecimal('12.50'), 'java.math.BigDecimal:12.50');
      const huge = '-123456789012345678901234567890.000000000000000000001';
      assert.equal(await java.echoBigDecimal(huge), huge);
      assert.equal(await java.echoBigDecimal(null), null);
    });

    it('sends BigInteger from a bigint and gets a bigint back', async () => {
      const big = 123456789012345678901234567890n;
      assert.equal(await java.echoBigInteger(big), big);
      assert.equal(await java.describeBigInteger(big), `java.math.BigInteger:${big}`);
      assert.equal(await java.echoBigInteger(-5n), -5n);
    });

    it('round-trips int[] and String[] (with a null element)', async () => {
      assert.deepEqual(await java.echoIntArray([1, -2, 2 ** 31 - 1]), [1, -2, 2 ** 31 - 1]);
      assert.equal(await java.describeIntArray([1, 2]), '[I:[java.lang.Integer:1, java.lang.Integer:2]');
      assert.deepEqual(await java.echoStringArray(['a', null, 'ç']), ['a', null, 'ç']);
    });

    it('sends a POJO as the Java class, and an echoed POJO keeps its class when sent back', async () => {
      const ann = user('ann', 30, 2 ** 40, ['admin']);
      const described = 'com.example.User:ann,30,1099511627776,java.util.ArrayList[java.lang.String:admin]';
      assert.equal(await java.describeUser(ann.$), described, 'a plain object for a declared class');
      assert.equal(await java.describeObject(ann), described, '{ $class, $ } where Object is declared');
      const back = await java.echoUser(ann);
      assert.deepEqual({ ...(back as object) }, ann.$);
      assert.equal(javaClassOf(back), USER, 'the decoded object carries its Java class');
      assert.equal(await java.describeObject(back), described, 'the decoded object still names com.example.User');
    });

    it('sends an enum as { name } of its class and gets it back so', async () => {
      const green = await java.echoColor(javaObject(COLOR, { name: 'GREEN' }));
      assert.deepEqual({ ...(green as object) }, { name: 'GREEN' });
      assert.equal(javaClassOf(green), COLOR);
      assert.equal(await java.describeObject(green), 'com.example.Color:GREEN');
      assert.equal(await java.describeObject({ $class: COLOR, $: { name: 'BLUE' } }), 'com.example.Color:BLUE');
    });

    it('round-trips a User[] (with a null) and declared TreeMap and LinkedList', async () => {
      const users = (await java.echoUserArray([user('ann', 1, 2, []).$, null, user('bo', 3, 4, ['t'])])) as unknown[];
      assert.equal(users.length, 3);
      assert.equal(users[1], null);
      assert.equal(javaClassOf(users[0]), USER);
      assert.equal((users[2] as { name?: unknown }).name, 'bo');
      assert.deepEqual({ ...(await java.echoTreeMap({ b: 2, a: 1 })) }, { a: 1, b: 2 });
      assert.deepEqual(await java.echoLinkedList(['x', 'y']), ['x', 'y']);
    });

    it('List<POJO> echoed and forwarded reaches Java as Users, not HashMaps', async () => {
      const users = [user('ann', 30, 7, ['a']), user('bob', 0, -1, [])];
      const back = (await java.echoList(users)) ?? [];
      assert.equal(back.length, 2);
      assert.deepEqual(back.map(javaClassOf), [USER, USER]);
      const described = (await java.describeList(back)) ?? '';
      assert.match(described, /^java\.util\.ArrayList:\[com\.example\.User:ann,30,7,.*, com\.example\.User:bob,0,-1,/);
    });

    it('sends one object twice as a hessian reference: Java sees the same object, and so does JS', async () => {
      const ann = user('ann', 30, 7, ['a']);
      assert.equal(await java.sameTwice([ann, ann]), true, 'Java: list.get(0) == list.get(1)');
      const pair = (await java.pairOf(ann)) ?? [];
      assert.equal(pair.length, 2);
      assert.equal(pair[0], pair[1], 'JS: the decoded pair holds one object');
      assert.equal(await java.sameTwice(pair), true, 'forwarded, still one object');
    });

    it('sends a javaObject() built in JS as its class inside a List<Object>', async () => {
      const eve = javaObject(USER, { name: 'eve', age: 22, id: 9, tags: [] });
      assert.match((await java.describeList([eve])) ?? '', /^java\.util\.ArrayList:\[com\.example\.User:eve,22,9,/);
    });

    it('values in an untyped List reach Java as the documented inference says', async () => {
      const described = await java.describeList([1, 2 ** 40, 2n ** 60n, 2.5, new Date(0), 'x', true, null, Buffer.from([1])]);
      assert.equal(
        described,
        'java.util.ArrayList:[java.lang.Integer:1, java.lang.Long:1099511627776, java.lang.Long:1152921504606846976, java.lang.Double:2.5, ' +
          `java.util.Date:0, java.lang.String:x, java.lang.Boolean:true, null, [B:1:${sha256(Buffer.from([1]))}]`,
      );
    });

    it('sends a JS Map with integer keys as a Java map with Integer keys', async () => {
      const map = new Map<unknown, unknown>([
        [1, 'one'],
        [-7, 'minus seven'],
      ]);
      assert.equal(await java.describeMap(map), 'java.util.HashMap:{java.lang.Integer:-7=java.lang.String:minus seven, java.lang.Integer:1=java.lang.String:one}');
    });

    it('round-trips maps, sets and untyped lists', async () => {
      const map = { a: 1, b: 'x', nested: { k: [true, false] }, none: null };
      assert.deepEqual({ ...(await java.echoMap(map)) }, map);
      assert.equal(await java.describeMap({ a: 1 }), 'java.util.HashMap:{java.lang.String:a=java.lang.Integer:1}');
      assert.deepEqual([...((await java.echoSet(['x', 'y'])) ?? [])].sort(), ['x', 'y']);
      assert.deepEqual(await java.echoList([1, 'two', 3.5, null, true]), [1, 'two', 3.5, null, true]);
      assert.equal(await java.echoObject(null), null);
    });

    it('a void method answers null', async () => {
      assert.equal(await java.nothing(), null);
    });

    it('a thrown Java exception arrives with its class and message', async () => {
      await assert.rejects(
        java.fail('no such order 42'),
        (e) => isRpcError(e, ErrorCode.SERVICE_ERROR) && e.remoteType === 'java.lang.IllegalStateException' && e.message === 'no such order 42',
      );
    });

    it('reads the response attachments of a Java provider', async () => {
      await RpcContext.run({}, async () => {
        await java.nothing();
        assert.equal(RpcContext.current()!.responseAttachments.peer, 'caucho-hessian');
      });
    });
  });

  describe('Java consumer → our provider', () => {
    let server: RpcServer;
    const received = new Map<string, unknown[]>();
    let cases: JavaCase[] = [];
    let runMs = 0;
    const got = (method: string) => received.get(method) ?? [];

    before(async () => {
      server = new RpcServer({ port: 0 });
      server.addService(Echo, echoProvider(received), { version: '1.0.0' });
      await server.start();
      const run = await runJavaConsumer(tools!, server.port);
      cases = run.cases;
      runMs = run.runMs;
    });
    after(async () => {
      await server?.stop({ graceMs: 0 });
    });

    it('runs every case of the Java consumer (time reported)', (t) => {
      t.diagnostic(`Java consumer: ${cases.length} cases in ${runMs.toFixed(0)} ms, JVM start included`);
      assert.ok(cases.length >= 100, `only ${cases.length} cases ran`);
    });

    it('every Java value comes back equal and of the same Java class', async (t) => {
      for (const result of cases) {
        await t.test(result.case, () => assert.ok(result.ok, result.detail));
      }
    });

    it('gives the provider longs as numbers within ±(2^53−1) and bigints beyond', () => {
      const longs = got('echoLong');
      assert.ok(longs.includes(Number.MAX_SAFE_INTEGER) && longs.includes(-Number.MAX_SAFE_INTEGER), 'safe edges as numbers');
      for (const n of [2n ** 53n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, MIN_LONG, MAX_LONG]) assert.ok(longs.includes(n), `${n} as a bigint`);
      for (const n of longs) assert.ok(typeof n === 'number' ? Number.isSafeInteger(n) : typeof n === 'bigint', `${String(n)}`);
    });

    it('gives the provider short, byte, float, char, Date, BigDecimal and BigInteger as their JS types', () => {
      assert.deepEqual(got('echoShort'), [32767, -32768]);
      assert.deepEqual(got('echoByte'), [-128, 127]);
      assert.deepEqual(got('echoFloat').slice(0, 3), [1.5, 0.1, 0.12345679]);
      assert.deepEqual(got('echoChar'), ['é']);
      for (const d of got('echoDate')) assert.ok(d instanceof Date);
      assert.deepEqual(got('echoDate').map((d) => (d as Date).toISOString()), [
        '2023-11-14T22:13:20.123Z',
        '1966-02-02T02:26:50.988Z',
        '0001-01-01T00:00:00.000Z',
        '9999-12-31T23:59:59.999Z',
      ]);
      assert.deepEqual(got('echoBigDecimal'), ['12.50', '-123456789012345678901234567890.000000000000000000001']);
      assert.deepEqual(got('echoBigInteger'), [123456789012345678901234567890n, -5n]);
    });

    it('gives the provider a 100 KB byte[] as a Buffer, and a List<User> as field objects', () => {
      const [bytes] = got('echoBytes') as Buffer[];
      assert.ok(Buffer.isBuffer(bytes));
      assert.equal(sha256(bytes!), sha256(bytes100k));
      const lists = got('echoList') as unknown[][];
      const users = lists[0]!;
      assert.deepEqual(users.map(javaClassOf), [USER, USER], 'each element names com.example.User');
      assert.equal((users[0] as { name?: unknown }).name, 'ann');
      assert.deepEqual((users[0] as { tags?: unknown }).tags, ['admin', 'ops']);
      assert.equal((users[0] as { id?: unknown }).id, 2 ** 40);
    });

    it('gives the provider the same object twice for a shared reference', () => {
      const shared = (got('echoList') as unknown[][]).find((list) => list.length === 2 && list[0] === list[1]);
      assert.ok(shared, 'one echoList call received [u, u] as one object');
    });
  });
});

/** Our provider for the Java consumer: echoes, records what each method received, and builds values itself. */
function echoProvider(received: Map<string, unknown[]>) {
  const echo =
    <T>(method: string) =>
    (value: T): T => {
      let list = received.get(method);
      if (list === undefined) received.set(method, (list = []));
      list.push(value);
      return value;
    };
  const carol = user('carol', 41, 3, ['x']);
  return {
    echoString: echo<string | null>('echoString'),
    echoChar: echo<string>('echoChar'),
    echoCharacter: echo<string | null>('echoCharacter'),
    echoInt: echo<number>('echoInt'),
    echoInteger: echo<number | null>('echoInteger'),
    echoLong: echo<number | bigint>('echoLong'),
    echoLongObject: echo<number | bigint | null>('echoLongObject'),
    echoShort: echo<number>('echoShort'),
    echoShortObject: echo<number | null>('echoShortObject'),
    echoByte: echo<number>('echoByte'),
    echoByteObject: echo<number | null>('echoByteObject'),
    echoDouble: echo<number>('echoDouble'),
    echoDoubleObject: echo<number | null>('echoDoubleObject'),
    echoFloat: echo<number>('echoFloat'),
    echoFloatObject: echo<number | null>('echoFloatObject'),
    echoBoolean: echo<boolean>('echoBoolean'),
    echoBooleanObject: echo<boolean | null>('echoBooleanObject'),
    echoBytes: echo<Buffer | null>('echoBytes'),
    echoDate: echo<Date | null>('echoDate'),
    echoBigDecimal: echo<string | null>('echoBigDecimal'),
    echoBigInteger: echo<bigint | null>('echoBigInteger'),
    echoIntArray: echo<number[] | null>('echoIntArray'),
    echoStringArray: echo<(string | null)[] | null>('echoStringArray'),
    echoUser: echo<unknown>('echoUser'),
    echoObject: echo<unknown>('echoObject'),
    echoColor: echo<unknown>('echoColor'),
    echoCharArray: echo<string | null>('echoCharArray'),
    echoUserArray: echo<unknown[] | null>('echoUserArray'),
    echoTreeMap: echo<JavaMap | null>('echoTreeMap'),
    echoLinkedList: echo<unknown[] | null>('echoLinkedList'),
    echoList: echo<unknown[] | null>('echoList'),
    echoSet: echo<unknown[] | null>('echoSet'),
    echoMap: echo<JavaMap | null>('echoMap'),
    describeLong: () => 'not a Java peer',
    describeShort: () => 'not a Java peer',
    describeByte: () => 'not a Java peer',
    describeFloat: () => 'not a Java peer',
    describeChar: () => 'not a Java peer',
    describeDate: () => 'not a Java peer',
    describeBigDecimal: () => 'not a Java peer',
    describeBigInteger: () => 'not a Java peer',
    describeBytes: () => 'not a Java peer',
    describeIntArray: () => 'not a Java peer',
    describeUser: () => 'not a Java peer',
    describeObject: () => 'not a Java peer',
    describeList: () => 'not a Java peer',
    describeMap: () => 'not a Java peer',
    sameTwice: (list: unknown[] | null) => list !== null && list.length === 2 && list[0] === list[1],
    pairOf: (u: unknown) => [u, u],
    fail: (why: string | null): string => {
      throw Object.assign(new Error(why ?? ''), { javaType: 'java.lang.IllegalArgumentException' });
    },
    nothing: () => undefined,
    makeUsers: () => [carol, javaObject(USER, { name: 'dave', age: 5, id: 2n ** 60n, tags: [] }), carol],
    makeDate: () => new Date(-1),
    makeBigDecimal: () => '-0.000123',
    makeBigInteger: () => -98765432109876543210n,
    makeLong: () => MIN_LONG + 1n,
    makeNull: () => {
      RpcContext.current()!.setResponseAttachment('peer', 'js');
      return null;
    },
  };
}
