/**
 * tracingFilter with the OpenTelemetry SDK's in-memory exporter, over real
 * sockets: consumer → front provider → back provider is one trace with the
 * right parent/child links; a failure is an ERROR span; a request carrying a
 * foreign `traceparent` (as a string, or as the one-element list dubbo-go
 * writes) continues that trace.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { context, propagation, SpanKind, SpanStatusCode, type TextMapPropagator, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ErrorCode, RpcError } from '../../../common/rpc-error.js';
import { RpcClient } from '../../../rpc/consumer/rpc-client.js';
import { RpcContext } from '../../../rpc/context.js';
import { composeFilters } from '../../../rpc/filter.js';
import { tracingFilter } from '../../../rpc/filters/tracing-filter.js';
import { RpcInvocation } from '../../../rpc/rpc-invocation.js';
import { withCallOptions } from '../../../rpc/consumer/proxy.js';
import { RpcServer } from '../../../rpc/provider/rpc-server.js';
import { defineService } from '../../../rpc/service.js';

const Back = defineService('org.example.trace.Back', {
  hello: { params: ['java.lang.String'], returns: 'java.lang.String' },
  fail: { params: [], returns: 'java.lang.String' },
});
const Front = defineService('org.example.trace.Front', {
  greet: { params: ['java.lang.String'], returns: 'java.lang.String' },
});

type BackProxy = { hello(name: string): Promise<string>; fail(): Promise<string> };
type FrontProxy = { greet(name: string): Promise<string> };

const call = (attachments: Record<string, unknown> = {}) => new RpcInvocation({ interfaceName: 'demo.Svc', methodName: 'm', args: [], attachments });

/** A loopback port on 127.0.0.3 nobody listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.3', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('tracingFilter', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const contextManager = new AsyncLocalStorageContextManager();
  let back: RpcServer;
  let front: RpcServer;
  let frontClient: RpcClient;
  let client: RpcClient;
  let frontProxy: FrontProxy;
  let backProxy: BackProxy;

  before(async () => {
    trace.setGlobalTracerProvider(provider);
    context.setGlobalContextManager(contextManager.enable());
    propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
    back = new RpcServer({ port: 0, filters: [tracingFilter({ side: 'provider' })] });
    back.addService(Back, {
      hello: (name) => `hello ${name}`,
      fail: () => {
        throw new Error('back is broken');
      },
    });
    await back.start();
    frontClient = new RpcClient({ filters: [tracingFilter()] });
    const backFromFront = frontClient.refer(Back, { url: `dubbo://127.0.0.1:${back.port}` }) as unknown as BackProxy;
    front = new RpcServer({ port: 0, filters: [tracingFilter({ side: 'provider' })] });
    front.addService(Front, { greet: (name) => backFromFront.hello(String(name)) });
    await front.start();
    client = new RpcClient({ filters: [tracingFilter()] });
    frontProxy = client.refer(Front, { url: `dubbo://127.0.0.1:${front.port}` }) as unknown as FrontProxy;
    backProxy = client.refer(Back, { url: `dubbo://127.0.0.1:${back.port}`, retries: 0 }) as unknown as BackProxy;
  });

  after(async () => {
    await client?.close();
    await front?.stop();
    await frontClient?.close();
    await back?.stop();
    await provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  });

  beforeEach(() => exporter.reset());

  const spans = () => exporter.getFinishedSpans();
  const named = (name: string, kind: SpanKind) => {
    const span = spans().find((s) => s.name === name && s.kind === kind);
    assert.ok(span, `a ${SpanKind[kind]} span ${name} among ${spans().map((s) => `${s.name}/${SpanKind[s.kind]}`).join(', ')}`);
    return span;
  };
  const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

  it('makes one trace from consumer to front to back with parent/child links', async () => {
    assert.equal(await frontProxy.greet('otel'), 'hello otel');
    assert.equal(spans().length, 4);
    const clientFront = named('org.example.trace.Front/greet', SpanKind.CLIENT);
    const serverFront = named('org.example.trace.Front/greet', SpanKind.SERVER);
    const clientBack = named('org.example.trace.Back/hello', SpanKind.CLIENT);
    const serverBack = named('org.example.trace.Back/hello', SpanKind.SERVER);
    const traceId = clientFront.spanContext().traceId;
    for (const span of [serverFront, clientBack, serverBack]) assert.equal(span.spanContext().traceId, traceId);
    assert.equal(parentOf(clientFront), undefined);
    assert.equal(parentOf(serverFront), clientFront.spanContext().spanId);
    assert.equal(parentOf(clientBack), serverFront.spanContext().spanId);
    assert.equal(parentOf(serverBack), clientBack.spanContext().spanId);
    assert.deepEqual(
      { ...serverBack.attributes, 'net.peer.port': undefined },
      { 'rpc.system': 'apache_dubbo', 'rpc.service': 'org.example.trace.Back', 'rpc.method': 'hello', 'net.peer.name': '127.0.0.1', 'net.peer.port': undefined },
    );
    assert.equal(typeof serverBack.attributes['net.peer.port'], 'number');
    assert.equal(serverBack.status.code, SpanStatusCode.OK);
    assert.deepEqual([clientFront.attributes['net.peer.name'], clientFront.attributes['net.peer.port']], ['127.0.0.1', front.port], 'the client span names the provider');
    assert.deepEqual([clientBack.attributes['net.peer.name'], clientBack.attributes['net.peer.port']], ['127.0.0.1', back.port]);
  });

  it('names, on the client span, the provider the cluster chose: the one that answered after a failover', async () => {
    const second = new RpcServer({ host: '127.0.0.2', port: 0 });
    second.addService(Back, { hello: (name) => `second ${name}`, fail: () => 'ok' });
    await second.start();
    const closed = await closedPort();
    try {
      const proxy = client.refer(Back, { url: `dubbo://127.0.0.3:${closed},dubbo://127.0.0.2:${second.port}`, retries: 1 }) as unknown as BackProxy;
      for (let i = 0; i < 6; i++) {
        exporter.reset();
        assert.equal(await proxy.hello('x'), 'second x');
        const span = named('org.example.trace.Back/hello', SpanKind.CLIENT);
        assert.deepEqual([span.attributes['net.peer.name'], span.attributes['net.peer.port']], ['127.0.0.2', second.port]);
        assert.equal(span.status.code, SpanStatusCode.OK);
      }
      exporter.reset();
      const down = client.refer(Back, { url: `dubbo://127.0.0.3:${closed}`, retries: 0 }) as unknown as BackProxy;
      await assert.rejects(down.hello('x'));
      const failed = named('org.example.trace.Back/hello', SpanKind.CLIENT);
      assert.deepEqual([failed.attributes['net.peer.name'], failed.attributes['net.peer.port']], ['127.0.0.3', closed], 'a failed attempt still names its provider');
      assert.equal(failed.status.code, SpanStatusCode.ERROR);
    } finally {
      await second.stop();
    }
  });

  it('marks both spans of a failed call as errors with the error code', async () => {
    await assert.rejects(backProxy.fail(), (err) => err instanceof RpcError && err.code === ErrorCode.SERVICE_ERROR);
    for (const kind of [SpanKind.CLIENT, SpanKind.SERVER]) {
      const span = named('org.example.trace.Back/fail', kind);
      assert.equal(span.status.code, SpanStatusCode.ERROR);
      assert.match(span.status.message ?? '', /back is broken/);
    }
    assert.equal(named('org.example.trace.Back/fail', SpanKind.CLIENT).attributes['error.type'], ErrorCode.SERVICE_ERROR);
  });

  it('continues a trace begun by a foreign peer, read from a string or a one-element list', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentId = '00f067aa0ba902b7';
    const plain = new RpcClient();
    try {
      for (const traceparent of [`00-${traceId}-${parentId}-01`, [`00-${traceId}-${parentId}-01`]]) {
        exporter.reset();
        const foreign = withCallOptions(plain.refer(Back, { url: `dubbo://127.0.0.1:${back.port}` }), { attachments: { traceparent } }) as unknown as BackProxy;
        assert.equal(await foreign.hello('go'), 'hello go');
        const server = named('org.example.trace.Back/hello', SpanKind.SERVER);
        assert.equal(server.spanContext().traceId, traceId);
        assert.equal(parentOf(server), parentId);
      }
    } finally {
      await plain.close();
    }
  });

  it('sends the context as plain string attachments', async () => {
    let seen: Record<string, unknown> = {};
    const probe = new RpcServer({ port: 0 });
    probe.addService(Back, {
      hello: () => {
        seen = { ...(RpcContext.current()?.attachments ?? {}) };
        return 'ok';
      },
      fail: () => 'ok',
    });
    await probe.start();
    try {
      const proxy = client.refer(Back, { url: `dubbo://127.0.0.1:${probe.port}` }) as unknown as BackProxy;
      await context.with(propagation.setBaggage(context.active(), propagation.createBaggage({ user: { value: 'ann' } })), () => proxy.hello('x'));
      assert.match(String(seen.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
      assert.equal(seen.baggage, 'user=ann');
    } finally {
      await probe.stop();
    }
  });

  it('refuses an unknown side, naming it', () => {
    assert.throws(() => tracingFilter({ side: 'both' as 'consumer' }), (e) => e instanceof RpcError && e.code === ErrorCode.INVALID_ARGUMENT && /not 'both'/.test(e.message));
  });

  it('records a failure that is not an RpcError as error.type ERROR', async () => {
    const broken = async () => {
      throw new TypeError('bug');
    };
    await assert.rejects(composeFilters([tracingFilter()], broken)(call()), TypeError);
    const span = named('demo.Svc/m', SpanKind.CLIENT);
    assert.equal(span.attributes['error.type'], 'ERROR');
    assert.equal(span.status.message, 'ERROR: bug');
  });

  it('keeps the caller\'s own attachments next to the trace context', async () => {
    let seen: Record<string, unknown> = {};
    const chain = composeFilters([tracingFilter()], async (invocation) => {
      seen = invocation.attachments;
      return 'ok';
    });
    await chain(call({ tenant: 'acme' }));
    assert.equal(seen.tenant, 'acme');
    assert.match(String(seen.traceparent), /^00-/);
  });

  it('names the tracer getty-rpc unless told otherwise', async () => {
    await composeFilters([tracingFilter()], async () => 'ok')(call());
    await composeFilters([tracingFilter({ tracerName: 'shop' })], async () => 'ok')(call());
    assert.deepEqual(spans().map((span) => span.instrumentationScope.name), ['getty-rpc', 'shop']);
  });

  it('names the caller on the provider span from the address it came from (IPv4, IPv6, no port), or not at all', async () => {
    const cases: [string | undefined, Record<string, unknown>][] = [
      ['10.1.2.3:20880', { 'net.peer.name': '10.1.2.3', 'net.peer.port': 20880 }],
      ['[::1]:5000', { 'net.peer.name': '::1', 'net.peer.port': 5000 }],
      ['unix-peer', { 'net.peer.name': 'unix-peer' }],
      [undefined, {}],
    ];
    const chain = composeFilters([tracingFilter({ side: 'provider' })], async () => 'ok');
    for (const [remoteAddress, expected] of cases) {
      exporter.reset();
      const invocation = call();
      if (remoteAddress === undefined) await chain(invocation);
      else await RpcContext.runProvider({ attachments: {}, remoteAddress, localAddress: '127.0.0.1:1', timeoutMs: undefined }, () => chain(invocation));
      const peer = Object.fromEntries(Object.entries(named('demo.Svc/m', SpanKind.SERVER).attributes).filter(([key]) => key.startsWith('net.peer.')));
      assert.deepEqual(peer, expected, String(remoteAddress));
    }
  });

  it('starts a new trace when the context attachment is neither a string nor a list of strings', async () => {
    const chain = composeFilters([tracingFilter({ side: 'provider' })], async () => 'ok');
    const valid = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    for (const traceparent of [42, [42], { 0: valid }, { toString: () => valid }]) {
      exporter.reset();
      assert.equal(await chain(call({ traceparent })), 'ok');
      assert.equal(parentOf(named('demo.Svc/m', SpanKind.SERVER)), undefined, JSON.stringify(traceparent));
    }
  });

  it('lets a propagator that lists the carrier\'s keys see every attachment', async () => {
    const listed: string[][] = [];
    const lister: TextMapPropagator = {
      inject: () => undefined,
      extract: (ctx, carrier, getter) => {
        listed.push(getter.keys(carrier));
        return ctx;
      },
      fields: () => [],
    };
    propagation.disable();
    propagation.setGlobalPropagator(lister);
    try {
      await composeFilters([tracingFilter({ side: 'provider' })], async () => 'ok')(call({ a: '1', b: '2' }));
    } finally {
      propagation.disable();
      propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
    }
    assert.deepEqual(listed, [['a', 'b']]);
  });
});
