import assert from 'node:assert/strict';
import { once } from 'node:events';
import type net from 'node:net';
import { after, describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../common/rpc-error.js';
import { LengthFieldCodec } from '../../transport/length-field-codec.js';
import type { ReadWriter, Session } from '../../transport/session-contract.js';
import { createTcpServer, type TcpServer } from '../../transport/tcp-server.js';
import { SLAB_BYTES, SLAB_FRAME_LIMIT_BYTES } from '../../transport/write-slab.js';
import { deferred, rawConnect, within } from './helpers.js';

/** A body of `size` bytes whose content is a function of `tag`, so any overwrite shows. */
function patterned(tag: number, size: number): Buffer {
  const body = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) body[i] = (tag * 131 + i * 7) & 0xff;
  body.writeUInt32BE(tag, 0);
  return body;
}

/** Collects `count` length-prefixed bodies from a raw socket. */
function collectBodies(socket: net.Socket, count: number): Promise<Buffer[]> {
  const done = deferred<Buffer[]>();
  const got: Buffer[] = [];
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32BE(0)) {
      const len = pending.readUInt32BE(0);
      got.push(Buffer.from(pending.subarray(4, 4 + len)));
      pending = pending.subarray(4 + len);
    }
    if (got.length >= count) done.resolve(got);
  });
  socket.on('error', done.reject);
  return done.promise;
}

/** A server whose sessions are handed to the test once open. */
async function sessionServer(handler: ReadWriter<Buffer>): Promise<{ server: TcpServer<Buffer>; next: () => Promise<Session<Buffer>> }> {
  const waiting: ((s: Session<Buffer>) => void)[] = [];
  const ready: Session<Buffer>[] = [];
  const server = createTcpServer<Buffer>({ host: '127.0.0.1', port: 0 });
  await server.runEventLoop((session) => {
    session.setPkgHandler(handler).setEventListener({
      onOpen: (s) => {
        const w = waiting.shift();
        if (w === undefined) ready.push(s);
        else w(s);
      },
    });
  });
  const next = (): Promise<Session<Buffer>> => {
    const s = ready.shift();
    if (s !== undefined) return Promise.resolve(s);
    return new Promise((resolve) => waiting.push(resolve));
  };
  return { server, next };
}

