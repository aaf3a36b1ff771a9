/**
 * One deadline per call, over real providers on 127.0.0.1: `timeoutMs` bounds
 * the whole call, retries included; a call that may have reached a provider is
 * not re-sent unless the method is idempotent or retries were asked for; the
 * time left travels to the provider and on to its downstream calls.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../common/rpc-error.js';
import { RpcClient } from '../../rpc/client.js';
import { RpcContext } from '../../rpc/context.js';
import { withCallOptions } from '../../rpc/proxy.js';
import { RpcServer } from '../../rpc/server.js';
import { defineService } from '../../rpc/service.js';

const OrderService = defineService('com.example.OrderService', {
  slow: { params: ['int'], returns: 'java.lang.String' },
  placeOrder: { params: ['int'], returns: 'java.lang.String' },
  countOrders: { params: [], returns: 'int', idempotent: true },
  timeLeft: { params: [], returns: 'int' },
});

interface OrderProvider {
  server: RpcServer;
  runs: number;
  /** The `timeout` attachment (ms) each run received. */
  budgets: number[];
}

/** A provider whose methods sleep `ms` (never answering before), counting runs. */
async function startOrderProvider(): Promise<OrderProvider> {
  const provider: OrderProvider = { server: new RpcServer({ port: 0 }), runs: 0, budgets: [] };
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const run = async (ms: number) => {
    provider.runs++;
    provider.budgets.push(RpcContext.current()!.timeoutMs ?? -1);
    await sleep(ms);
    return `slept ${ms}`;
  };
  provider.server.addService(OrderService, {
    slow: run,
    placeOrder: run,
    countOrders: async () => {
      await run(1000);
      return 1;
    },
    timeLeft: () => Math.round(RpcContext.current()!.remainingMs() ?? -1),
  });
  await provider.server.start();
  return provider;
}

