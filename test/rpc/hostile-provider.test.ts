/**
 * A provider under hostile peers: frames announcing 8 MiB bodies, a
 * connection pipelining 300 000 calls to a slow method, connections that
 * never read their replies, too many connections, a stalled TLS handshake,
 * WebSocket messages packing two frames and web pages of other origins.
 * Each ends in a typed error, a closed session or backpressure, with memory
 * bounded, and a well-behaved consumer is answered within 2 s meanwhile.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { ErrorCode, isRpcError } from '../../common/rpc-error.js';
import { RpcClient } from '../../rpc/client.js';
import { DubboCodec } from '../../rpc/protocol/dubbo-codec.js';
import { createRequest, type DubboPackage } from '../../rpc/protocol/dubbo-package.js';
import { RpcServer } from '../../rpc/server.js';
import { testCert } from '../transport/tls-fixture.js';
import { DemoService, type DemoProvider, startDemoProvider, until } from './rpc-fixture.js';

const MiB = 1024 * 1024;
const codec = new DubboCodec();

function requestFrame(id: number, method: string, arg: string): Buffer {
  const request = createRequest({
    id,
    path: DemoService.name,
    version: '1.0.0',
    method,
    parameterTypes: ['java.lang.String'],
    args: [arg],
  });
  return Buffer.concat(codec.write(null, request));
}

async function connect(port: number): Promise<net.Socket> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  await once(socket, 'connect');
  return socket;
}

/** Writes `batch` up to `times` times, waiting for drain: the flooder's own memory stays bounded. */
async function flood(socket: net.Socket, batch: Buffer, times: number): Promise<void> {
  for (let i = 0; i < times && !socket.destroyed; i++) {
    if (!socket.write(batch)) {
      await new Promise<void>((resolve) => {
        socket.once('drain', resolve);
        socket.once('close', resolve);
      });
    }
  }
}

