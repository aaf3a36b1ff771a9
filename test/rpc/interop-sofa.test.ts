/**
 * Interop with an independent Dubbo implementation from npm: sofa-rpc-node
 * with its dubbo-remoting protocol plug-in, in direct mode (no registry), both
 * directions. sofa-rpc-node is CommonJS without types; the small part used here
 * is typed locally. It advertises dubbo 2.5.3-era framing and its providers
 * answer thrown errors with status 80 (SERVER_ERROR) and the message.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../common/rpc-error.js';
import { RpcClient } from '../../rpc/client.js';
import { RpcServer } from '../../rpc/server.js';
import { defineService } from '../../rpc/service.js';

interface SofaConsumer {
  ready(): Promise<void>;
  invoke(method: string, args: unknown[], options?: { responseTimeout?: number }): Promise<unknown>;
}
interface SofaServer {
  publishPort: number;
  addService(info: { interfaceName: string }, delegate: object): void;
  start(): Promise<void>;
  close(): Promise<void>;
}
interface SofaClient {
  createConsumer(options: Record<string, unknown>): SofaConsumer;
  close(): Promise<void>;
}
interface SofaModule {
  server: { RpcServer: new (options: Record<string, unknown>) => SofaServer };
  client: { RpcClient: new (options: Record<string, unknown>) => SofaClient };
}
type JavaWrap = (value: unknown) => unknown;
interface JsToJava {
  String: JavaWrap;
  int: JavaWrap;
  long: JavaWrap;
  double: JavaWrap;
  boolean: JavaWrap;
  List: JavaWrap;
  Map: JavaWrap;
  array: { byte: JavaWrap };
  (className: string, value: unknown): unknown;
}

const require = createRequire(import.meta.url);
const sofa = require('sofa-rpc-node') as SofaModule;
const dubboProtocol = require('dubbo-remoting') as unknown;
const java = require('js-to-java') as JsToJava;
const quiet = { info() {}, warn() {}, error() {}, debug() {} };

const Echo = defineService('com.example.interop.EchoService', {
  str: { params: ['java.lang.String'], returns: 'java.lang.String' },
  int: { params: ['int'], returns: 'int' },
  long: { params: ['long'], returns: 'long' },
  dbl: { params: ['double'], returns: 'double' },
  bool: { params: ['boolean'], returns: 'boolean' },
  obj: { params: ['java.lang.Object'], returns: 'java.lang.Object' },
  list: { params: ['java.util.List'], returns: 'java.util.List' },
  map: { params: ['java.util.Map'], returns: 'java.util.Map' },
  bytes: { params: ['byte[]'], returns: 'byte[]' },
  boom: { params: ['java.lang.String'], returns: 'java.lang.String' },
});

/** sofa-rpc-node only calls async functions, so every method is one. */
const echoImpl = {
  str: async (s: string | null) => s,
  int: async (n: number) => n,
  long: async (n: number | bigint) => n,
  dbl: async (n: number) => n,
  bool: async (b: boolean) => b,
  obj: async (o: unknown) => o,
  list: async (l: unknown[] | null) => l,
  map: async (m: Record<string, unknown> | Map<unknown, unknown> | null) => m,
  bytes: async (b: Buffer | null) => b,
  boom: async (why: string | null): Promise<string> => {
    throw new Error(`boom: ${why}`);
  },
};

const pojo = { $class: 'com.example.interop.Order', $: { id: 7, owner: 'ann', lines: [{ sku: 'a-1', qty: 2 }] } };

