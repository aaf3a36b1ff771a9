import assert from 'node:assert/strict';
import { once } from 'node:events';
import type net from 'node:net';
import { after, describe, it } from 'node:test';
import { ErrorCode, isRpcError, type RpcError } from '../../common/rpc-error.js';
import type { Session } from '../../transport/session-contract.js';
import { createTcpServer, type TcpServer } from '../../transport/tcp-server.js';
import { codec, deferred, frames, rawConnect, within, writeByteByByte } from './helpers.js';

interface Recorded {
  opened: number;
  closed: number;
  errors: RpcError[];
  messages: string[];
}

/** An echo server that records what its listener saw. */
async function echoServer(configure?: (s: Session<Buffer>) => void): Promise<{ server: TcpServer<Buffer>; rec: Recorded }> {
  const rec: Recorded = { opened: 0, closed: 0, errors: [], messages: [] };
  const server = createTcpServer<Buffer>({ host: '127.0.0.1', port: 0 });
  await server.runEventLoop((session) => {
    session.setPkgHandler(codec).setMaxMsgLen(64 * 1024);
    session.setEventListener({
      onOpen: () => void rec.opened++,
      onMessage: (s, pkg) => {
        rec.messages.push(pkg.toString());
        s.writePkg(pkg);
      },
      onError: (_s, err) => void rec.errors.push(err),
      onClose: () => void rec.closed++,
    });
    configure?.(session);
  });
  return { server, rec };
}

/** Collects `count` echoed frames from a raw socket. */
function collectFrames(socket: net.Socket, count: number): Promise<string[]> {
  const done = deferred<string[]>();
  const got: string[] = [];
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32BE(0)) {
      const len = pending.readUInt32BE(0);
      got.push(pending.subarray(4, 4 + len).toString());
      pending = pending.subarray(4 + len);
    }
    if (got.length >= count) done.resolve(got);
  });
  socket.on('error', done.reject);
  return done.promise;
}

