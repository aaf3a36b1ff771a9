/**
 * The `logger` option and the getty-rpc:* diagnostics channels, observed
 * from outside: a real ZooKeeper that goes down and comes back, real calls
 * and sessions on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import { after, before, describe, it } from 'node:test';
import type { Logger } from '../../common/diagnostics.js';
import { ErrorCode, isRpcError } from '../../common/rpc-error.js';
import { RpcClient } from '../../rpc/consumer/rpc-client.js';
import type { Invocation } from '../../rpc/invocation.js';
import { RpcServer } from '../../rpc/provider/rpc-server.js';
import { defineService } from '../../rpc/service.js';
import { startServer, type TestServer } from '../registry/helpers/servers.js';
import { DemoService, startDemoProvider, until } from './rpc-fixture.js';

/** A logger that keeps every line, as pino or console would print it. */
function recordingLogger() {
  const lines: Array<{ level: keyof Logger; fields: object; message: string }> = [];
  const at = (level: keyof Logger) => (fields: object, message: string) => lines.push({ level, fields, message });
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

/** Records what a channel publishes while subscribed. */
function record(name: string) {
  const messages: unknown[] = [];
  const onMessage = (message: unknown) => messages.push(message);
  diagnosticsChannel.subscribe(name, onMessage);
  return { messages, stop: () => diagnosticsChannel.unsubscribe(name, onMessage) };
}

describe('a registry outage', () => {
  let zk: TestServer;

  before(async () => {
    zk = await startServer('zookeeper');
  });
  after(async () => {
    await zk?.dispose();
  });

  it("reaches the server's logger and the registry:outage channel, and so does the recovery", async () => {
    const { lines, logger } = recordingLogger();
    const outages = record('getty-rpc:registry:outage');
    const Hello = defineService('org.example.log.Hello', { hi: { params: [] } });
    const server = new RpcServer({ port: 0, registry: `zookeeper://${zk.address}?timeout=2s`, logger });
    server.addService(Hello, { hi: () => 'hi' });
    try {
      await server.start();
      assert.deepEqual(lines.filter((line) => line.level === 'warn'), []);
      await zk.stop();
      await until(() => lines.some((line) => line.level === 'warn'), 'the outage warning', 20_000);
      const warning = lines.find((line) => line.level === 'warn')!;
      assert.match(warning.message, new RegExp(`registry zookeeper://${zk.address}.* unreachable`));
      assert.deepEqual(Object.keys(warning.fields).sort(), ['reason', 'registry']);
      await zk.start();
      await until(() => lines.some((line) => line.level === 'info' && /reachable again/.test(line.message)), 'the recovery', 30_000);
      assert.deepEqual(
        outages.messages.map((message) => (message as { state: string }).state),
        ['down', 'up'],
      );
    } finally {
      outages.stop();
      await server.stop({ graceMs: 0 });
    }
  });
});

describe('a dropped provider connection', () => {
  it("is told to the client's logger at info, and not when the client itself closes", async () => {
    const provider = await startDemoProvider();
    const { lines, logger } = recordingLogger();
    const client = new RpcClient({ logger });
    try {
      const demo = client.refer(DemoService, { url: provider.url, version: '1.0.0' });
      assert.equal(await demo.sayHello('before'), 'Hello before');
      await provider.server.stop({ graceMs: 0 });
      await until(() => lines.some((line) => line.level === 'info'), 'the dropped connection to be told');
      assert.match(lines.find((line) => line.level === 'info')!.message, new RegExp(`connection to provider 127\\.0\\.0\\.1:${provider.server.port} closed`));
    } finally {
      await client.close({ graceMs: 0 });
      await provider.server.stop({ graceMs: 0 });
    }
    assert.equal(lines.filter((line) => line.level === 'info').length, 1);
  });
});

describe('the getty-rpc:* channels', () => {
  let provider: Awaited<ReturnType<typeof startDemoProvider>>;
  let client: RpcClient;

  before(async () => {
    provider = await startDemoProvider();
    client = new RpcClient();
  });
  after(async () => {
    await client.close({ graceMs: 0 });
    await provider.server.stop({ graceMs: 0 });
  });

  it('publish the start and end or error of every call, on each side, while subscribed, and nothing after', async () => {
    const starts = record('getty-rpc:call:start');
    const ends = record('getty-rpc:call:end');
    const errors = record('getty-rpc:call:error');
    const demo = client.refer(DemoService, { url: provider.url, version: '1.0.0', retries: 0 });
    assert.equal(await demo.sayHello('traced'), 'Hello traced');
    await assert.rejects(demo.fail('traced'), (e) => isRpcError(e, ErrorCode.SERVICE_ERROR));
    starts.stop();
    ends.stop();
    errors.stop();
    await demo.sayHello('untraced');
    type Message = { side: string; invocation: Invocation; durationMs: number; result?: unknown; error?: unknown };
    const on = (messages: unknown[], side: string) => (messages as Message[]).filter((message) => message.side === side);
    for (const side of ['consumer', 'provider']) {
      assert.deepEqual(
        on(starts.messages, side).map((message) => message.invocation.methodName),
        ['sayHello', 'fail'],
        `${side} starts`,
      );
      const sideEnds = on(ends.messages, side);
      assert.equal(sideEnds.length, 1, `${side} ends`);
      assert.equal(sideEnds[0]!.result, 'Hello traced');
      assert.ok(sideEnds[0]!.durationMs >= 0);
      assert.equal(on(errors.messages, side).length, 1, `${side} errors`);
    }
    assert.ok(isRpcError(on(errors.messages, 'consumer')[0]!.error, ErrorCode.SERVICE_ERROR));
    assert.ok(on(errors.messages, 'provider')[0]!.error !== undefined, 'the provider publishes what the method threw');
    assert.equal(starts.messages.length, 4, 'nothing published after unsubscribing');
  });

  it('publish sessions opening and closing on both sides', async () => {
    const opened = record('getty-rpc:session:open');
    const closed = record('getty-rpc:session:close');
    const own = new RpcClient();
    try {
      await own.refer(DemoService, { url: provider.url, version: '1.0.0' }).sayHello('session');
      await own.close();
      await until(() => closed.messages.length === 2, 'both ends to report the close');
      const sides = (messages: unknown[]) => messages.map((message) => (message as { side: string }).side).sort();
      assert.deepEqual(sides(opened.messages), ['consumer', 'provider']);
      assert.deepEqual(sides(closed.messages), ['consumer', 'provider']);
    } finally {
      opened.stop();
      closed.stop();
      await own.close();
    }
  });
});
