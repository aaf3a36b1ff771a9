/**
 * The read side of TcpSession, byte by byte: real sessions on 127.0.0.1
 * whose peer is a raw socket writing exact bytes. What each test pins is in
 * its name; the task pool here is a gate the test opens and shuts, so a
 * pause can be placed at an exact point of the stream.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { after, describe, it, type TestContext } from 'node:test';
import tls from 'node:tls';
import zlib from 'node:zlib';
import { ErrorCode, type RpcError } from '../../common/rpc-error.js';
import { CompressType } from '../../transport/compress-type.js';
import type { ReadResult, ReadWriter, Session } from '../../transport/session-contract.js';
import { createTaskPool, type Task, type TaskPool } from '../../transport/task-pool.js';
import { createTcpServer, type TcpServer, type TcpServerOptions } from '../../transport/tcp-server.js';
import { TcpSession } from '../../transport/tcp-session.js';
import { defaultTimerWheel } from '../../transport/timer-wheel.js';
import { dataChunk, STREAM_ID_CHUNK } from './compression-peers.js';
import { codec, deferred, rawConnect, waitFor, within } from './helpers.js';
import { testCert } from './tls-fixture.js';

const BOUND_MS = 15_000;

/** A length-prefixed frame (4-byte big-endian body length, then the body). */
function frame(body: Buffer | string): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const header = Buffer.alloc(4);
  header.writeUInt32BE(bytes.length, 0);
  return Buffer.concat([header, bytes]);
}

/** A TaskPool the test opens and shuts: tasks run inline while it has room. */
class GatePool implements TaskPool {
  closed = false;
  pending = 0;
  /** Tasks it still takes before it shuts by itself. */
  private budget = Number.POSITIVE_INFINITY;
  private waiters: (() => void)[] = [];
  /** How many times a session asked to be called back. */
  waitCalls = 0;
  private waited = deferred();

  hasRoom(): boolean {
    return this.budget > 0;
  }

  add<A, B>(_key: number, task: Task<A, B>, a: A, b: B): void {
    if (this.budget <= 0) throw new Error('GatePool: add() without room');
    this.budget--;
    task(a, b);
  }

  waitForRoom(_key: number, cb: () => void): void {
    this.waitCalls++;
    if (this.budget > 0) {
      cb();
      return;
    }
    this.waiters.push(cb);
    this.waited.resolve();
  }

  /** Resolves once a session waits for room. */
  someoneWaits(): Promise<void> {
    return this.waiters.length > 0 ? Promise.resolve() : this.waited.promise;
  }

  shut(): void {
    this.budget = 0;
    this.waited = deferred();
  }