describe('TcpSession slab writes', () => {
  const servers: TcpServer<Buffer>[] = [];
  const sockets: net.Socket[] = [];
  after(async () => {
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map((s) => s.close()));
  });

  async function connectPair(handler: ReadWriter<Buffer> = new LengthFieldCodec()): Promise<{ peer: net.Socket; session: Session<Buffer>; port: number; next: () => Promise<Session<Buffer>> }> {
    const { server, next } = await sessionServer(handler);
    servers.push(server);
    const peer = await rawConnect(server.address.port);
    sockets.push(peer);
    return { peer, session: await next(), port: server.address.port, next };
  }

  it('keeps each session\'s frames intact and in order when two sessions interleave writes in one turn', async () => {
    const a = await connectPair();
    const peerB = await rawConnect(a.port);
    sockets.push(peerB);
    const sessionB = await a.next();
    const gotA = collectBodies(a.peer, 300);
    const gotB = collectBodies(peerB, 300);
    for (let i = 0; i < 300; i++) {
      a.session.writePkg(patterned(i, 64 + (i % 50)));
      sessionB.writePkg(patterned(10_000 + i, 900));
    }
    const bodiesA = await within(gotA, 10_000, 'session A frames');
    const bodiesB = await within(gotB, 10_000, 'session B frames');
    for (let i = 0; i < 300; i++) {
      assert.deepEqual(bodiesA[i], patterned(i, 64 + (i % 50)));
      assert.deepEqual(bodiesB[i], patterned(10_000 + i, 900));
    }
  });

  it('keeps order across slab frames, frames over the slab limit and writeBytes in one turn', async () => {
    const { peer, session } = await connectPair();
    const codec = new LengthFieldCodec();
    const big = patterned(2, SLAB_FRAME_LIMIT_BYTES + 1000);
    const got = collectBodies(peer, 5);
    session.writePkg(patterned(1, 100));
    session.writePkg(big);
    session.writeBytes(codec.encode(patterned(3, 10)));
    session.writePkg(patterned(4, 200));
    session.writeBytesArray([codec.encode(patterned(5, 20))]);
    const bodies = await within(got, 10_000, 'mixed frames');
    assert.deepEqual(bodies, [patterned(1, 100), big, patterned(3, 10), patterned(4, 200), patterned(5, 20)]);
  });

  it('starts new slabs when one turn writes more than a slab holds', async () => {
    const { peer, session } = await connectPair();
    const count = Math.ceil((4 * SLAB_BYTES) / 5000);
    const got = collectBodies(peer, count);
    for (let i = 0; i < count; i++) session.writePkg(patterned(i, 5000));
    const bodies = await within(got, 10_000, 'frames across slabs');
    for (let i = 0; i < count; i++) assert.deepEqual(bodies[i], patterned(i, 5000));
  });

  it('never overwrites bytes still queued for a peer that stopped reading', async () => {
    const slow = await connectPair();
    slow.peer.pause();
    const count = 4000;
    for (let i = 0; i < count; i++) slow.session.writePkg(patterned(i, 4000));
    // Wait until the kernel stopped taking bytes: then queued slices live in our slabs.
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(slow.session.bufferedBytes > 0, 'bytes are queued in user space');
    const busy = await rawConnect(slow.port);
    sockets.push(busy);
    const busySession = await slow.next();
    const busyGot = collectBodies(busy, 1000);
    for (let i = 0; i < 1000; i++) busySession.writePkg(patterned(50_000 + i, 1000));
    await within(busyGot, 10_000, 'busy peer frames');
    const got = collectBodies(slow.peer, count);
    slow.peer.resume();
    const bodies = await within(got, 20_000, 'slow peer frames');
    for (let i = 0; i < count; i++) assert.deepEqual(bodies[i], patterned(i, 4000));
  });

  it('throws BAD_PACKAGE when writeInto fails, sends nothing of that frame and keeps the session', async () => {
    const codec = new LengthFieldCodec();
    const picky: ReadWriter<Buffer> = {
      read: (s, buf) => codec.read(s, buf),
      write: (s, pkg) => codec.write(s, pkg),
      encodedLength: (s, pkg) => codec.encodedLength(s, pkg),
      writeInto: (s, pkg, target, offset) => {
        if (pkg.toString() === 'boom') throw new Error('cannot encode boom');
        codec.writeInto(s, pkg, target, offset);
      },
    };
    const { peer, session } = await connectPair(picky);
    const got = collectBodies(peer, 2);
    session.writePkg(Buffer.from('a'));
    assert.throws(() => session.writePkg(Buffer.from('boom')), (err) => isRpcError(err, ErrorCode.BAD_PACKAGE));
    session.writePkg(Buffer.from('b'));
    const bodies = await within(got, 5000, 'frames around the failure');
    assert.deepEqual(bodies.map(String), ['a', 'b']);
    assert.equal(session.closed, false);
    assert.equal(session.stats.pkgsOut, 2);
  });

  it('closes with WRITE_BUFFER_FULL when slab frames pass maxWriteBufferBytes', async () => {
    const { peer, session } = await connectPair();
    peer.pause();
    session.setMaxWriteBufferBytes(64 * 1024);
    const closed = once(peer, 'close');
    let error: unknown;
    try {
      for (let i = 0; i < 100_000; i++) session.writePkg(patterned(i, 1000));
    } catch (err) {
      error = err;
    }
    assert.ok(isRpcError(error, ErrorCode.WRITE_BUFFER_FULL), 'typed error');
    assert.equal(session.closed, true);
    peer.resume();
    await within(closed, 5000, 'peer sees the close');
  });
});
