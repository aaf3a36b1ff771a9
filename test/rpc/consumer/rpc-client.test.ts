import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../../common/rpc-error.js';
import { RpcClient } from '../../../rpc/consumer/rpc-client.js';
import { RpcContext } from '../../../rpc/context.js';
import { withCallOptions } from '../../../rpc/consumer/proxy.js';
import { RpcServer } from '../../../rpc/provider/rpc-server.js';
import { defineService } from '../../../rpc/service.js';
import { type DemoProvider, DemoService, startDemoProvider, until } from '../rpc-fixture.js';

describe('RpcClient', () => {
  let provider: DemoProvider;
  let client: RpcClient;

  before(async () => {
    provider = await startDemoProvider();
    client = new RpcClient();
  });
  after(async () => {
    provider.gate.release();
    await client.close();
    await provider.server.stop({ graceMs: 0 });
  });

  const demo = () => client.refer(DemoService, { url: provider.url, version: '1.0.0', retries: 0 });

  it('times out a slow call, drops the late response and leaves no pending entry', async () => {
    const entered = provider.gate.entered;
    await assert.rejects(withCallOptions(demo(), { timeoutMs: 50 }).slow('late'), (e) => isRpcError(e, ErrorCode.TIMEOUT));
    assert.equal(client.pendingCalls, 0);
    await until(() => provider.gate.entered > entered, 'the slow call to reach the provider');
    const dropped = client.droppedResponses;
    provider.gate.release();
    await until(() => client.droppedResponses === dropped + 1, 'the late response');
    assert.equal(client.pendingCalls, 0);
    assert.equal(await demo().sayHello('next'), 'Hello next');
  });

  it('cancels a call when its AbortSignal aborts', async () => {
    const controller = new AbortController();
    const call = withCallOptions(demo(), { signal: controller.signal }).slow('cancel me');
    await until(() => client.pendingCalls === 1, 'the call to be sent');
    controller.abort();
    await assert.rejects(call, (e) => isRpcError(e, ErrorCode.CANCELLED));
    assert.equal(client.pendingCalls, 0);
    provider.gate.release();
  });

  it('fails at once with CANCELLED when the signal is already aborted', async () => {
    const signal = AbortSignal.abort();
    await assert.rejects(withCallOptions(demo(), { signal }).sayHello('x'), (e) => isRpcError(e, ErrorCode.CANCELLED));
  });

  it('sends a one-way call without waiting for a response', async () => {
    assert.equal(await demo().notify('one-way'), undefined);
    await until(() => provider.notified.includes('one-way'), 'the one-way call to arrive');
    assert.equal(client.pendingCalls, 0);
  });

  it('matches 10 000 concurrent calls over one connection to their callers', async () => {
    const remotes = new Set<string>();
    const Counter = defineService('test.Counter', { twice: { params: ['int'], returns: 'int' } });
    const server = new RpcServer({ port: 0 });
    server.addService(Counter, {
      twice: (n) => {
        remotes.add(RpcContext.current()!.remoteAddress!);
        return n * 2;
      },
    });
    await server.start();
    const local = new RpcClient({ connections: 1, timeoutMs: 60_000 });
    try {
      const counter = local.refer(Counter, { url: `dubbo://127.0.0.1:${server.port}` });
      const n = 10_000;
      const results = await Promise.all(Array.from({ length: n }, (_, i) => counter.twice(i)));
      for (let i = 0; i < n; i++) assert.equal(results[i], i * 2);
      assert.equal(remotes.size, 1, 'one connection carried every call');
      assert.equal(local.pendingCalls, 0);
    } finally {
      await local.close();
      await server.stop({ graceMs: 0 });
    }
  });

  it('refuses calls past maxPendingCalls with LIMIT_EXCEEDED', async () => {
    const small = new RpcClient({ maxPendingCalls: 2 });
    try {
      const proxy = small.refer(DemoService, { url: provider.url, version: '1.0.0', retries: 0 });
      const entered = provider.gate.entered;
      const held = [proxy.slow('1'), proxy.slow('2')];
      await until(() => small.pendingCalls === 2, 'two calls in flight');
      await assert.rejects(proxy.slow('3'), (e) => isRpcError(e, ErrorCode.LIMIT_EXCEEDED));
      // Release only once both wait at the provider, or a late one would wait for the next release.
      await until(() => provider.gate.entered === entered + 2, 'both calls to reach the provider');
      provider.gate.release();
      assert.deepEqual(await Promise.all(held), ['slow 1', 'slow 2']);
    } finally {
      await small.close();
    }
  });

  it('carries attachments to the provider and back', async () => {
    const Traced = defineService('test.Traced', { who: { params: [], returns: 'java.lang.String' } });
    const server = new RpcServer({ port: 0 });
    server.addService(Traced, {
      who: () => {
        const context = RpcContext.current()!;
        context.setResponseAttachment('served-by', 'provider-1');
        return String(context.attachments.traceId);
      },
    });
    await server.start();
    try {
      const traced = client.refer(Traced, { url: `dubbo://127.0.0.1:${server.port}` });
      await RpcContext.run({ attachments: { traceId: 't-42' } }, async () => {
        assert.equal(await traced.who(), 't-42');
        assert.equal(RpcContext.current()!.responseAttachments['served-by'], 'provider-1');
      });
      assert.equal(await withCallOptions(traced, { attachments: { traceId: 'bound' } }).who(), 'bound');
    } finally {
      await server.stop({ graceMs: 0 });
    }
  });

  it('passes each call only its own remaining deadline on to downstream calls', async () => {
    const Back = defineService('test.Back', { timeoutSeen: { params: [], returns: 'int' } });
    const Front = defineService('test.Front', { relay: { params: [], returns: 'int' } });
    const back = new RpcServer({ port: 0 });
    back.addService(Back, { timeoutSeen: () => Number(RpcContext.current()!.attachments.timeout) });
    await back.start();
    const downstream = new RpcClient({ timeoutMs: 60_000 });
    // One reference for every downstream call: nothing per reference may stand in for a call's own budget.
    const backProxy = downstream.refer(Back, { url: `dubbo://127.0.0.1:${back.port}` });
    const front = new RpcServer({ port: 0 });
    front.addService(Front, { relay: () => backProxy.timeoutSeen() });
    await front.start();
    try {
      const frontProxy = client.refer(Front, { url: `dubbo://127.0.0.1:${front.port}` });
      const long = await withCallOptions(frontProxy, { timeoutMs: 5000 }).relay();
      const short = await withCallOptions(frontProxy, { timeoutMs: 1000 }).relay();
      assert.ok(long > 1000 && long <= 5000, `downstream timeout ${long} ms is within the caller's 5000 ms`);
      assert.ok(short > 0 && short <= 1000, `downstream timeout ${short} ms is within the caller's 1000 ms`);
      // Direct calls on the same reference: each sends its own timeout.
      const seen = [];
      for (const timeoutMs of [700, 1900, 700]) seen.push(await withCallOptions(backProxy, { timeoutMs }).timeoutSeen());
      assert.deepEqual(seen, [700, 1900, 700]);
    } finally {
      await downstream.close();
      await front.stop({ graceMs: 0 });
      await back.stop({ graceMs: 0 });
    }
  });

  it('ends every call in an RpcContext.run scope by the scope budget', async () => {
    const patient = client.refer(DemoService, { url: provider.url, version: '1.0.0', retries: 0, timeoutMs: 60_000 });
    const before = provider.gate.entered;
    await RpcContext.run({ timeoutMs: 50 }, async () => {
      await assert.rejects(patient.slow('budget'), (e) => isRpcError(e, ErrorCode.TIMEOUT));
      await until(() => provider.gate.entered > before, 'the first call to reach the provider');
      await until(() => RpcContext.current()!.remainingMs()! <= 0, 'the budget to run out');
      // Nothing left of the budget: the next call fails before it is sent.
      const entered = provider.gate.entered;
      await assert.rejects(patient.slow('late'), (e) => isRpcError(e, ErrorCode.TIMEOUT) && /deadline/.test(e.message));
      assert.equal(provider.gate.entered, entered, 'the late call never reached the provider');
    });
    assert.equal(client.pendingCalls, 0);
    provider.gate.release();
  });

  it('sends a two-way method one-way when the call options say so', async () => {
    const before = provider.notified.length;
    assert.equal(await withCallOptions(demo(), { oneWay: true }).notify('bound one-way'), undefined);
    await until(() => provider.notified.length > before, 'the call to arrive');
    assert.equal(await withCallOptions(demo(), { oneWay: true }).sayHello('no answer'), undefined);
  });

  it('calls $echo and generic $invoke on any reference', async () => {
    const proxy = demo();
    assert.deepEqual(await proxy.$echo({ ok: true }), { ok: true });
    assert.equal(await proxy.$invoke('add', ['int', 'int'], [20, 22]), 42);
    await assert.rejects(proxy.$invoke('nope', [], []), (e) => isRpcError(e, ErrorCode.METHOD_NOT_FOUND));
  });

  it('calls a TypeScript interface service with inferred Java types', async () => {
    interface Calculator {
      sum(values: number[]): number;
      describe(item: { name: string; tags: string[] }): string;
      half(x: number): number;
    }
    const definition = defineService<Calculator>('test.Calculator');
    const server = new RpcServer({ port: 0 });
    server.addService(definition, {
      sum: (values) => values.reduce((a, b) => a + b, 0),
      describe: (item) => `${item.name}:${item.tags.join('+')}`,
      half: (x) => x / 2,
    });
    await server.start();
    try {
      const calc = client.refer<Calculator>('test.Calculator', { url: `dubbo://127.0.0.1:${server.port}` });
      assert.equal(await calc.sum([1, 2, 3]), 6);
      assert.equal(await calc.describe({ name: 'x', tags: ['a', 'b'] }), 'x:a+b');
      assert.equal(await calc.half(5), 2.5);
    } finally {
      await server.stop({ graceMs: 0 });
    }
  });

  it('turns no promise, JSON or Object.prototype probe of a proxy into a call', async () => {
    const methods: string[] = [];
    const server = new RpcServer({
      port: 0,
      filters: [
        (invocation, next) => {
          methods.push(invocation.methodName);
          return next(invocation);
        },
      ],
    });
    server.addService(defineService<{ hello(): string }>('test.Probe'), { hello: () => 'hi' });
    await server.start();
    try {
      const probe = client.refer<{ hello(): string }>('test.Probe', { url: `dubbo://127.0.0.1:${server.port}`, retries: 0 }) as unknown as Record<string, unknown>;
      assert.equal(JSON.stringify(probe), '{}');
      assert.equal(await probe, probe);
      for (const name of ['then', 'toJSON', 'toString', 'valueOf', 'hasOwnProperty', 'constructor', '__proto__']) assert.equal(probe[name], undefined, name);
      assert.equal(await (probe.hello as () => Promise<string>)(), 'hi');
      assert.deepEqual(methods, ['hello']);
    } finally {
      await server.stop({ graceMs: 0 });
    }
  });

  it('fails with NETWORK when nothing listens at the address', async () => {
    const closed = new RpcServer({ port: 0 });
    await closed.start();
    const port = closed.port;
    await closed.stop({ graceMs: 0 });
    const nowhere = new RpcClient();
    try {
      const proxy = nowhere.refer(DemoService, { url: `dubbo://127.0.0.1:${port}`, version: '1.0.0', retries: 0 });
      await assert.rejects(proxy.sayHello('x'), (e) => isRpcError(e, ErrorCode.NETWORK));
    } finally {
      await nowhere.close();
    }
  });

  it('refuses calls after close() with CLIENT_CLOSED', async () => {
    const closing = new RpcClient();
    const proxy = closing.refer(DemoService, { url: provider.url, version: '1.0.0' });
    assert.equal(await proxy.sayHello('before'), 'Hello before');
    await closing.close();
    await closing.close();
    await assert.rejects(proxy.sayHello('after'), (e) => isRpcError(e, ErrorCode.CLIENT_CLOSED));
  });

  it('types proxies from the definition', async () => {
    const proxy = demo();
    const typed: Promise<string | null> = proxy.sayHello('x');
    const sum: Promise<number> = proxy.add(1, 2);
    // @ts-expect-error a number is not a java.lang.String
    const wrong = () => proxy.sayHello(1);
    // @ts-expect-error no such method on the definition
    const missing = () => proxy.goodbye();
    assert.equal(typeof wrong, 'function');
    assert.equal(typeof missing, 'function');
    assert.deepEqual(await Promise.all([typed, sum]), ['Hello x', 3]);
  });
});
