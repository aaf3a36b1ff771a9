/**
 * A peer that announces large frames and never sends them: memory follows
 * the bytes received, not the lengths announced, and other peers are served
 * meanwhile. A real large frame sent in small pieces still arrives intact.
 */
import assert from 'node:assert/strict';
import type net from 'node:net';
import { describe, it } from 'node:test';
import { ErrorCode, type RpcError } from '../../common/rpc-error.js';
import { CompressType } from '../../transport/compress-type.js';
import type { Session } from '../../transport/session-contract.js';
import { createTcpServer, type TcpServer } from '../../transport/tcp-server.js';
import { codec, deferred, rawConnect, waitFor, within } from './helpers.js';

const MiB = 1024 * 1024;

async function echoServer(maxMsgLen: number): Promise<{ server: TcpServer<Buffer>; errors: RpcError[] }> {
  const errors: RpcError[] = [];
  const server = createTcpServer<Buffer>({ port: 0 });
  await server.runEventLoop((s) => {
    s.setPkgHandler(codec).setMaxMsgLen(maxMsgLen);
    s.setEventListener({
      onMessage: (x, pkg) => void x.writePkg(pkg),
      onError: (_x, err) => void errors.push(err),
    });
  });
  return { server, errors };
}

/** One echo round trip on a fresh connection; resolves with the elapsed ms. */
async function echoOnce(port: number, body: Buffer): Promise<number> {
  const started = Date.now();
  const socket = await rawConnect(port);
  const got = deferred<Buffer>();
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    if (pending.length >= 4 + body.length) got.resolve(pending.subarray(4, 4 + body.length));
  });
  socket.write(codec.encode(body));
  const echoed = await within(got.promise, 5000, 'echo');
  socket.destroy();
  assert.deepEqual(echoed, body);
  return Date.now() - started;
}

function bytesIn(server: TcpServer<Buffer>): number {
  return server.sessions.reduce((sum, s) => sum + s.stats.bytesIn, 0);
}

describe('hostile peers: announced frame lengths', () => {
  it('100 peers announcing 8 MiB frames cost what they sent, and a good peer is answered within 2 s', async (t) => {
    const { server, errors } = await echoServer(16 * MiB);
    const peers: net.Socket[] = [];
    t.after(() => {
      for (const peer of peers) peer.destroy();
      return server.close();
    });
    const before = process.memoryUsage().arrayBuffers;
    const header = Buffer.alloc(16);
    header.writeUInt32BE(8 * MiB, 0); // the body never comes: 12 of 8 MiB
    for (let i = 0; i < 100; i++) {
      const peer = await rawConnect(server.address.port);
      peer.on('error', () => {});
      peer.write(header);
      peers.push(peer);
    }
    await waitFor(() => bytesIn(server) === 100 * header.length, 10_000, 'every header received');
    const grown = process.memoryUsage().arrayBuffers - before;
    // 100 × 64 KiB first buffers at most; allocating the announced size would be 800 MiB.
    assert.ok(grown < 32 * MiB, `buffers grew by ${(grown / MiB).toFixed(1)} MiB`);
    const elapsed = await echoOnce(server.address.port, Buffer.from('good peer'));
    assert.ok(elapsed < 2000, `good peer answered in ${elapsed} ms`);
    await waitFor(() => server.sessions.length === 100, 5000, 'the good peer gone');
    const closed = server.sessions.map((s) => new Promise<Session>((resolve) => s.onClosed(resolve)));
    for (const peer of peers) peer.end();
    const sessions = await within(Promise.all(closed), 10_000, 'sessions closed');
    for (const s of sessions) assert.equal(s.closeReason?.code, ErrorCode.BAD_PACKAGE, 'closed inside a frame');
    assert.equal(errors.length, 100);
    assert.equal(server.stats().dropped.BAD_PACKAGE, 100);
    await server.close();
  });

  it('a 6 MiB frame sent in 1 000-byte pieces arrives intact', async (t) => {
    const { server } = await echoServer(8 * MiB);
    t.after(() => server.close());
    const body = Buffer.alloc(6 * MiB);
    for (let i = 0; i < body.length; i += 4) body.writeUInt32BE(i, i);
    const socket = await rawConnect(server.address.port);
    const got = deferred<Buffer>();
    const chunks: Buffer[] = [];
    let received = 0;
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received >= 4 + body.length) got.resolve(Buffer.concat(chunks).subarray(4));
    });
    const frame = codec.encode(body);
    for (let i = 0; i < frame.length; i += 1000) {
      socket.write(frame.subarray(i, i + 1000));
      if (i % 64_000 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    const echoed = await within(got.promise, 20_000, 'large echo');
    assert.ok(echoed.equals(body), 'the frame arrived byte for byte');
    socket.destroy();
    await server.close();
  });

  it('a snappy chunk announcing more plain bytes than a chunk may hold closes the session before inflating', async (t) => {
    const closedWith = deferred<RpcError | undefined>();
    const server = createTcpServer<Buffer>({ port: 0 });
    t.after(() => server.close());
    await server.runEventLoop((s) => {
      s.setPkgHandler(codec).setMaxMsgLen(8 * MiB).setCompressType(CompressType.Snappy);
      s.setEventListener({ onClose: (x) => closedWith.resolve(x.closeReason) });
    });
    const socket = await rawConnect(server.address.port);
    t.after(() => socket.destroy());
    socket.on('error', () => {});
    // The stream identifier, then a compressed chunk (type 0, 14 bytes: CRC and a 10-byte block)
    // whose varint announces 8 000 000 plain bytes; a chunk holds 64 KiB at most.
    const block = Buffer.concat([Buffer.from([0x80, 0xa4, 0xe8, 0x03]), Buffer.alloc(6)]);
    const streamId = Buffer.from([0xff, 6, 0, 0, ...Buffer.from('sNaPpY')]);
    socket.write(Buffer.concat([streamId, Buffer.from([0x00, 14, 0, 0]), Buffer.alloc(4), block]));
    const reason = await within(closedWith.promise, 5000, 'session closed');
    assert.equal(reason?.code, ErrorCode.BAD_PACKAGE);
    assert.match(reason!.message, /announces 8000000 plain bytes/);
  });
});
