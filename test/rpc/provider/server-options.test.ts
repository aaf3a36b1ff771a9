import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../../common/rpc-error.js';
import { RpcClient } from '../../../rpc/consumer/rpc-client.js';
import { type RpcServerOptions, RpcServer } from '../../../rpc/provider/rpc-server.js';
import { defineService } from '../../../rpc/service.js';
import { DemoService, startDemoProvider, until } from '../rpc-fixture.js';

const Plain = defineService('org.example.Plain', { who: { params: [], returns: 'java.lang.String' } });

/** Asserts that `options` are refused with INVALID_ARGUMENT and exactly `message`. */
function refused(options: RpcServerOptions, message: string): void {
  assert.throws(
    () => new RpcServer(options),
    (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT) && e.message === message,
    JSON.stringify(options),
  );
}

describe('RpcServer options', () => {
  it('refuses bad values once, naming the option, its unit bound and the value', () => {
    refused({ port: -1 }, 'RpcServer: bad port -1');
    refused({ port: 65536 }, 'RpcServer: bad port 65536');
    refused({ port: 1.5 }, 'RpcServer: bad port 1.5');
    refused({ transport: 'udp' as never }, 'RpcServer: unknown transport udp');
    refused({ sessionTimeoutMs: 0 }, 'RpcServer: sessionTimeoutMs must be > 0');
    refused({ sessionTimeoutMs: Number.NaN }, 'RpcServer: sessionTimeoutMs must be > 0');
    refused({ maxInflightPerSession: 0 }, 'RpcServer: maxInflightPerSession must be an integer >= 1, got 0');
    refused({ maxInflightPerSession: 2.5 }, 'RpcServer: maxInflightPerSession must be an integer >= 1, got 2.5');
    refused({ maxWriteBufferBytes: 0 }, 'RpcServer: maxWriteBufferBytes must be an integer >= 1, got 0');
    refused({ maxServerWriteBufferBytes: 0 }, 'RpcServer: maxServerWriteBufferBytes must be an integer >= 1, got 0');
    refused({ maxConnections: -1 }, 'RpcServer: maxConnections must be an integer >= 0, got -1');
    refused({ handshakeTimeoutMs: 0 }, 'RpcServer: handshakeTimeoutMs must be an integer >= 1, got 0');
    refused({ allowedOrigins: 'https://a.example' as never }, 'RpcServer: allowedOrigins must be an array of origin strings');
    refused({ allowedOrigins: ['https://a.example', 3 as never] }, 'RpcServer: allowedOrigins must be an array of origin strings');
  });

  it('accepts the edge values', () => {
    for (const options of [
      { port: 0 },
      { port: 65535 },
      { transport: 'ws' as const },
      { sessionTimeoutMs: 1 },
      { maxInflightPerSession: 1 },
      { maxConnections: 0 },
      { handshakeTimeoutMs: 1 },
      { allowedOrigins: ['https://a.example'] },
    ]) {
      new RpcServer(options);
    }
  });

  it('has the documented defaults: 127.0.0.1, port 20880, application getty-rpc-provider', () => {
    const server = new RpcServer();
    assert.equal(server.host, '127.0.0.1');
    assert.equal(server.port, 20880, 'the port before start()');
    server.addService(Plain, { who: () => 'x' });
    const [url] = server.serviceUrls();
    assert.equal(url!.host, '127.0.0.1');
    assert.equal(url!.params.application, 'getty-rpc-provider');
    assert.deepEqual(server.stats(), {
      accepted: 0,
      open: 0,
      refused: { maxConnections: 0, handshake: 0, origin: 0, newSession: 0, selfConnect: 0, closing: 0 },
      dropped: {},
      bufferedBytes: 0,
    });
  });

  it('advertises the host it listens on unless told another', () => {
    const local = new RpcServer({ host: 'localhost', application: 'shop' }).addService(Plain, { who: () => 'x' });
    assert.equal(local.serviceUrls()[0]!.host, 'localhost');
    assert.equal(local.serviceUrls()[0]!.params.application, 'shop');
    const told = new RpcServer({ advertiseHost: '10.1.2.3' }).addService(Plain, { who: () => 'x' });
    assert.equal(told.serviceUrls()[0]!.host, '10.1.2.3');
  });

  it('publishes the sorted own and inherited methods of an inferred service, without constructor or fields', () => {
    class Base {
      inherited() {
        return 'b';
      }
    }
    class Impl extends Base {
      field = 1;
      zeta() {
        return 'z';
      }
      alpha() {
        return 'a';
      }
    }
    const server = new RpcServer().addService(defineService('org.example.Inferred'), new Impl() as never);
    assert.equal(server.serviceUrls()[0]!.params.methods, 'alpha,inherited,zeta');
  });

  it('publishes transport=ws in the provider URL of a ws server, and no transport for tcp', () => {
    const ws = new RpcServer({ transport: 'ws' }).addService(Plain, { who: () => 'x' });
    assert.equal(ws.serviceUrls()[0]!.params.transport, 'ws');
    const tcp = new RpcServer().addService(Plain, { who: () => 'x' });
    assert.equal(tcp.serviceUrls()[0]!.params.transport, undefined);
  });
});

