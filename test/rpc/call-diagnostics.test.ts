/**
 * Errors that say what to fix: what the registry holds when no provider
 * matches, what a provider exports, which method got the wrong arguments,
 * every plug-in name checked when given, and a thrown value's data.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../common/rpc-error.js';
import { RpcClient } from '../../rpc/client.js';
import type { Filter } from '../../rpc/filter.js';
import { withCallOptions } from '../../rpc/proxy.js';
import { RpcServer } from '../../rpc/server.js';
import { defineService, type ProxyOf } from '../../rpc/service.js';
import { type DemoProvider, DemoService, startDemoProvider } from './rpc-fixture.js';

const Orders = defineService('com.example.OrderService', {
  countOrders: { params: [], returns: 'int' },
  placeOrder: { params: ['java.lang.String'], returns: 'java.lang.String' },
});

describe('NO_PROVIDER over a registry', () => {
  let dir: string;
  let registry: string;
  let server: RpcServer;
  let client: RpcClient;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'getty-rpc-diagnostics-'));
    registry = `file://${dir}?pollMs=200&refreshMs=300&staleMs=1500`;
    server = new RpcServer({ port: 0, registry });
    server.addService(Orders, { countOrders: () => 7, placeOrder: (sku) => `placed ${sku}` }, { version: '1.0.0', group: 'blue' });
    await server.start();
    client = new RpcClient({ registry });
  });
  after(async () => {
    await client.close({ graceMs: 0 });
    await server.stop({ graceMs: 0 });
    await rm(dir, { recursive: true, force: true });
  });

  it('names the versions and groups registered for the interface when none matches', async () => {
    const orders = client.refer(Orders, { version: '2.0.0', group: 'blue', retries: 0 });
    await assert.rejects(orders.countOrders(), (e) => {
      assert.ok(isRpcError(e, ErrorCode.NO_PROVIDER));
      assert.match(e.message, /com\.example\.OrderService\.countOrders/);
      assert.match(e.message, /wanted version '2\.0\.0' group 'blue'/);
      assert.match(e.message, /lists 1 provider\(s\) of com\.example\.OrderService: version '1\.0\.0' group 'blue' x1/);
      return true;
    });
    const matching = client.refer(Orders, { version: '1.0.0', group: 'blue' });
    assert.equal(await matching.countOrders(), 7);
  });

  it('says when the registry lists no provider of the interface at all', async () => {
    const Nobody = defineService('com.example.Nobody', { hi: { params: [] } });
    await assert.rejects(client.refer(Nobody, { retries: 0 }).hi(), (e) => {
      assert.ok(isRpcError(e, ErrorCode.NO_PROVIDER));
      assert.match(e.message, /lists no provider of com\.example\.Nobody/);
      return true;
    });
  });
});

describe('provider-side diagnostics', () => {
  let provider: DemoProvider;
  let client: RpcClient;

  before(async () => {
    provider = await startDemoProvider();
    client = new RpcClient();
  });
  after(async () => {
    await client.close({ graceMs: 0 });
    await provider.server.stop({ graceMs: 0 });
  });

  it('SERVICE_NOT_FOUND lists what the provider exports', async () => {
    const demo = client.refer(DemoService, { url: provider.url, version: '9.9.9' });
    await assert.rejects(demo.sayHello('x'), (e) => {
      assert.ok(isRpcError(e, ErrorCode.SERVICE_NOT_FOUND));
      assert.match(e.message, /exported: org\.apache\.dubbo\.demo\.DemoService:1\.0\.0/);
      return true;
    });
  });

  it('a wrong argument count names the method and the count it takes', async () => {
    const Stale = defineService(DemoService.name, { add: { params: ['int', 'int', 'int'], returns: 'int' } });
    await assert.rejects(client.refer(Stale, { url: provider.url, version: '1.0.0' }).add(1, 2, 3), (e) => {
      assert.ok(isRpcError(e, ErrorCode.BAD_REQUEST));
      assert.match(e.message, /DemoService\.add takes 2 arguments, got 3/);
      return true;
    });
  });
});

describe('what a provider method throws', () => {
  const Thrower = defineService('com.example.Thrower', {
    plain: { params: [], returns: 'java.lang.String' },
    withFields: { params: [], returns: 'java.lang.String' },
    huge: { params: [], returns: 'java.lang.String' },
  });
  let server: RpcServer;
  let client: RpcClient;
  let thrower: ProxyOf<typeof Thrower>;

  before(async () => {
    server = new RpcServer({ port: 0 });
    server.addService(Thrower, {
      plain: () => {
        throw { code: 42, reason: 'inventory locked' };
      },
      withFields: () => {
        throw Object.assign(new Error('out of stock'), { javaType: 'com.example.StockException', sku: 'A-1', left: 0 });
      },
      huge: () => {
        throw { blob: 'x'.repeat(100_000) };
      },
    });
    await server.start();
    client = new RpcClient();
    thrower = client.refer(Thrower, { url: `dubbo://127.0.0.1:${server.port}` });
  });
  after(async () => {
    await client.close({ graceMs: 0 });
    await server.stop({ graceMs: 0 });
  });

  it('carries a thrown plain object as its JSON text', async () => {
    await assert.rejects(thrower.plain(), (e) => {
      assert.ok(isRpcError(e, ErrorCode.SERVICE_ERROR));
      assert.equal(e.message, '{"code":42,"reason":"inventory locked"}');
      return true;
    });
  });

  it("appends an Error's own enumerable fields (javaType excepted) to its message", async () => {
    await assert.rejects(thrower.withFields(), (e) => {
      assert.ok(isRpcError(e, ErrorCode.SERVICE_ERROR));
      assert.equal(e.remoteType, 'com.example.StockException');
      assert.equal(e.message, 'out of stock {"sku":"A-1","left":0}');
      return true;
    });
  });

  it('bounds the carried text to 4 KiB', async () => {
    await assert.rejects(thrower.huge(), (e) => {
      assert.ok(isRpcError(e, ErrorCode.SERVICE_ERROR));
      assert.ok(e.message.length < 4096 + 100, `${e.message.length} characters`);
      assert.match(e.message, /more characters\)$/);
      return true;
    });
  });
});

describe('plug-in names are checked when given', () => {
  const client = new RpcClient();
  after(() => client.close());
  const url = 'dubbo://127.0.0.1:1';
  const invalid = (pattern: RegExp) => (e: unknown) => isRpcError(e, ErrorCode.INVALID_ARGUMENT) && pattern.test(e.message);

  it('rejects an unknown load balancer at refer(), listing the known ones', () => {
    assert.throws(() => client.refer(DemoService, { url, loadbalance: 'round-robin' }), invalid(/round-robin.*known: .*roundrobin/));
    assert.throws(() => client.refer(DemoService, { url, methods: { add: { loadbalance: 'fastest' } } }), invalid(/methods\.add.*fastest/));
  });

  it('rejects an unknown cluster, serialization or filter at refer()', () => {
    assert.throws(() => client.refer(DemoService, { url, cluster: 'fail-over' }), invalid(/fail-over.*known: .*failover/));
    assert.throws(() => client.refer(DemoService, { url, serialization: 'hessian' }), invalid(/hessian.*known: .*hessian2/));
    assert.throws(() => client.refer(DemoService, { url, filters: ['accesslog' as unknown as Filter] }), invalid(/filter must be a function/));
  });

  it('rejects per-method settings for a method the definition lacks, or out of range', () => {
    assert.throws(() => client.refer(DemoService, { url, methods: { sayHelo: { retries: 0 } } }), invalid(/sayHelo.*known: sayHello/));
    assert.throws(() => client.refer(DemoService, { url, methods: { add: { retries: -1 } } }), invalid(/retries/));
    assert.throws(() => defineService('a.B', { m: { params: [], timeoutMs: 0 } }), invalid(/a\.B\.m: timeoutMs/));
  });

  it('rejects out-of-range call options when they are bound', () => {
    const demo = client.refer(DemoService, { url });
    assert.throws(() => withCallOptions(demo, { timeoutMs: -5 }), invalid(/withCallOptions: timeoutMs/));
    assert.throws(() => withCallOptions(demo, { retries: 1.5 }), invalid(/withCallOptions: retries/));
  });

  it('rejects an unknown registry type, filter or serialization in the client and server constructors', () => {
    assert.throws(() => new RpcClient({ registry: 'zk://127.0.0.1:2181' }), invalid(/'zk'.*known: .*zookeeper/));
    assert.throws(() => new RpcServer({ registry: 'zk://127.0.0.1:2181' }), invalid(/'zk'.*known: .*zookeeper/));
    assert.throws(() => new RpcServer({ filters: [42 as unknown as Filter] }), invalid(/filter must be a function/));
    assert.throws(() => new RpcServer({ serialization: 'hessian' }), invalid(/hessian.*known: .*hessian2/));
  });
});
