import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../../common/rpc-error.js';
import { RpcClient } from '../../../rpc/consumer/rpc-client.js';
import { withCallOptions } from '../../../rpc/consumer/proxy.js';
import { RpcContext } from '../../../rpc/context.js';
import { RpcServer } from '../../../rpc/provider/rpc-server.js';
import { defineService } from '../../../rpc/service.js';
import { createTaskPool } from '../../../transport/task-pool.js';
import { testCert } from '../../transport/tls-fixture.js';
import { createRequest, type DubboResponse } from '../../../rpc/protocol/dubbo-package.js';
import { DemoService, RawDubboSocket, startDemoProvider } from '../rpc-fixture.js';

/** A TCP server that accepts and never answers: a hung provider. */
async function silentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { port, close };
}

describe('provider connections', () => {
  it('closes a session to a silent provider after three heartbeat failures and fails its calls with NETWORK', async () => {
    const silent = await silentServer();
    const periodMs = 60;
    const client = new RpcClient({ heartbeatPeriodMs: periodMs, heartbeatTimeoutMs: 30, timeoutMs: 60_000 });
    try {
      const demo = client.refer(DemoService, { url: `dubbo://127.0.0.1:${silent.port}`, version: '1.0.0', retries: 0 });
      const started = performance.now();
      await assert.rejects(demo.sayHello('anyone?'), (e) => isRpcError(e, ErrorCode.NETWORK));
      const elapsed = performance.now() - started;
      // The third heartbeat leaves at 3 periods; one or two failures must not close the session.
      assert.ok(elapsed >= 3 * periodMs, `closed after ${elapsed.toFixed(0)} ms, before the third heartbeat`);
      assert.ok(elapsed < 5000, `closed after ${elapsed.toFixed(0)} ms`);
      assert.equal(client.pendingCalls, 0);
    } finally {
      await client.close();
      await silent.close();
    }
  });

  it('closes a server session that stays silent past sessionTimeoutMs, and not before', async () => {
    const sessionTimeoutMs = 200;
    const provider = await startDemoProvider({ sessionTimeoutMs });
    try {
      const raw = await RawDubboSocket.connect(provider.server.port);
      const connected = performance.now();
      const bound = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('silent session still open after 3 s')), 3000).unref());
      await Promise.race([raw.closed, bound]);
      const elapsed = performance.now() - connected;
      // Idle checks run on the 10 ms timer wheel, so allow a tick or two early.
      assert.ok(elapsed >= sessionTimeoutMs - 20, `closed after ${elapsed.toFixed(0)} ms of silence`);
    } finally {
      await provider.server.stop({ graceMs: 0 });
    }
  });

  it('keeps a busy server session open across many idle checks', async () => {
    const provider = await startDemoProvider({ sessionTimeoutMs: 200 });
    const raw = await RawDubboSocket.connect(provider.server.port);
    try {
      // 1.2 s of calls every 40 ms: six idle checks, none of which may find this session idle.
      for (let id = 2; id <= 60; id += 2) {
        raw.send(createRequest({ id, path: DemoService.name, version: '1.0.0', method: 'sayHello', parameterTypes: ['java.lang.String'], args: [`#${id}`] }));
        const response = (await raw.next()) as DubboResponse;
        assert.equal(response.value, `Hello #${id}`);
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
      assert.equal(raw.socket.destroyed, false);
    } finally {
      raw.close();
      await provider.server.stop({ graceMs: 0 });
    }
  });

  it('reconnects lazily when the provider comes back on the same port', async () => {
    const first = await startDemoProvider();
    const port = first.server.port;
    const client = new RpcClient();
    try {
      const demo = client.refer(DemoService, { url: first.url, version: '1.0.0', retries: 0 });
      assert.equal(await demo.sayHello('one'), 'Hello one');
      await first.server.stop({ graceMs: 0 });
      await assert.rejects(withCallOptions(demo, { timeoutMs: 1000 }).sayHello('gone'), (e) => isRpcError(e, ErrorCode.NETWORK));
      const second = await startDemoProvider({ port });
      try {
        assert.equal(await demo.sayHello('two'), 'Hello two');
      } finally {
        await second.server.stop({ graceMs: 0 });
      }
    } finally {
      await client.close();
    }
  });

  it('handles calls on a bounded transport task pool', async () => {
    const taskPool = createTaskPool({ size: 4, queues: 2, queueLength: 16 });
    const provider = await startDemoProvider({ taskPool });
    const client = new RpcClient();
    try {
      const demo = client.refer(DemoService, { url: provider.url, version: '1.0.0' });
      const sums = await Promise.all(Array.from({ length: 500 }, (_, i) => demo.add(i, 1)));
      assert.deepEqual(sums, Array.from({ length: 500 }, (_, i) => i + 1));
    } finally {
      await client.close();
      await provider.server.stop({ graceMs: 0 });
      await taskPool.close();
    }
  });

  it('calls over TLS', async () => {
    const { key, cert } = await testCert();
    const provider = await startDemoProvider({ tls: { key, cert } });
    const client = new RpcClient({ tls: { ca: cert, servername: 'localhost' } });
    try {
      const demo = client.refer(DemoService, { url: provider.url, version: '1.0.0' });
      assert.equal(await demo.sayHello('tls'), 'Hello tls');
    } finally {
      await client.close();
      await provider.server.stop({ graceMs: 0 });
    }
  });

  it('shares one connection between references to the same address', async () => {
    const remotes = new Set<string>();
    const Who = defineService('test.Who', { ping: { params: [], returns: 'java.lang.String' } });
    const server = new RpcServer({ port: 0 });
    const impl = {
      ping: () => {
        remotes.add(RpcContext.current()!.remoteAddress!);
        return 'pong';
      },
    };
    server.addService(Who, impl, { version: '1' }).addService(Who, impl, { version: '2' });
    await server.start();
    const client = new RpcClient();
    try {
      const url = `dubbo://127.0.0.1:${server.port}`;
      const refs = [client.refer(Who, { url, version: '1' }), client.refer(Who, { url, version: '2' }), client.refer(Who, { url, version: '1' })];
      assert.deepEqual(await Promise.all(refs.map((ref) => ref.ping())), ['pong', 'pong', 'pong']);
      assert.equal(remotes.size, 1);
    } finally {
      await client.close();
      await server.stop({ graceMs: 0 });
    }
  });
});