describe('RpcServer.addService', () => {
  it('refuses the same interface, group and version twice, naming the key', () => {
    const server = new RpcServer({ port: 0 });
    server.addService(Plain, { who: () => 'x' }, { version: '1.0.0', group: 'g' });
    server.addService(Plain, { who: () => 'x' }, { version: '1.0.1', group: 'g' });
    assert.throws(
      () => server.addService(Plain, { who: () => 'y' }, { version: '1.0.0', group: 'g' }),
      (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT) && e.message === 'service g/org.example.Plain:1.0.0 added twice',
    );
  });
});

describe('RpcServer start() and stop()', () => {
  it('refuses a second start(), and a start() after stop()', async () => {
    const server = new RpcServer({ port: 0 });
    await server.start();
    assert.notEqual(server.port, 0, 'the bound port');
    await assert.rejects(server.start(), (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT) && e.message === 'server already started');
    await server.stop({ graceMs: 0 });
    await assert.rejects(server.start(), (e) => isRpcError(e, ErrorCode.SERVER_SHUTTING_DOWN) && e.message === 'server was stopped');
  });

  it('has released its port and closed its connections when stop() resolves', async () => {
    const provider = await startDemoProvider();
    const client = new RpcClient();
    const demo = client.refer(DemoService, { url: provider.url, version: '1.0.0' });
    assert.equal(await demo.sayHello('a'), 'Hello a');
    await provider.server.stop({ graceMs: 0 });
    assert.equal(provider.server.stats().open, 0, 'no session left open');
    const again = net.createServer();
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.listen(provider.server.port, '127.0.0.1', () => resolve());
    });
    await new Promise((resolve) => again.close(resolve));
    await client.close();
  });

  it('stops a server that never started, which then refuses to start', async () => {
    const server = new RpcServer({ port: 0 });
    await server.stop();
    assert.equal(server.closing, true);
    await assert.rejects(server.start(), (e) => isRpcError(e, ErrorCode.SERVER_SHUTTING_DOWN) && e.message === 'server was stopped');
    assert.equal(server.port, 0, 'nothing was bound');
  });

  it('stop() without options waits for the call in flight (default grace), and refuses new calls saying why', async () => {
    const provider = await startDemoProvider();
    const client = new RpcClient();
    try {
      const demo = client.refer(DemoService, { url: provider.url, version: '1.0.0', retries: 0 });
      const slow = demo.slow('a');
      await until(() => provider.gate.entered === 1, 'the slow call to start');
      const stopped = provider.server.stop();
      await until(() => provider.server.closing, 'the stop to begin');
      await assert.rejects(
        demo.sayHello('late'),
        (e) => isRpcError(e, ErrorCode.SERVER_SHUTTING_DOWN) && e.message.includes('server is shutting down; call another provider'),
      );
      provider.gate.release();
      assert.equal(await slow, 'slow a');
      await stopped;
    } finally {
      await client.close();
      await provider.server.stop({ graceMs: 0 });
    }
  });
});