describe('TcpSession', () => {
  const servers: TcpServer<Buffer>[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it('decodes 10 000 packages sent as one buffer, in order (sticky packets)', async () => {
    const { server, rec } = await echoServer();
    servers.push(server);
    const socket = await rawConnect(server.address.port);
    const { wire, bodies } = frames(10_000);
    const echoed = collectFrames(socket, bodies.length);
    socket.write(wire);
    assert.deepEqual(await within(echoed, 10_000, 'echo'), bodies);
    assert.deepEqual(rec.messages, bodies);
    socket.destroy();
  });

  it('decodes the same stream delivered one byte at a time (split packets)', async () => {
    const { server, rec } = await echoServer();
    servers.push(server);
    const socket = await rawConnect(server.address.port);
    socket.setNoDelay(true);
    const { wire, bodies } = frames(10_000);
    const echoed = collectFrames(socket, bodies.length);
    await writeByteByByte(socket, wire);
    assert.deepEqual(await within(echoed, 20_000, 'echo'), bodies);
    assert.deepEqual(rec.messages, bodies);
    socket.destroy();
  });

  it('closes a session whose header announces 2 GiB before buffering the body; others are served', async () => {
    const { server, rec } = await echoServer();
    servers.push(server);
    const bad = await rawConnect(server.address.port);
    const good = await rawConnect(server.address.port);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(2 ** 31, 0);
    const badClosed = once(bad, 'close');
    bad.write(Buffer.concat([header, Buffer.alloc(1000)]));
    await within(badClosed, 5000, 'bad session closed');
    assert.equal(rec.errors.length, 1);
    assert.equal(rec.errors[0]!.code, ErrorCode.MSG_TOO_LONG);
    const echoed = collectFrames(good, 1);
    good.write(codec.encode(Buffer.from('still here')));
    assert.deepEqual(await within(echoed, 5000, 'good echo'), ['still here']);
    good.destroy();
  });

  it('survives random bytes with a typed error and keeps serving other sessions', async () => {
    const { server, rec } = await echoServer();
    servers.push(server);
    for (let round = 0; round < 5; round++) {
      const bad = await rawConnect(server.address.port);
      const closed = once(bad, 'close');
      const junk = Buffer.alloc(4096);
      for (let i = 0; i < junk.length; i++) junk[i] = (i * 7919 + round * 104729) & 0xff;
      junk.writeUInt32BE(0xf0000000 + round, 0);
      bad.write(junk);
      await within(closed, 5000, 'junk session closed');
    }
    assert.equal(rec.errors.length, 5);
    for (const err of rec.errors) assert.ok(isRpcError(err), 'typed error');
    const good = await rawConnect(server.address.port);
    const echoed = collectFrames(good, 1);
    good.write(codec.encode(Buffer.from('ok')));
    assert.deepEqual(await within(echoed, 5000, 'echo'), ['ok']);
    good.destroy();
  });

  it('decodes bytes that arrive together with the peer FIN, then closes without onError (getty #77)', async () => {
    const closed = deferred();
    const { server, rec } = await echoServer((s) => s.onClosed(() => closed.resolve()));
    servers.push(server);
    const socket = await rawConnect(server.address.port);
    const { wire, bodies } = frames(100);
    socket.end(wire);
    await within(closed.promise, 5000, 'session closed');
    assert.deepEqual(rec.messages, bodies);
    assert.equal(rec.errors.length, 0);
    assert.equal(rec.closed, 1);
    socket.destroy();
  });

  it('refuses a session whose onOpen throws, with no onClose', async () => {
    let closes = 0;
    const server = createTcpServer<Buffer>({ port: 0 });
    servers.push(server);
    await server.runEventLoop((s) => {
      s.setPkgHandler(codec).setEventListener({
        onOpen: () => {
          throw new Error('not today');
        },
        onClose: () => void closes++,
      });
    });
    const socket = await rawConnect(server.address.port);
    await within(once(socket, 'close'), 5000, 'refused socket closed');
    assert.equal(closes, 0);
    assert.equal(server.sessions.length, 0);
  });

  it('refuses the connection when newSession throws', async () => {
    const server = createTcpServer<Buffer>({ port: 0 });
    servers.push(server);
    await server.runEventLoop(() => {
      throw new Error('no');
    });
    const socket = await rawConnect(server.address.port);
    await within(once(socket, 'close'), 5000, 'refused socket closed');
    assert.equal(server.sessions.length, 0);
  });

  it('calls onClose exactly once, throws SESSION_CLOSED on write after close, and close() twice is harmless', async () => {
    const opened = deferred<Session<Buffer>>();
    let closes = 0;
    let callbacks = 0;
    const server = createTcpServer<Buffer>({ port: 0 });
    servers.push(server);
    await server.runEventLoop((s) => {
      s.setPkgHandler(codec).setEventListener({ onOpen: (x) => opened.resolve(x), onClose: () => void closes++ });
      s.onClosed(() => void callbacks++);
    });
    const socket = await rawConnect(server.address.port);
    const session = await within(opened.promise, 5000, 'open');
    const peerClosed = once(socket, 'close');
    session.close();
    session.close();
    assert.equal(session.closed, true);
    assert.throws(() => session.writePkg(Buffer.from('x')), (err) => isRpcError(err, ErrorCode.SESSION_CLOSED));
    assert.throws(() => session.writeBytes(Buffer.from('x')), (err) => isRpcError(err, ErrorCode.SESSION_CLOSED));
    assert.throws(() => session.writeBytesArray([Buffer.from('x')]), (err) => isRpcError(err, ErrorCode.SESSION_CLOSED));
    socket.resume();
    await within(peerClosed, 5000, 'peer closed');
    assert.equal(closes, 1);
    assert.equal(callbacks, 1);
    let late = 0;
    session.onClosed(() => void late++);
    assert.equal(late, 1, 'onClosed after close runs at once');
  });

  it('keeps stats, lastActive and attributes', async () => {
    const opened = deferred<Session<Buffer>>();
    const { server } = await echoServer((s) => {
      s.setAttribute('k', 42);
      opened.resolve(s);
    });
    servers.push(server);
    const socket = await rawConnect(server.address.port);
    const session = await opened.promise;
    const echoed = collectFrames(socket, 3);
    socket.write(frames(3).wire);
    await within(echoed, 5000, 'echo');
    assert.equal(session.stats.pkgsIn, 3);
    assert.equal(session.stats.pkgsOut, 3);
    assert.equal(session.stats.bytesIn, frames(3).wire.length);
    assert.equal(session.stats.bytesOut, frames(3).wire.length);
    assert.ok(session.lastActive > 0);
    assert.equal(session.getAttribute('k'), 42);
    session.deleteAttribute('k');
    assert.equal(session.getAttribute('k'), undefined);
    assert.equal(session.kind, 'tcp');
    assert.match(session.remoteAddress, /^127\.0\.0\.1:\d+$/);
    socket.destroy();
  });

  it('sends writes made in one event-loop turn as one socket write', async () => {
    const opened = deferred<Session<Buffer>>();
    const { server } = await echoServer((s) => opened.resolve(s));
    servers.push(server);
    const socket = await rawConnect(server.address.port);
    const session = await opened.promise;
    const got = collectFrames(socket, 100);
    const tcp = session as unknown as { socket: net.Socket };
    let writes = 0;
    const original = tcp.socket.write.bind(tcp.socket);
    tcp.socket.write = ((...args: Parameters<net.Socket['write']>) => {
      writes++;
      return original(...args);
    }) as net.Socket['write'];
    for (let i = 0; i < 100; i++) session.writePkg(Buffer.from(`m${i}`));
    await within(got, 5000, 'frames');
    assert.equal(writes, 1);
    socket.destroy();
  });
});
