import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError, type RpcError } from '../../common/rpc-error.js';
import { CompressType } from '../../transport/compress-type.js';
import type { ReadWriter, Session } from '../../transport/session-contract.js';
import { createWsClient } from '../../transport/ws-client.js';
import { createWsServer, type WsServerOptions } from '../../transport/ws-server.js';
import { deferred, waitFor, within } from './helpers.js';
import { connectTcp, upgradeWs } from './raw-peers.js';
import { testCert } from './tls-fixture.js';
import { openPeer, peerClosed, serveWs } from './ws-fixture.js';

async function echoWsServer(options: WsServerOptions = {}) {
  const sessions: Session<Buffer>[] = [];
  const server = createWsServer<Buffer>({ port: 0, path: '/echo', ...options });
  await server.runEventLoop((s) => {
    s.setEventListener({
      onOpen: (x) => void sessions.push(x),
      onMessage: (x, pkg) => void x.writeBytes(pkg),
    });
  });
  return { server, sessions };
}

/** A client whose one session collects `count` messages. */
function collecting(count: number) {
  const got: string[] = [];
  const done = deferred<string[]>();
  const configure = (s: Session<Buffer>) => {
    s.setEventListener({
      onMessage: (_s, pkg) => {
        got.push(pkg.toString());
        if (got.length === count) done.resolve(got);
      },
    });
  };
  return { configure, done: done.promise };
}