  /** Takes `count` more tasks (all when omitted), waking whoever waits. */
  open(count = Number.POSITIVE_INFINITY): void {
    this.budget = count;
    if (count === 0) return;
    if (count !== Number.POSITIVE_INFINITY) this.waited = deferred();
    const waiters = this.waiters;
    this.waiters = [];
    for (const cb of waiters) cb();
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** LengthFieldCodec with every readFrom call recorded as the bytes it was offered. */
function countingCodec(): ReadWriter<Buffer> & { offered: number[] } {
  const offered: number[] = [];
  return {
    offered,
    read: (s, buf) => codec.read(s, buf),
    readFrom(s, buf, offset) {
      offered.push(buf.length - offset);
      return codec.readFrom(s, buf, offset);
    },
    write: (s, pkg) => codec.write(s, pkg),
  };
}

/** A Reader without readFrom: newline-terminated lines, the package without its newline. */
function lineReader(): ReadWriter<Buffer> & { offered: number[] } {
  const offered: number[] = [];
  return {
    offered,
    read(_s, buf): ReadResult<Buffer> {
      offered.push(buf.length);
      const end = buf.indexOf(10);
      if (end < 0) return { len: 0 };
      return { pkg: Buffer.from(buf.subarray(0, end)), len: end + 1 };
    },
    write: (_s, pkg) => Buffer.concat([pkg, Buffer.from('\n')]),
  };
}

interface Pair {
  server: TcpServer<Buffer>;
  peer: net.Socket;
  session: TcpSession<Buffer>;
  messages: Buffer[];
  errors: RpcError[];
  /** Resolves when the session closed. */
  closed: Promise<void>;
  /** Resolves once the session's socket received `bytes` bytes in all. */
  received(bytes: number): Promise<void>;
}

interface PairOptions {
  server?: TcpServerOptions;
  configure?: (s: Session<Buffer>) => void;
  onMessage?: (s: Session<Buffer>, pkg: Buffer) => unknown;
}

/** A server with one session and its raw peer; both go when the test ends. */
async function pair(t: TestContext, options: PairOptions = {}): Promise<Pair> {
  const server = createTcpServer<Buffer>({ host: '127.0.0.1', port: 0, ...options.server });
  const opened = deferred<Pair>();
  const messages: Buffer[] = [];
  const errors: RpcError[] = [];
  const closed = deferred();
  let receivedBytes = 0;
  let waiters: { bytes: number; done: () => void }[] = [];
  await server.runEventLoop((s) => {
    s.setPkgHandler(codec).setMaxMsgLen(0);
    s.setEventListener({
      onMessage: (x, pkg) => {
        messages.push(Buffer.from(pkg));
        return options.onMessage?.(x, pkg) as Promise<void> | undefined;
      },
      onError: (_x, err) => void errors.push(err),
    });
    s.onClosed(() => closed.resolve());
    options.configure?.(s);
    const session = s as TcpSession<Buffer>;
    session.socket.on('data', (chunk: Buffer) => {
      receivedBytes += chunk.length;
      const ready = waiters.filter((w) => w.bytes <= receivedBytes);
      waiters = waiters.filter((w) => w.bytes > receivedBytes);
      for (const w of ready) w.done();
    });
    opened.resolve({
      server,
      peer: undefined as unknown as net.Socket,
      session,
      messages,
      errors,
      closed: closed.promise,
      received(bytes) {
        if (receivedBytes >= bytes) return Promise.resolve();
        const done = deferred();
        waiters.push({ bytes, done: () => done.resolve() });
        return done.promise;
      },
    });
  });
  const peer = await rawConnect(server.address.port);
  peer.on('error', () => {});
  t.after(async () => {
    peer.destroy();
    await server.close();
  });
  const p = await within(opened.promise, BOUND_MS, 'session');
  p.peer = peer;
  return p;
}

function bodies(p: Pair): string[] {
  return p.messages.map((m) => m.toString());
}

describe('TcpSession reads', () => {
  const leftovers: net.Server[] = [];
  after(() => {
    for (const s of leftovers) s.close();
  });

  describe('start', () => {
    it('names its sessions tcp-session and tls-session by default', async (t) => {
      const plain = await pair(t);
      assert.equal(plain.session.name, 'tcp-session');
      assert.equal(plain.session.kind, 'tcp');

      const { key, cert } = await testCert();
      const server = createTcpServer<Buffer>({ host: '127.0.0.1', port: 0, tls: { key, cert } });
      const named = deferred<string>();
      await server.runEventLoop((s) => {
        s.setPkgHandler(codec);
        named.resolve(s.name);
      });
      t.after(() => server.close());
      const client = tls.connect({ host: '127.0.0.1', port: server.address.port, ca: cert, servername: 'localhost' });
      client.on('error', () => {});
      t.after(() => client.destroy());
      assert.equal(await within(named.promise, BOUND_MS, 'tls session'), 'tls-session');
    });

    it('refuses to start without a package handler, naming setPkgHandler', async (t) => {
      const server = net.createServer();
      leftovers.push(server);
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const accepted = once(server, 'connection');
      const peer = await rawConnect((server.address() as net.AddressInfo).port);
      t.after(() => peer.destroy());
      const [socket] = (await accepted) as [net.Socket];
      t.after(() => socket.destroy());
      const session = new TcpSession<Buffer>(socket, false);
      const owner = { taskPool: null, wheel: defaultTimerWheel(), sessionClosed() {} };
      assert.throws(() => session.start(owner), { code: ErrorCode.INVALID_ARGUMENT, message: 'a stream session needs setPkgHandler()' });
    });

    it('survives a socket error before it starts, and owns the only error listener once started', async (t) => {
      const server = net.createServer();
      leftovers.push(server);
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const port = (server.address() as net.AddressInfo).port;
      const sockets: net.Socket[] = [];
      server.on('connection', (s: net.Socket) => sockets.push(s));
      const peerA = await rawConnect(port);
      const peerB = await rawConnect(port);
      t.after(() => {
        peerA.destroy();
        peerB.destroy();
      });
      while (sockets.length < 2) await once(server, 'connection');

      const early = sockets[0]!;
      const unstarted = new TcpSession<Buffer>(early, false);
      const earlyClosed = new Promise((resolve) => early.on('close', resolve));
      early.destroy(new Error('reset before start'));
      await earlyClosed;
      assert.equal(unstarted.closed, false);

      const started = new TcpSession<Buffer>(sockets[1]!, false);
      started.setPkgHandler(codec);
      started.start({ taskPool: null, wheel: defaultTimerWheel(), sessionClosed() {} });
      t.after(() => started.close());
      assert.equal(sockets[1]!.listenerCount('error'), 1);
    });

    it('turns Nagle off on its socket', async (t) => {
      const calls: unknown[] = [];
      const p = await pair(t, {
        configure: (s) => {
          const socket = (s as TcpSession<Buffer>).socket;
          const setNoDelay = socket.setNoDelay.bind(socket);
          socket.setNoDelay = (enable?: boolean) => {
            calls.push(enable);
            return setNoDelay(enable);
          };
        },
      });
      assert.equal(p.session.closed, false);
      assert.deepEqual(calls, [true]);
    });

    it('closes with NETWORK naming the socket error once started', async (t) => {
      const p = await pair(t);
      p.session.socket.destroy(new Error('boom'));
      await within(p.closed, BOUND_MS, 'close');
      const reason = p.session.closeReason;
      assert.ok(reason !== undefined);
      assert.equal(reason.code, ErrorCode.NETWORK);
      assert.equal(reason.message, 'socket error: boom');
      assert.equal((reason.cause as Error).message, 'boom');
    });

    it('closes when its socket closes without an error', async (t) => {
      const p = await pair(t);
      p.session.socket.destroy();
      await within(p.closed, BOUND_MS, 'close');
      assert.equal(p.session.closeReason, undefined);
    });

    it('reports output as buffered again once the socket drained', async (t) => {
      const p = await pair(t, { configure: (s) => s.setWriteHighWaterMark(64 * 1024) });
      p.peer.pause();
      const big = randomBytes(8 * 1024 * 1024);
      p.session.writePkg(big);
      // The end-of-turn flush hands it to the socket, which cannot take it all.
      await new Promise((resolve) => process.nextTick(resolve));
      assert.ok(p.session.socket.writableLength > 64 * 1024);
      const drained = once(p.session.socket, 'drain');
      p.peer.resume();
      await within(drained, BOUND_MS, 'drain');
      assert.equal(p.session.writePkg(Buffer.from('small')), true);
    });
  });

  describe('plain frames', () => {
    it('delivers every frame with no length limit (maxMsgLen 0), split or whole', async (t) => {
      const p = await pair(t);
      const big = randomBytes(100 * 1024);
      const wire = Buffer.concat([frame('a'), frame(big), frame('b')]);
      for (let i = 0; i < 10; i++) p.peer.write(wire.subarray(i, i + 1));
      p.peer.write(wire.subarray(10));
      p.peer.end();
      await within(p.closed, BOUND_MS, 'close');
      assert.equal(p.messages.length, 3);
      assert.equal(p.messages[0]!.toString(), 'a');
      assert.ok(p.messages[1]!.equals(big));
      assert.equal(p.messages[2]!.toString(), 'b');
      assert.equal(p.session.closeReason, undefined);
      assert.equal(p.session.peerClosedCleanly, true);
    });

    it('accepts a frame of exactly maxMsgLen bytes and refuses one byte more', async (t) => {
      const ok = await pair(t, { configure: (s) => s.setMaxMsgLen(104) });
      ok.peer.end(frame(Buffer.alloc(100, 1)));
      await within(ok.closed, BOUND_MS, 'close');
      assert.equal(ok.messages.length, 1);
      assert.equal(ok.session.closeReason, undefined);

      const tooLong = await pair(t, { configure: (s) => s.setMaxMsgLen(104) });
      tooLong.peer.end(frame(Buffer.alloc(101, 1)));
      await within(tooLong.closed, BOUND_MS, 'close');
      assert.equal(tooLong.messages.length, 0);
      assert.equal(tooLong.session.closeReason?.code, ErrorCode.MSG_TOO_LONG);
      assert.equal(tooLong.session.closeReason?.message, 'pkgLen 105 > session max message len 104');
    });

    it('offers the reader only bytes that remain, in place with their offset (readFrom)', async (t) => {
      const reader = countingCodec();
      let plainReads = 0;
      const both: ReadWriter<Buffer> = {
        read(s, buf) {
          plainReads++;
          return codec.read(s, buf);
        },
        readFrom: reader.readFrom,
        write: reader.write,
      };
      const p = await pair(t, { configure: (s) => s.setPkgHandler(both) });
      p.peer.end(Buffer.concat([frame('one'), frame('two'), frame('three')]));
      await within(p.closed, BOUND_MS, 'close');
      assert.deepEqual(bodies(p), ['one', 'two', 'three']);
      assert.equal(plainReads, 0);
      assert.ok(!reader.offered.includes(0), `offered ${reader.offered.join(',')}`);
    });

    it('hands a Reader without readFrom a view that starts at each package', async (t) => {
      const reader = lineReader();
      const p = await pair(t, { configure: (s) => s.setPkgHandler(reader) });
      p.peer.end('alpha\nbeta\ngamma\n');
      await within(p.closed, BOUND_MS, 'close');
      assert.deepEqual(bodies(p), ['alpha', 'beta', 'gamma']);
      assert.deepEqual(reader.offered, [17, 11, 6]);
    });

    it('holds an unterminated package of exactly maxMsgLen bytes and refuses one that passes it', async (t) => {
      const held = await pair(t, { configure: (s) => s.setPkgHandler(lineReader()).setMaxMsgLen(8) });
      held.peer.end('12345678');
      await within(held.closed, BOUND_MS, 'close');
      assert.equal(held.session.closeReason?.code, ErrorCode.BAD_PACKAGE);
      assert.equal(held.session.closeReason?.message, 'peer closed inside a frame (8 bytes left)');

      const over = await pair(t, { configure: (s) => s.setPkgHandler(lineReader()).setMaxMsgLen(8) });
      over.peer.end('123456789');
      await within(over.closed, BOUND_MS, 'close');
      assert.equal(over.session.closeReason?.code, ErrorCode.MSG_TOO_LONG);
      assert.equal(over.session.closeReason?.message, 'pkgLen 9 > session max message len 8');
    });

    it('splits unterminated packages without a limit (maxMsgLen 0)', async (t) => {
      const p = await pair(t, { configure: (s) => s.setPkgHandler(lineReader()) });
      p.peer.write('par');
      await p.received(3);
      p.peer.end('tial\n');
      await within(p.closed, BOUND_MS, 'close');
      assert.deepEqual(bodies(p), ['partial']);
      assert.equal(p.session.closeReason, undefined);
    });
  });

  describe('bad readers', () => {
    /** A session whose reader answers `answer` for the package after `good` good ones. */
    async function lying(t: TestContext, answer: (buf: Buffer, offset: number, s: Session) => ReadResult<Buffer>, good = 0) {
      let calls = 0;
      const reader: ReadWriter<Buffer> = {
        read: (s, buf) => codec.read(s, buf),
        readFrom(s, buf, offset) {
          calls++;
          if (calls > good) return answer(buf, offset, s);
          return codec.readFrom(s, buf, offset);
        },
        write: (s, pkg) => codec.write(s, pkg),
      };
      const p = await pair(t, { configure: (s) => s.setPkgHandler(reader) });
      // The FIN closes the session whatever the reader did: each test reads how.
      p.peer.end(Buffer.concat([frame('first'), frame('second'), frame('third')]));
      await within(p.closed, BOUND_MS, 'close');
      return { p, calls: () => calls };
    }

    it('closes with BAD_PACKAGE on a negative length, and asks the reader no more', async (t) => {
      const { p, calls } = await lying(t, () => ({ len: -1 }));
      assert.equal(p.session.closeReason?.code, ErrorCode.BAD_PACKAGE);
      assert.equal(p.session.closeReason?.message, 'reader returned length -1');
      assert.equal(calls(), 1);
    });

    it('closes with BAD_PACKAGE on a fractional length', async (t) => {
      const { p, calls } = await lying(t, () => ({ pkg: Buffer.from('x'), len: 2.5 }));
      assert.equal(p.session.closeReason?.message, 'reader returned length 2.5');
      assert.equal(p.messages.length, 0);
      assert.equal(calls(), 1);
    });

    it('closes with BAD_PACKAGE on a package of 0 bytes', async (t) => {
      const { p } = await lying(t, () => ({ pkg: Buffer.from('x'), len: 0 }));
      assert.equal(p.session.closeReason?.code, ErrorCode.BAD_PACKAGE);
      assert.equal(p.session.closeReason?.message, 'reader returned a package of 0 bytes from 28');
      assert.equal(p.messages.length, 0);
    });

    it('closes with BAD_PACKAGE on a package longer than the bytes after its offset', async (t) => {
      // The second package starts at 9 of 28 bytes: 19 remain, the reader claims 20.
      const { p } = await lying(t, (buf, offset) => ({ pkg: Buffer.from('x'), len: buf.length - offset + 1 }), 1);
      assert.equal(p.session.closeReason?.code, ErrorCode.BAD_PACKAGE);
      assert.equal(p.session.closeReason?.message, 'reader returned a package of 20 bytes from 19');
      assert.deepEqual(bodies(p), ['first']);
    });

    it('closes with BAD_PACKAGE carrying what the reader threw', async (t) => {
      const { p, calls } = await lying(t, () => {
        throw new Error('garbage on the wire');
      });
      assert.equal(p.session.closeReason?.code, ErrorCode.BAD_PACKAGE);
      assert.equal(p.session.closeReason?.message, 'garbage on the wire');
      assert.equal(calls(), 1);
    });

    it('stops reading once the reader closed the session', async (t) => {
      const { p, calls } = await lying(
        t,
        (buf, offset, s) => {
          s.close();
          return { pkg: Buffer.from('x'), len: buf.readUInt32BE(offset) + 4 };
        },
        1,
      );
      assert.deepEqual(bodies(p), ['first']);
      assert.equal(p.session.stats.pkgsIn, 1);
      assert.equal(calls(), 2);
    });
  });

  describe('large frames', () => {
    it('gathers a 1 MiB frame as its bytes arrive, asking the reader only at its start and end', async (t) => {
      const reader = countingCodec();
      const p = await pair(t, { configure: (s) => s.setPkgHandler(reader) });
      const big = randomBytes(1024 * 1024);
      p.peer.end(Buffer.concat([frame(big), frame('after')]));
      await within(p.closed, BOUND_MS, 'close');
      assert.equal(p.messages.length, 2);
      assert.ok(p.messages[0]!.equals(big));
      assert.equal(p.messages[1]!.toString(), 'after');
      assert.equal(p.session.closeReason, undefined);
      // Its first chunk and the whole frame; 'after' once or twice (if it came split).
      assert.ok(reader.offered.length <= 4, `reader asked ${reader.offered.length} times`);
    });

    it('gathers a large frame that starts behind a whole frame in the same chunk', async (t) => {
      const p = await pair(t);
      const big = randomBytes(100 * 1024);
      const wire = Buffer.concat([frame('small'), frame(big)]);
      p.peer.write(wire.subarray(0, 30 * 1024));
      await p.received(30 * 1024);
      p.peer.end(wire.subarray(30 * 1024));
      await within(p.closed, BOUND_MS, 'close');
      assert.equal(p.messages.length, 2);
      assert.equal(p.messages[0]!.toString(), 'small');
      assert.ok(p.messages[1]!.equals(big));
    });

    it('buffers what arrived, not what a header announced (1 GiB), and ends it with BAD_PACKAGE at FIN', async (t) => {
      const p = await pair(t);
      const header = Buffer.alloc(4);
      header.writeUInt32BE(1024 * 1024 * 1024, 0);
      const part = randomBytes(200 * 1024);
      const before = process.memoryUsage().arrayBuffers;
      p.peer.write(Buffer.concat([header, part]));
      await p.received(4 + part.length);
      const grown = process.memoryUsage().arrayBuffers - before;
      assert.ok(grown < 256 * 1024 * 1024, `grew ${grown} bytes`);
      assert.equal(p.session.closed, false);
      p.peer.end();
      await within(p.closed, BOUND_MS, 'close');
      assert.equal(p.session.closeReason?.code, ErrorCode.BAD_PACKAGE);
      assert.equal(p.session.closeReason?.message, `peer closed inside a frame (${4 + part.length} bytes left)`);
    });

    it('gathers a large frame whose header came alone and whose next bytes fill a whole snappy chunk', async (t) => {
      const p = await pair(t, { configure: (s) => s.setCompressType(CompressType.Snappy) });
      const big = randomBytes(200 * 1024);
      const wire = frame(big);
      const parts = [STREAM_ID_CHUNK, dataChunk(wire.subarray(0, 3))];
      for (let at = 3; at < wire.length; at += 65536) parts.push(dataChunk(wire.subarray(at, at + 65536)));
      p.peer.end(Buffer.concat(parts));
      await within(p.closed, BOUND_MS, 'close');
      assert.equal(p.messages.length, 1);
      assert.ok(p.messages[0]!.equals(big));
      assert.equal(p.session.closeReason, undefined);
    });

    it('closes with BAD_PACKAGE when the peer ends inside a small frame', async (t) => {
      const p = await pair(t);
      p.peer.end(frame('hello').subarray(0, 6));
      await within(p.closed, BOUND_MS, 'close');
      assert.equal(p.session.closeReason?.code, ErrorCode.BAD_PACKAGE);
      assert.equal(p.session.closeReason?.message, 'peer closed inside a frame (6 bytes left)');
    });
  });

  describe('backpressure', () => {
    it('pauses when a large frame completes without room, keeping it and what followed in order', async (t) => {
      const pool = new GatePool();
      const p = await pair(t, { server: { taskPool: pool } });
      const big = randomBytes(70 * 1024);
      const wire = Buffer.concat([frame(big), frame('s1'), frame('s2')]);
      p.peer.write(wire.subarray(0, 60 * 1024));
      await p.received(60 * 1024);
      pool.shut();
      p.peer.write(wire.subarray(60 * 1024));
      await within(pool.someoneWaits(), BOUND_MS, 'pause');
      assert.equal(p.messages.length, 0);
      assert.equal(pool.waitCalls, 1);
      pool.open();
      p.peer.end();
      await within(p.closed, BOUND_MS, 'close');
      assert.equal(p.messages.length, 3);
      assert.ok(p.messages[0]!.equals(big));
      assert.deepEqual(bodies(p).slice(1), ['s1', 's2']);
      assert.equal(p.session.closeReason, undefined);
    });

    it('reads again when room returns and pauses again when it runs out', async (t) => {
      const pool = new GatePool();
      const p = await pair(t, { server: { taskPool: pool } });
      pool.shut();
      p.peer.write(Buffer.concat(['m0', 'm1', 'm2', 'm3', 'm4'].map(frame)));
      await within(pool.someoneWaits(), BOUND_MS, 'pause');
      assert.equal(p.messages.length, 0);
      assert.equal(p.session.socket.isPaused(), true);
      pool.open(2);
      assert.deepEqual(bodies(p), ['m0', 'm1']);
      assert.equal(p.session.socket.isPaused(), true);
      pool.open();
      assert.deepEqual(bodies(p), ['m0', 'm1', 'm2', 'm3', 'm4']);
      assert.equal(p.session.socket.isPaused(), false);
      assert.equal(p.session.closed, false);
      p.peer.end(frame('m5'));
      await within(p.closed, BOUND_MS, 'close');
      assert.deepEqual(bodies(p), ['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
      assert.equal(p.session.closeReason, undefined);
    });

    it('decodes what came with a FIN that arrived while paused, then closes cleanly', async (t) => {
      const pool = new GatePool();
      const p = await pair(t, { server: { taskPool: pool } });
      pool.shut();
      p.peer.write(Buffer.concat(['f0', 'f1'].map(frame)));
      await within(pool.someoneWaits(), BOUND_MS, 'pause');
      const tail = Buffer.concat(['f2', 'f3', 'f4'].map(frame));
      p.peer.end(tail);
      // The paused socket reads the tail and the FIN into its buffer; no event says so.
      await waitFor(() => p.session.socket.readableLength >= tail.length, BOUND_MS, 'tail buffered');
      // Room for f0, f1 and f2: the session pauses again inside the tail, and the FIN,
      // already read, is emitted while it is paused.
      const ended = once(p.session.socket, 'end');
      pool.open(3);
      await within(ended, BOUND_MS, 'FIN');
      assert.deepEqual(bodies(p), ['f0', 'f1', 'f2']);
      assert.equal(p.session.closed, false);
      pool.open();
      await within(p.closed, BOUND_MS, 'close');
      assert.deepEqual(bodies(p), ['f0', 'f1', 'f2', 'f3', 'f4']);
      assert.equal(p.session.closeReason, undefined);
    });

    it('decodes nothing more once closed while paused, when room returns', async (t) => {
      const pool = new GatePool();
      const reader = countingCodec();
      const p = await pair(t, { server: { taskPool: pool }, configure: (s) => s.setPkgHandler(reader) });
      pool.shut();
      p.peer.write(Buffer.concat(['a', 'b', 'c'].map(frame)));
      await within(pool.someoneWaits(), BOUND_MS, 'pause');
      const asked = reader.offered.length;
      p.session.close();
      pool.open();
      assert.equal(reader.offered.length, asked);
      assert.equal(p.messages.length, 0);
    });

    it('stops reading at maxInflight unsettled calls and reads on as they settle', async (t) => {
      const pending: (() => void)[] = [];
      let settleAtOnce = false;
      const second = deferred();
      const p = await pair(t, {
        configure: (s) => s.setMaxInflight(2),
        onMessage: () => {
          if (settleAtOnce) return Promise.resolve();
          return new Promise<void>((resolve) => {
            pending.push(resolve);
            if (pending.length === 2) second.resolve();
          });
        },
      });
      const names = Array.from({ length: 10 }, (_, i) => `n${i}`);
      p.peer.write(Buffer.concat(names.map(frame)));
      await within(second.promise, BOUND_MS, 'two calls');
      assert.equal(p.messages.length, 2);
      settleAtOnce = true;
      for (const resolve of pending) resolve();
      p.peer.end();
      await within(p.closed, BOUND_MS, 'close');
      assert.deepEqual(bodies(p), names);
      assert.equal(p.session.closeReason, undefined);
    });

    it('ends the session, not the process, when the task pool was closed (TASK_POOL_CLOSED)', async (t) => {
      const pool = createTaskPool({ size: 1 });
      await pool.close();
      const p = await pair(t, { server: { taskPool: pool } });
      p.peer.end(frame('late'));
      await within(p.closed, BOUND_MS, 'close');
      assert.equal(p.session.closeReason?.code, ErrorCode.TASK_POOL_CLOSED);
    });
    it('ends a deflate session, not the process, when the task pool was closed', async (t) => {
      const pool = createTaskPool({ size: 1 });
      await pool.close();
      const p = await pair(t, { server: { taskPool: pool }, configure: (s) => s.setCompressType(CompressType.Zip) });
      p.peer.write(zlib.deflateRawSync(frame('late'), { finishFlush: zlib.constants.Z_SYNC_FLUSH }));
      await within(p.closed, BOUND_MS, 'close');
      assert.equal(p.session.closeReason?.code, ErrorCode.TASK_POOL_CLOSED);
    });
    it('ends a session paused on the task pool, not the process, when the pool closes', async (t) => {
      const pool = createTaskPool({ size: 1, queues: 1, queueLength: 1 });
      const running: (() => void)[] = [];
      const p = await pair(t, {
        server: { taskPool: pool },
        onMessage: () => new Promise<void>((resolve) => running.push(resolve)),
      });
      p.peer.write(Buffer.concat(['p0', 'p1', 'p2', 'p3'].map(frame)));
      // p0 runs, p1 waits in the queue: no room for p2.
      await waitFor(() => p.session.socket.isPaused(), BOUND_MS, 'pause');
      const closing = pool.close();
      for (const resolve of running) resolve();
      await within(closing, BOUND_MS, 'pool close');
      await within(p.closed, BOUND_MS, 'session close');
      assert.equal(p.session.closeReason?.code, ErrorCode.TASK_POOL_CLOSED);
    });
  });

  describe('end of stream', () => {
    it('leaves peerClosedCleanly false when the session closed first', async (t) => {
      const p = await pair(t, { onMessage: (s) => s.close() });
      const socketClosed = once(p.session.socket, 'close');
      p.peer.write(frame('bye'));
      await within(once(p.peer, 'end'), BOUND_MS, 'server FIN');
      p.peer.end();
      await within(socketClosed, BOUND_MS, 'socket close');
      assert.equal(p.session.peerClosedCleanly, false);
      assert.equal(p.session.closeReason, undefined);
    });

    it('decodes nothing more of a large frame that completes after a graceful close', async (t) => {
      const reader = countingCodec();
      const p = await pair(t, { configure: (s) => s.setPkgHandler(reader) });
      const wire = frame(randomBytes(100 * 1024));
      p.peer.write(wire.subarray(0, 20 * 1024));
      await p.received(20 * 1024);
      const asked = reader.offered.length;
      p.session.close();
      p.peer.write(wire.subarray(20 * 1024));
      await within(p.received(wire.length), BOUND_MS, 'rest of the frame');
      assert.equal(reader.offered.length, asked);
      assert.equal(p.messages.length, 0);
    });

    it('stops decoding a chunk once onMessage closed the session', async (t) => {
      const reader = countingCodec();
      const p = await pair(t, { configure: (s) => s.setPkgHandler(reader), onMessage: (s) => s.close() });
      p.peer.write(Buffer.concat(['one', 'two', 'three'].map(frame)));
      await within(p.closed, BOUND_MS, 'close');
      assert.deepEqual(bodies(p), ['one']);
      assert.equal(reader.offered.length, 1);
      assert.equal(p.session.stats.pkgsIn, 1);
    });

    it('decodes nothing that arrives after a graceful close', async (t) => {
      const reader = countingCodec();
      const p = await pair(t, { configure: (s) => s.setPkgHandler(reader), onMessage: (s) => s.close() });
      p.peer.write(frame('first'));
      await within(p.closed, BOUND_MS, 'close');
      const asked = reader.offered.length;
      p.peer.write(frame('ignored'));
      await p.received(2 * 9 + 2);
      assert.equal(reader.offered.length, asked);
      assert.deepEqual(bodies(p), ['first']);
    });
  });

  describe('compression', () => {
    const names = Array.from({ length: 40 }, (_, i) => `z${i}`);
    const deflated = () => zlib.deflateRawSync(Buffer.concat(names.map(frame)));

    it('inflates deflate frames and closes only after the last one that came before FIN', async (t) => {
      const p = await pair(t, { configure: (s) => s.setCompressType(CompressType.Zip) });
      p.peer.end(deflated());
      await within(p.closed, BOUND_MS, 'close');
      assert.deepEqual(bodies(p), names);
      assert.equal(p.session.closeReason, undefined);
    });

    it('delivers every deflate frame when calls settle slowly and FIN came before they were inflated', async (t) => {
      const p = await pair(t, {
        configure: (s) => s.setCompressType(CompressType.Zip).setMaxInflight(1),
        onMessage: () => new Promise((resolve) => setImmediate(resolve)),
      });
      // 64 KiB of plain bytes leave the inflater in several pieces.
      const bigBodies = Array.from({ length: 16 }, () => randomBytes(4096));
      p.peer.end(zlib.deflateRawSync(Buffer.concat(bigBodies.map(frame))));
      await within(p.closed, BOUND_MS, 'close');
      assert.equal(p.messages.length, bigBodies.length);
      assert.ok(p.messages.every((m, i) => m.equals(bigBodies[i]!)));
      assert.equal(p.session.closeReason, undefined);
    });

    it('delivers every snappy frame when calls settle slowly', async (t) => {
      const p = await pair(t, {
        configure: (s) => s.setCompressType(CompressType.Snappy).setMaxInflight(1),
        onMessage: () => new Promise((resolve) => setImmediate(resolve)),
      });
      const wire = Buffer.concat(names.map(frame));
      p.peer.end(Buffer.concat([STREAM_ID_CHUNK, dataChunk(wire.subarray(0, 50)), dataChunk(wire.subarray(50, 120)), dataChunk(wire.subarray(120))]));
      await within(p.closed, BOUND_MS, 'close');
      assert.deepEqual(bodies(p), names);
      assert.equal(p.session.closeReason, undefined);
    });

    it('counts what the deflater has not taken yet as buffered', async (t) => {
      const p = await pair(t, { configure: (s) => s.setCompressType(CompressType.Zip) });
      p.session.writePkg(randomBytes(64 * 1024));
      assert.ok(p.session.bufferedBytes >= 64 * 1024, `bufferedBytes ${p.session.bufferedBytes}`);
    });
  });

  describe('allocation failure', () => {
    /** Makes the session's frame buffers fail to allocate while the test runs (`where`: incomplete or frameWithRoom). */
    function failFrameBuffers(t: TestContext, where: 'incomplete' | 'frameWithRoom'): RangeError[] {
      const thrown: RangeError[] = [];
      const real = Buffer.allocUnsafe;
      Buffer.allocUnsafe = (size: number) => {
        const stack = new Error().stack ?? '';
        if (stack.includes('TcpSession.allocate') && stack.includes(`TcpSession.${where}`)) {
          const err = new RangeError(`no room for ${size} bytes`);
          thrown.push(err);
          throw err;
        }
        return real.call(Buffer, size);
      };
      t.after(() => {
        Buffer.allocUnsafe = real;
      });
      return thrown;
    }

    /** The start of a deflate stream (sync-flushed, not ended) holding `plain`. */
    function deflating(plain: Buffer): Buffer {
      return zlib.deflateRawSync(plain, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    }

    it('closes with LIMIT_EXCEEDED when the first buffer of a large frame cannot be had, and reads no more', async (t) => {
      const thrown = failFrameBuffers(t, 'incomplete');
      const reader = countingCodec();
      const p = await pair(t, { configure: (s) => s.setPkgHandler(reader).setCompressType(CompressType.Zip) });
      p.peer.write(deflating(frame(randomBytes(300 * 1024)).subarray(0, 100 * 1024)));
      await within(p.closed, BOUND_MS, 'close');
      assert.equal(thrown.length, 1);
      const reason = p.session.closeReason;
      assert.ok(reason !== undefined);
      assert.equal(reason.code, ErrorCode.LIMIT_EXCEEDED);
      assert.match(reason.message, /^cannot buffer a frame of \d+ bytes: RangeError: no room for \d+ bytes$/);
      assert.equal(reason.cause, thrown[0]);
      assert.equal(reader.offered.length, 1);
    });

    it('closes with LIMIT_EXCEEDED when a large frame cannot grow', async (t) => {
      const thrown = failFrameBuffers(t, 'frameWithRoom');
      const p = await pair(t, { configure: (s) => s.setCompressType(CompressType.Zip) });
      p.peer.write(deflating(frame(randomBytes(300 * 1024)).subarray(0, 200 * 1024)));
      await within(p.closed, BOUND_MS, 'close');
      assert.equal(thrown.length, 1);
      assert.equal(p.session.closeReason?.code, ErrorCode.LIMIT_EXCEEDED);
      assert.equal(p.session.closeReason?.cause, thrown[0]);
    });
  });
});