describe('interop with sofa-rpc-node + dubbo-remoting', () => {
  describe('our consumer → sofa-rpc-node provider', () => {
    let provider: SofaServer;
    let client: RpcClient;
    let echo: ReturnType<typeof referEcho>;
    const referEcho = (url: string) => client.refer(Echo, { url, version: '1.0.0', retries: 0 });

    before(async () => {
      provider = new sofa.server.RpcServer({ logger: quiet, port: 0, protocol: dubboProtocol, version: '1.0.0' });
      provider.addService({ interfaceName: Echo.name }, echoImpl);
      await provider.start();
      client = new RpcClient();
      echo = referEcho(`dubbo://127.0.0.1:${provider.publishPort}`);
    });
    after(async () => {
      await client.close();
      await provider.close();
    });

    it('round-trips strings, ints, longs, doubles and booleans', async () => {
      assert.equal(await echo.str('héllo, 世界'), 'héllo, 世界');
      assert.equal(await echo.int(-42), -42);
      assert.equal(await echo.long(2 ** 40 + 3), 2 ** 40 + 3);
      assert.equal(await echo.dbl(3.25), 3.25);
      assert.equal(await echo.bool(true), true);
      assert.equal(await echo.bool(false), false);
    });

    it('round-trips null, lists, maps, nested objects and byte arrays', async () => {
      assert.equal(await echo.str(null), null);
      assert.deepEqual(await echo.list([1, 'two', 3.5, null]), [1, 'two', 3.5, null]);
      assert.deepEqual(await echo.map({ a: 1, b: 'x', c: [true] }), { a: 1, b: 'x', c: [true] });
      assert.deepEqual(await echo.obj(pojo), pojo.$);
      assert.deepEqual(await echo.bytes(Buffer.from([0, 1, 254, 255])), Buffer.from([0, 1, 254, 255]));
    });

    it('reports a thrown exception as an RpcError with its message', async () => {
      await assert.rejects(echo.boom('x'), (e) => isRpcError(e, ErrorCode.SERVER_ERROR) && e.message.includes('boom: x'));
    });
  });

  describe('sofa-rpc-node consumer → our provider', () => {
    let server: RpcServer;
    let sofaClient: SofaClient;
    let consumer: SofaConsumer;
    const call = (method: string, arg: unknown) => consumer.invoke(method, [arg], { responseTimeout: 5000 });

    before(async () => {
      server = new RpcServer({ port: 0 });
      server.addService(Echo, echoImpl, { version: '1.0.0' });
      await server.start();
      sofaClient = new sofa.client.RpcClient({ logger: quiet, protocol: dubboProtocol });
      consumer = sofaClient.createConsumer({
        interfaceName: Echo.name,
        serverHost: `127.0.0.1:${server.port}`,
        version: '1.0.0',
        group: '',
        // Its fault-address retry loop sleeps this long between checks of "closed"
        // (default 30 s): short, so the test process ends soon after close().
        retryFaultInterval: 100,
      });
      await consumer.ready();
    });
    after(async () => {
      await sofaClient.close();
      await server.stop({ graceMs: 0 });
    });

    it('round-trips strings, ints, longs, doubles and booleans', async () => {
      assert.equal(await call('str', java.String('héllo, 世界')), 'héllo, 世界');
      assert.equal(await call('int', java.int(-42)), -42);
      assert.equal(await call('long', java.long(2 ** 40 + 3)), 2 ** 40 + 3);
      assert.equal(await call('dbl', java.double(3.25)), 3.25);
      assert.equal(await call('bool', java.boolean(true)), true);
    });

    it('round-trips null, lists, maps, nested objects and byte arrays', async () => {
      assert.equal(await call('str', java.String(null)), null);
      assert.deepEqual(await call('list', java.List([1, 'two', 3.5, null])), [1, 'two', 3.5, null]);
      assert.deepEqual(await call('map', java.Map({ a: 1, b: 'x' })), { a: 1, b: 'x' });
      assert.deepEqual(await call('obj', java(pojo.$class, pojo.$)), pojo.$);
      assert.deepEqual(await call('bytes', java.array.byte(Buffer.from([0, 1, 254, 255]))), Buffer.from([0, 1, 254, 255]));
    });

    it('receives a provider exception as an error with its type and message', async () => {
      await assert.rejects(call('boom', java.String('x')), (e: Error) => e.message.includes('boom: x'));
    });

    it('gets an error, not silence, for an unknown method', async () => {
      await assert.rejects(call('nope', java.String('x')), (e: Error) => e.message.includes('METHOD_NOT_FOUND'));
    });
  });
});