describe('WebSocket sessions', () => {
  it('echoes through a ws:// client in order', async () => {
    const { server } = await echoWsServer();
    const { configure, done } = collecting(1000);
    const client = createWsClient<Buffer>({ url: server.url });
    await client.runEventLoop(configure);
    const [session] = client.sessions;
    assert.equal(session!.kind, 'ws');
    assert.equal(session!.name, 'ws-session');
    for (let i = 0; i < 1000; i++) session!.writeBytes(Buffer.from(`w${i}`));
    assert.deepEqual(await within(done, 10_000, 'echo'), Array.from({ length: 1000 }, (_, i) => `w${i}`));
    await client.close();
    await server.close();
  });

  it('echoes through wss:// with a certificate generated for the test', async () => {
    const cert = await testCert();
    const { server } = await echoWsServer({ tls: cert });
    assert.match(server.url, /^wss:\/\//);
    const { configure, done } = collecting(10);
    const client = createWsClient<Buffer>({ url: server.url, tls: { ca: cert.cert } });
    await client.runEventLoop(configure);
    const [session] = client.sessions;
    assert.equal(session!.kind, 'wss');
    assert.equal(session!.name, 'wss-session');
    for (let i = 0; i < 10; i++) session!.writeBytes(Buffer.from(`s${i}`));
    assert.equal((await within(done, 10_000, 'echo')).length, 10);
    await client.close();
    await server.close();
  });

  it('refuses a wss:// peer whose certificate it does not trust', async () => {
    const cert = await testCert();
    const { server } = await echoWsServer({ tls: cert });
    const failures: RpcError[] = [];
    const client = createWsClient<Buffer>({ url: server.url, maxReconnectAttempts: 1, onConnectError: (e) => void failures.push(e) });
    await client.runEventLoop(() => {});
    assert.equal(client.sessions.length, 0);
    assert.ok(isRpcError(failures[0], ErrorCode.CONNECT_FAILED));
    await client.close();
    await server.close();
  });

  it('compresses with permessage-deflate when both sides offer it', async () => {
    const { server, sessions } = await echoWsServer({ perMessageDeflate: true });
    const { configure, done } = collecting(1);
    const client = createWsClient<Buffer>({ url: server.url, perMessageDeflate: true });
    await client.runEventLoop((s) => {
      configure(s);
      s.setCompressType(CompressType.BestSpeed);
    });
    const big = Buffer.alloc(200_000, 'a');
    client.sessions[0]!.writeBytes(big);
    const [echo] = await within(done, 10_000, 'echo');
    assert.equal(echo!.length, big.length);
    await waitFor(() => sessions.length === 1, 5000, 'server session');
    assert.ok(sessions[0]!.stats.bytesIn === big.length, 'stats count plain bytes');
    assert.throws(() => client.sessions[0]!.setCompressType(CompressType.Snappy), (err) => isRpcError(err, ErrorCode.INVALID_ARGUMENT));
    await client.close();
    await server.close();
  });

  it('reports and skips a message over maxMsgLen, keeping the session', async () => {
    const errors: RpcError[] = [];
    const server = createWsServer<Buffer>({ port: 0 });
    await server.runEventLoop((s) => {
      s.setMaxMsgLen(100).setEventListener({
        onMessage: (x, pkg) => void x.writeBytes(pkg),
        onError: (_x, err) => void errors.push(err),
      });
    });
    const { configure, done } = collecting(1);
    const client = createWsClient<Buffer>({ url: server.url });
    await client.runEventLoop(configure);
    client.sessions[0]!.writeBytes(Buffer.alloc(500));
    client.sessions[0]!.writeBytes(Buffer.from('small'));
    assert.deepEqual(await within(done, 5000, 'small echo'), ['small']);
    assert.equal(errors.length, 1);
    assert.ok(isRpcError(errors[0], ErrorCode.MSG_TOO_LONG));
    await client.close();
    await server.close();
  });

  it('refuses an upgrade on another path and keeps connectionNumber sessions on the right one', async () => {
    const { server, sessions } = await echoWsServer();
    const failures: RpcError[] = [];
    const wrong = createWsClient({ url: `ws://127.0.0.1:${server.address.port}/nope`, maxReconnectAttempts: 1, onConnectError: (e) => void failures.push(e) });
    await wrong.runEventLoop(() => {});
    assert.equal(wrong.sessions.length, 0);
    assert.equal(failures.length, 1);
    const client = createWsClient<Buffer>({ url: server.url, connectionNumber: 3 });
    await client.runEventLoop(() => {});
    assert.equal(client.sessions.length, 3);
    await waitFor(() => sessions.length === 3, 5000, 'server sessions');
    await wrong.close();
    await client.close();
    await server.close();
  });

  it('sends a ping on every cron tick and the peer counts it as activity', async () => {
    const { server, sessions } = await echoWsServer();
    const crons = deferred();
    let ticks = 0;
    const client = createWsClient<Buffer>({ url: server.url });
    await client.runEventLoop((s) => {
      s.setCronPeriod(20).setEventListener({
        onCron: () => {
          if (++ticks === 3) crons.resolve();
        },
      });
    });
    await waitFor(() => sessions.length === 1, 5000, 'server session');
    const before = sessions[0]!.lastActive;
    await within(crons.promise, 5000, 'three cron ticks');
    await waitFor(() => sessions[0]!.lastActive > before, 5000, 'ping seen by the server');
    await client.close();
    await server.close();
  });
});

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Writes 4 MiB per event-loop turn to a peer that reads nothing, until the
 * socket still holds bytes after a turn's flush; returns the bytes written.
 */
async function fillSocket(session: Session<Buffer>): Promise<number> {
  const chunk = Buffer.alloc(1024 * 1024);
  let written = 0;
  while (session.bufferedBytes === 0) {
    for (let i = 0; i < 4; i++) session.writeBytes(chunk);
    written += 4 * chunk.length;
    await nextTurn();
  }
  return written;
}

describe('WebSocket session settings', () => {
  it('refuses snappy when newSession asks for it', async (t) => {
    const thrown: unknown[] = [];
    const { server, session } = await serveWs({
      configure: (s) => {
        try {
          s.setCompressType(CompressType.Snappy);
        } catch (err) {
          thrown.push(err);
        }
      },
    });
    t.after(() => server.close());
    const peer = await openPeer(server.url);
    t.after(() => peer.terminate());
    await session;
    assert.equal(thrown.length, 1);
    assert.ok(isRpcError(thrown[0], ErrorCode.INVALID_ARGUMENT));
    assert.equal((thrown[0] as RpcError).message, 'WebSocket sessions do not support snappy');
  });

  it('pings on every cron tick without an onCron listener, and takes the pongs as activity', async (t) => {
    const { server, session } = await serveWs({ configure: (s) => s.setCronPeriod(20) });
    t.after(() => server.close());
    const peer = await openPeer(server.url);
    t.after(() => peer.terminate());
    let pings = 0;
    peer.on('ping', () => void pings++);
    const s = await session;
    const openedAt = s.lastActive;
    await waitFor(() => pings >= 2, 10_000, 'two pings');
    // The peer sends nothing but its automatic pongs.
    await waitFor(() => s.lastActive > openedAt, 10_000, 'a pong taken as activity');
  });
});

describe('WebSocket session writes', () => {
  it('sends a package given as several buffers as one message, and counts the bytes out', async (t) => {
    const bracketed: ReadWriter<Buffer> = {
      read: (_s, buf) => ({ pkg: buf, len: buf.length }),
      write: (_s, pkg) => [Buffer.from('<'), pkg, Buffer.from('>')],
    };
    const { server, session } = await serveWs({ configure: (s) => s.setPkgHandler(bracketed) });
    t.after(() => server.close());
    const peer = await openPeer(server.url);
    t.after(() => peer.terminate());
    const got: string[] = [];
    peer.on('message', (data: Buffer) => void got.push(data.toString()));
    const s = await session;
    s.writeBytesArray([Buffer.from('ab'), Buffer.from('cd')]);
    s.writeBytesArray([Buffer.from('one')]);
    s.writePkg(Buffer.from('pkg'));
    await waitFor(() => got.length === 3, 10_000, 'three messages');
    assert.deepEqual(got, ['abcd', 'one', '<pkg>']);
    assert.equal(s.stats.bytesOut, 12);
  });

  it('answers writes false only once the bytes held pass writeHighWaterMark', async (t) => {
    const { server, session } = await serveWs({ configure: (s) => s.setWriteHighWaterMark(102) });
    t.after(() => server.close());
    const peer = await openPeer(server.url);
    t.after(() => peer.terminate());
    const s = await session;
    // 100 bytes leave as a 102-byte frame (2-byte header; a server does not mask), held until the turn ends.
    assert.equal(s.writeBytes(Buffer.alloc(100)), true);
    assert.equal(s.bufferedBytes, 102);
    assert.equal(s.writeBytes(Buffer.alloc(1)), false);
  });

  for (const [type, compressed, title] of [
    [CompressType.None, false, 'sends a message plain with compress type None, though permessage-deflate is agreed'],
    [CompressType.BestSpeed, true, 'compresses a message with compress type BestSpeed once permessage-deflate is agreed'],
  ] as const) {
    it(title, async (t) => {
      const { server, session } = await serveWs({ configure: (s) => s.setCompressType(type), server: { perMessageDeflate: true } });
      t.after(() => server.close());
      const raw = await upgradeWs(await connectTcp(server.address.port), 'Sec-WebSocket-Extensions: permessage-deflate\r\n');
      const s = await session;
      const first = once(raw, 'data');
      s.writeBytes(Buffer.alloc(4096, 'a'));
      const [chunk] = (await first) as [Buffer];
      // RSV1 marks a compressed message (RFC 7692 §6).
      assert.equal((chunk[0]! & 0x40) !== 0, compressed);
      raw.destroy();
    });
  }

  it('reports what its socket holds to the server after each turn, and again once it drained', async (t) => {
    const { server, session } = await serveWs();
    t.after(() => server.close());
    const peer = await openPeer(server.url);
    t.after(() => peer.terminate());
    let received = 0;
    peer.on('message', (data: Buffer) => void (received += data.length));
    const s = await session;
    s.writeBytes(Buffer.alloc(10));
    await nextTurn();
    assert.equal(server.stats().bufferedBytes, 0, 'the kernel took the first turn whole');
    peer.pause();
    const written = 10 + (await fillSocket(s));
    assert.ok(server.stats().bufferedBytes > 0, 'a later turn left bytes in the socket');
    peer.resume();
    await waitFor(() => received === written, 20_000, 'everything read');
    await waitFor(() => server.stats().bufferedBytes === 0, 10_000, 'the drain reported');
  });

  it('holds against maxServerWriteBufferBytes only what stays in the socket after the turn', async (t) => {
    const { server, session } = await serveWs({ server: { maxServerWriteBufferBytes: 1024 } });
    t.after(() => server.close());
    const peer = await openPeer(server.url);
    t.after(() => peer.terminate());
    const all = deferred();
    let got = 0;
    peer.on('message', () => void (++got === 3 && all.resolve()));
    const s = await session;
    // 1 806 bytes in one turn: more than the bound, but the kernel takes them in the turn's one write.
    for (let i = 0; i < 3; i++) s.writeBytes(Buffer.alloc(600));
    await Promise.race([all.promise, peerClosed(peer)]);
    assert.equal(got, 3);
    assert.equal(s.closed, false);
  });

  it('closes with WRITE_TIMEOUT when the peer stops taking bytes', async (t) => {
    const { server, session } = await serveWs({ configure: (s) => s.setWriteTimeout(50) });
    t.after(() => server.close());
    const peer = await openPeer(server.url);
    t.after(() => peer.terminate());
    peer.pause();
    const s = await session;
    await fillSocket(s);
    await waitFor(() => s.closed, 10_000, 'the session closed');
    assert.equal(s.closeReason?.code, ErrorCode.WRITE_TIMEOUT);
  });
});