describe('hostile peers against an RpcServer', () => {
  let client: RpcClient;
  before(() => {
    client = new RpcClient();
  });
  after(() => client.close());

  /** One sayHello from a well-behaved consumer; resolves with the elapsed ms. */
  async function goodCall(provider: DemoProvider): Promise<number> {
    const demo = client.refer(DemoService, { url: provider.url, version: '1.0.0', timeoutMs: 5000 });
    const started = Date.now();
    assert.equal(await demo.sayHello('good'), 'Hello good');
    return Date.now() - started;
  }

  it('100 headers announcing 8 MiB bodies cost what was sent; a good consumer is answered within 2 s', async (t) => {
    const provider = await startDemoProvider();
    t.after(() => provider.server.stop({ graceMs: 0 }));
    const header = requestFrame(1, 'sayHello', 'x').subarray(0, 16);
    header.writeUInt32BE(8 * MiB - 16, 12);
    const before = process.memoryUsage().arrayBuffers;
    const peers: net.Socket[] = [];
    for (let i = 0; i < 100; i++) {
      const peer = await connect(provider.server.port);
      t.after(() => peer.destroy());
      peer.write(header);
      peers.push(peer);
    }
    await until(() => provider.server.stats().open >= 100, 'the headers arrived', 10_000);
    await new Promise((resolve) => setImmediate(resolve));
    const grown = process.memoryUsage().arrayBuffers - before;
    assert.ok(grown < 32 * MiB, `buffers grew by ${(grown / MiB).toFixed(1)} MiB (announced: 800 MiB)`);
    const elapsed = await goodCall(provider);
    assert.ok(elapsed < 2000, `answered in ${elapsed} ms`);
  });

  it('one connection pipelining 300 000 slow calls is paused at maxInflightPerSession; memory stays bounded', async (t) => {
    const provider = await startDemoProvider();
    t.after(() => provider.server.stop({ graceMs: 0 }));
    const frame = requestFrame(7, 'slow', 'flood');
    const batch = Buffer.concat(Array.from({ length: 250 }, () => frame));
    const rssBefore = process.memoryUsage().rss;
    const attacker = await connect(provider.server.port);
    t.after(() => attacker.destroy());
    attacker.on('data', () => {});
    const flooding = flood(attacker, batch, 300_000 / 250);
    await until(() => provider.server.activeCalls === 1000, 'the cap reached', 10_000);
    await until(() => attacker.writableLength > 0, 'the attacker blocked by TCP backpressure', 10_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(provider.server.activeCalls, 1000, 'no call past the cap was read');
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    assert.ok(rssGrowth < 200 * MiB, `rss grew by ${(rssGrowth / MiB).toFixed(0)} MiB`);
    const elapsed = await goodCall(provider);
    assert.ok(elapsed < 2000, `answered in ${elapsed} ms`);
    // Calls finishing let the connection be read again.
    const taken = provider.gate.entered;
    provider.gate.release();
    await until(() => provider.gate.entered > taken, 'reading resumed', 10_000);
    attacker.destroy();
    await flooding;
  });

  it('8 connections that never read are dropped at maxServerWriteBufferBytes, counted; a good consumer is served', async (t) => {
    const provider = await startDemoProvider({ maxServerWriteBufferBytes: 16 * MiB });
    t.after(() => provider.server.stop({ graceMs: 0 }));
    const frame = requestFrame(9, 'sayHello', 'y'.repeat(32 * 1024));
    const batch = Buffer.concat(Array.from({ length: 16 }, () => frame));
    const rssBefore = process.memoryUsage().rss;
    const lazy: net.Socket[] = [];
    const floods: Promise<void>[] = [];
    for (let i = 0; i < 8; i++) {
      const peer = await connect(provider.server.port);
      peer.pause(); // never reads a reply
      t.after(() => peer.destroy());
      lazy.push(peer);
      floods.push(flood(peer, batch, 200)); // asks for 100 MiB of replies
    }
    await until(() => lazy.every((p) => p.closed), 'every lazy connection dropped', 30_000);
    await Promise.all(floods);
    const stats = provider.server.stats();
    assert.equal(stats.dropped.WRITE_BUFFER_FULL, 8);
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    assert.ok(rssGrowth < 250 * MiB, `rss grew by ${(rssGrowth / MiB).toFixed(0)} MiB`);
    const elapsed = await goodCall(provider);
    assert.ok(elapsed < 2000, `answered in ${elapsed} ms`);
  });

  it('refuses connections past maxConnections and counts them', async (t) => {
    const provider = await startDemoProvider({ maxConnections: 2 });
    t.after(() => provider.server.stop({ graceMs: 0 }));
    const peers = [await connect(provider.server.port), await connect(provider.server.port), await connect(provider.server.port)];
    for (const peer of peers) t.after(() => peer.destroy());
    await until(() => peers[2]!.closed, 'the third connection refused');
    assert.equal(provider.server.stats().refused.maxConnections, 1);
    assert.equal(provider.server.stats().open, 2);
  });

  it('stop({ graceMs }) of a TLS provider finishes within its grace while one client stalls in its handshake and one never reads', async (t) => {
    const { key, cert } = await testCert();
    const provider = await startDemoProvider({ tls: { key, cert } });
    const stalled = await connect(provider.server.port);
    t.after(() => stalled.destroy());
    stalled.write(Buffer.from('1603010100010000fc0303', 'hex')); // a ClientHello that never ends
    const lazy = tls.connect({ host: '127.0.0.1', port: provider.server.port, ca: cert, servername: 'localhost' });
    t.after(() => lazy.destroy());
    lazy.on('error', () => {});
    await once(lazy, 'secureConnect');
    lazy.pause(); // asks for 16 MiB of replies and never reads them
    const big = requestFrame(3, 'sayHello', 'z'.repeat(256 * 1024));
    for (let i = 0; i < 64; i++) lazy.write(big);
    await until(() => provider.server.stats().bufferedBytes > 4 * MiB, 'replies piling up for the lazy client', 10_000);
    const started = Date.now();
    await provider.server.stop({ graceMs: 1000 });
    const took = Date.now() - started;
    assert.ok(took < 1800, `stop took ${took} ms`);
  });

  it('a ws provider answers both frames of one message and refuses pages of other origins', async (t) => {
    const provider = await startDemoProvider({ transport: 'ws', path: '/dubbo', allowedOrigins: ['https://app.example.com'] });
    t.after(() => provider.server.stop({ graceMs: 0 }));
    const url = `ws://127.0.0.1:${provider.server.port}/dubbo`;
    const evil = new WebSocket(url, { origin: 'https://evil.example.com' });
    evil.on('error', () => {});
    const [, res] = (await once(evil, 'unexpected-response')) as [unknown, { statusCode: number }];
    evil.terminate();
    assert.equal(res.statusCode, 403);
    assert.equal(provider.server.stats().refused.origin, 1);

    const page = new WebSocket(url, { origin: 'https://app.example.com' });
    t.after(() => page.terminate());
    await once(page, 'open');
    const replies: DubboPackage[] = [];
    page.on('message', (data: Buffer) => {
      replies.push(codec.read(null, data).pkg!);
    });
    page.send(Buffer.concat([requestFrame(1, 'sayHello', 'one'), requestFrame(2, 'sayHello', 'two')]));
    await until(() => replies.length === 2, 'both frames answered');
    const values = replies.map((r) => (r.kind === 'response' ? r.value : undefined)).sort();
    assert.deepEqual(values, ['Hello one', 'Hello two']);
  });

  it('validates the limits once, with INVALID_ARGUMENT', () => {
    const invalid = (err: unknown) => isRpcError(err, ErrorCode.INVALID_ARGUMENT);
    assert.throws(() => new RpcServer({ maxInflightPerSession: 0 }), invalid);
    assert.throws(() => new RpcServer({ maxServerWriteBufferBytes: -1 }), invalid);
    assert.throws(() => new RpcServer({ maxConnections: 1.5 }), invalid);
    assert.throws(() => new RpcServer({ handshakeTimeoutMs: 0 }), invalid);
    assert.throws(() => new RpcServer({ allowedOrigins: 'https://x' as never }), invalid);
  });
});
