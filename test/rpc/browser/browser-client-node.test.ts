/**
 * The browser client's behaviour, run in Node with the `ws` package as its
 * WebSocket, against a real RpcServer({ transport: 'ws' }) and a scripted
 * peer. The same code runs in Chromium in browser-client.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { ErrorCode, isRpcError } from '../../../common/rpc-error.js';
import { BrowserRpcClient, type BrowserSocketClass } from '../../../rpc/browser/index.js';
import { createResponse } from '../../../rpc/protocol/dubbo-package.js';
import { DemoService, type DemoProvider, startDemoProvider } from '../rpc-fixture.js';
import { startScriptedPeer } from './browser-fixture.js';

const NodeWebSocket = WebSocket as unknown as BrowserSocketClass;

function clientFor(url: string, timeoutMs = 3000): BrowserRpcClient {
  return new BrowserRpcClient({ url, timeoutMs, sweepMs: 20, WebSocket: NodeWebSocket });
}

describe('BrowserRpcClient (Node, ws)', () => {
  let provider: DemoProvider;
  let url: string;
  before(async () => {
    provider = await startDemoProvider({ transport: 'ws', path: '/dubbo' });
    url = `ws://127.0.0.1:${provider.server.port}/dubbo`;
  });
  after(() => provider.server.stop({ graceMs: 0 }));

  it('calls a provider in hessian2 and json, many calls in flight on one socket', async () => {
    const client = clientFor(url);
    try {
      for (const serialization of ['hessian2', 'json']) {
        const demo = client.refer(DemoService, { version: '1.0.0', serialization });
        assert.equal(await demo.sayHello(serialization), `Hello ${serialization}`);
        const sums = await Promise.all(Array.from({ length: 50 }, (_, i) => demo.add(i, 1)));
        assert.deepEqual(sums, Array.from({ length: 50 }, (_, i) => i + 1));
        assert.equal(await demo.$echo('ping'), 'ping');
        assert.equal(await demo.$invoke('sayHello', ['java.lang.String'], ['generic']), 'Hello generic');
      }
    } finally {
      client.close();
    }
  });

  it('raises SERVICE_ERROR with the remote type and message, METHOD_NOT_FOUND for an unknown method', async () => {
    const client = clientFor(url);
    try {
      const demo = client.refer('org.apache.dubbo.demo.DemoService', { version: '1.0.0' });
      await assert.rejects(demo.fail!('boom'), (e) => {
        assert.ok(isRpcError(e, ErrorCode.SERVICE_ERROR));
        assert.equal(e.remoteType, 'java.lang.IllegalStateException');
        assert.match(e.message, /failed: boom/);
        return true;
      });
      await assert.rejects(demo.noSuchMethod!(1), (e) => isRpcError(e, ErrorCode.METHOD_NOT_FOUND));
      await assert.rejects(client.refer('no.Such', {}).x!(), (e) => isRpcError(e, ErrorCode.SERVICE_NOT_FOUND));
    } finally {
      client.close();
    }
  });

  it('times a call out with TIMEOUT from the sweep and keeps the socket for later calls', async () => {
    const client = clientFor(url);
    try {
      const demo = client.refer(DemoService, { version: '1.0.0', timeoutMs: 100 });
      await assert.rejects(demo.slow('late'), (e) => isRpcError(e, ErrorCode.TIMEOUT));
      provider.gate.release();
      assert.equal(await demo.add(2, 3), 5);
    } finally {
      client.close();
    }
  });

  it('fails pending calls with CLIENT_CLOSED on close() and refuses later calls; close() is idempotent', async () => {
    const client = clientFor(url);
    const demo = client.refer(DemoService, { version: '1.0.0' });
    assert.equal(await demo.add(1, 1), 2);
    const entered = provider.gate.entered;
    const pending = demo.slow('never');
    await until(() => provider.gate.entered > entered);
    client.close();
    client.close();
    await assert.rejects(pending, (e) => isRpcError(e, ErrorCode.CLIENT_CLOSED));
    await assert.rejects(demo.add(1, 1), (e) => isRpcError(e, ErrorCode.CLIENT_CLOSED));
    provider.gate.release();
  });

  it('rejects bad options with INVALID_ARGUMENT', () => {
    const bad = (options: object) => () => new BrowserRpcClient({ WebSocket: NodeWebSocket, url, ...options });
    assert.throws(bad({ url: 'http://127.0.0.1:1/' }), (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT));
    assert.throws(bad({ timeoutMs: 0 }), (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT));
    assert.throws(bad({ WebSocket: undefined }), (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT));
    assert.throws(() => clientFor(url).refer('x', { serialization: 'nope' }), (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT));
  });
});

describe('BrowserRpcClient against a scripted peer', () => {
  it('fails pending calls with NETWORK when the socket closes, and reconnects lazily on the next call', async () => {
    const peer = await startScriptedPeer((request, socket, codec) => {
      if (request.method === 'drop') socket.close();
      else socket.send(Buffer.concat(codec.write(null, createResponse({ id: request.id, serialization: request.serialization, value: 'ok' }))));
    });
    const client = clientFor(peer.url);
    try {
      const svc = client.refer('demo.Peer');
      await assert.rejects(svc.drop!(), (e) => isRpcError(e, ErrorCode.NETWORK));
      assert.equal(await svc.hello!(), 'ok');
      assert.equal(peer.accepted, 2);
    } finally {
      client.close();
      await peer.close();
    }
  });

  it('turns no promise, JSON or Object.prototype probe of a proxy into a call (the Node proxy traps)', async () => {
    const methods: string[] = [];
    const peer = await startScriptedPeer((request, socket, codec) => {
      methods.push(request.method);
      socket.send(Buffer.concat(codec.write(null, createResponse({ id: request.id, serialization: request.serialization, value: 'ok' }))));
    });
    const client = clientFor(peer.url);
    try {
      const svc = client.refer('demo.Peer') as unknown as Record<string, unknown>;
      assert.equal(JSON.stringify(svc), '{}');
      assert.equal(await svc, svc);
      for (const name of ['then', 'toJSON', 'toString', 'valueOf', 'hasOwnProperty', 'constructor', '__proto__']) assert.equal(svc[name], undefined, name);
      assert.equal(await (svc.hello as () => Promise<string>)(), 'ok');
      assert.deepEqual(methods, ['hello']);
    } finally {
      client.close();
      await peer.close();
    }
  });

  it('closes the socket and fails the call with BAD_PACKAGE on a frame with bad magic', async () => {
    const peer = await startScriptedPeer((_request, socket) => socket.send(Buffer.from('not a dubbo frame at all')));
    const client = clientFor(peer.url);
    try {
      await assert.rejects(client.refer('demo.Peer').x!(), (e) => isRpcError(e, ErrorCode.BAD_PACKAGE));
    } finally {
      client.close();
      await peer.close();
    }
  });

  it('fails the call with MSG_TOO_LONG when a header announces more than maxFrameLen', async () => {
    const peer = await startScriptedPeer((request, socket) => {
      const header = Buffer.alloc(16);
      header.writeUInt16BE(0xdabb, 0);
      header[2] = 2;
      header[3] = 20;
      header.writeUInt32BE(Number(request.id), 8);
      header.writeUInt32BE(1 << 20, 12);
      socket.send(header);
    });
    const client = new BrowserRpcClient({ url: peer.url, maxFrameLen: 1024, WebSocket: NodeWebSocket });
    try {
      await assert.rejects(client.refer('demo.Peer').x!(), (e) => isRpcError(e, ErrorCode.MSG_TOO_LONG));
    } finally {
      client.close();
      await peer.close();
    }
  });

  it('fails with NETWORK when nothing listens', async () => {
    const peer = await startScriptedPeer(() => {});
    await peer.close();
    const client = clientFor(peer.url);
    await assert.rejects(client.refer('demo.Peer').x!(), (e) => isRpcError(e, ErrorCode.NETWORK));
    client.close();
  });
});

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