describe('one deadline per call', () => {
  let providers: OrderProvider[];
  let url: string;
  let client: RpcClient;
  const runs = () => providers.reduce((sum, p) => sum + p.runs, 0);

  before(async () => {
    providers = await Promise.all([startOrderProvider(), startOrderProvider(), startOrderProvider()]);
    url = providers.map((p) => `dubbo://127.0.0.1:${p.server.port}`).join(',');
    client = new RpcClient({ timeoutMs: 10_000 });
  });
  after(async () => {
    await client.close({ graceMs: 0 });
    await Promise.all(providers.map((p) => p.server.stop({ graceMs: 0 })));
  });
  const reset = () => {
    for (const p of providers) {
      p.runs = 0;
      p.budgets = [];
    }
  };

  it('ends a call to slow providers within timeoutMs, retries included, and runs the method once', async () => {
    reset();
    const orders = client.refer(OrderService, { url });
    const started = performance.now();
    await assert.rejects(withCallOptions(orders, { timeoutMs: 300 }).slow(1000), (e) => isRpcError(e, ErrorCode.TIMEOUT));
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 290 && elapsed < 300 + 400, `the call took ${Math.round(elapsed)} ms`);
    assert.equal(runs(), 1);
  });

  it('gives retries of an idempotent method only what is left of the one budget', async () => {
    reset();
    const orders = client.refer(OrderService, { url });
    const started = performance.now();
    await assert.rejects(withCallOptions(orders, { timeoutMs: 300 }).countOrders(), (e) => isRpcError(e, ErrorCode.TIMEOUT));
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 300 + 400, `the call took ${Math.round(elapsed)} ms`);
    assert.equal(runs(), 1, 'the first attempt used the whole budget: no attempt starts after it');
  });

  it('ends every call of an RpcContext.run scope by the scope deadline', async () => {
    reset();
    const orders = client.refer(OrderService, { url });
    const started = performance.now();
    await RpcContext.run({ timeoutMs: 300 }, async () => {
      await assert.rejects(orders.slow(1000), (e) => isRpcError(e, ErrorCode.TIMEOUT));
      // Nothing is left for a second call in the same scope: it fails before it is sent.
      await assert.rejects(orders.slow(1), (e) => isRpcError(e, ErrorCode.TIMEOUT));
    });
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 300 + 400, `the scope took ${Math.round(elapsed)} ms`);
    assert.equal(runs(), 1);
  });

  it('re-sends a method marked idempotent in its definition, each attempt bounded, all within the budget', async () => {
    reset();
    const orders = client.refer(OrderService, { url, attemptTimeoutMs: 150 });
    const started = performance.now();
    await assert.rejects(withCallOptions(orders, { timeoutMs: 2000 }).countOrders(), (e) => isRpcError(e, ErrorCode.TIMEOUT));
    const elapsed = performance.now() - started;
    assert.equal(runs(), 3, 'three attempts (retries default to 2)');
    assert.ok(elapsed < 3 * 150 + 400, `the call took ${Math.round(elapsed)} ms`);
    assert.equal(new Set(providers.filter((p) => p.runs > 0)).size, 3, 'each attempt on another provider');
  });

  it('takes per-method retries and idempotence from refer({ methods })', async () => {
    reset();
    const orders = client.refer(OrderService, {
      url,
      attemptTimeoutMs: 100,
      methods: { slow: { idempotent: true }, placeOrder: { retries: 0 }, countOrders: { retries: 1 } },
    });
    await assert.rejects(orders.slow(1000), (e) => isRpcError(e, ErrorCode.TIMEOUT));
    assert.equal(runs(), 3);
    reset();
    await assert.rejects(orders.placeOrder(1000), (e) => isRpcError(e, ErrorCode.TIMEOUT));
    assert.equal(runs(), 1);
    reset();
    await assert.rejects(orders.countOrders(), (e) => isRpcError(e, ErrorCode.TIMEOUT));
    assert.equal(runs(), 2, 'retries: 1 set explicitly re-sends once');
  });

  it('says why a timed-out call was not re-sent', async () => {
    reset();
    const orders = client.refer(OrderService, { url, attemptTimeoutMs: 100 });
    await assert.rejects(orders.placeOrder(1000), (e) => isRpcError(e, ErrorCode.TIMEOUT) && /not re-sent.*idempotent/.test(e.message));
    assert.equal(runs(), 1);
  });

  it('takes a method timeout over the reference one, and a call timeout over both', async () => {
    reset();
    const orders = client.refer(OrderService, { url, timeoutMs: 5000, methods: { slow: { timeoutMs: 200 } } });
    let started = performance.now();
    await assert.rejects(orders.slow(1000), (e) => isRpcError(e, ErrorCode.TIMEOUT));
    assert.ok(performance.now() - started < 200 + 400);
    started = performance.now();
    await assert.rejects(withCallOptions(orders, { timeoutMs: 100 }).slow(1000), (e) => isRpcError(e, ErrorCode.TIMEOUT));
    assert.ok(performance.now() - started < 100 + 400);
    assert.ok(providers.flatMap((p) => p.budgets).every((ms) => ms <= 200), 'the timeout attachment carries the budget');
  });

  it('sends the provider the time left of the call, which its downstream calls inherit', async () => {
    const orders = client.refer(OrderService, { url: `dubbo://127.0.0.1:${providers[0]!.server.port}` });
    const left = await withCallOptions(orders, { timeoutMs: 800 }).timeLeft();
    assert.ok(left > 500 && left <= 800, `the provider had ${left} ms left`);
    // A call made inside a provider method: RpcContext.runProvider is what the server opens.
    const downstream = await RpcContext.runProvider({ attachments: {}, remoteAddress: '', localAddress: '', timeoutMs: 400 }, () =>
      withCallOptions(orders, { timeoutMs: 5000 }).timeLeft(),
    );
    assert.ok(downstream > 200 && downstream <= 400, `the downstream call had ${downstream} ms left`);
  });

  it('waits for a registry that never answers only within the call budget', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as net.AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const quiet = { debug() {}, info() {}, warn() {}, error() {} };
    const lost = new RpcClient({ registry: `zookeeper://127.0.0.1:${port}?timeout=10s`, logger: quiet });
    try {
      const orders = lost.refer(OrderService);
      const started = performance.now();
      await assert.rejects(withCallOptions(orders, { timeoutMs: 300 }).slow(1), (e) => isRpcError(e, ErrorCode.TIMEOUT) && /registry/.test(e.message));
      assert.ok(performance.now() - started < 300 + 400, 'the wait for the first provider list counts against the budget');
    } finally {
      await lost.close({ graceMs: 0 });
    }
  });
});
