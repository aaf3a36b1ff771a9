/**
 * What every session kind inherits from BaseSession, seen through real TCP
 * sessions on 127.0.0.1 (a WebSocket one where only that kind reaches the
 * code): setter validation, defaults, writes, the once-only close and
 * discard, listener dispatch with its in-flight cap and task pool, and the
 * wheel-driven idle and write checks.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { ErrorCode, isRpcError, RpcError } from '../../common/rpc-error.js';
import type { BaseSession, SessionOwner } from '../../transport/base-session.js';
import { CompressType } from '../../transport/compress-type.js';
import type { EventListener, ReadWriter, Session } from '../../transport/session-contract.js';
import { createTaskPool, type TaskPool } from '../../transport/task-pool.js';
import { createTcpServer, type TcpServer, type TcpServerOptions } from '../../transport/tcp-server.js';
import { TcpSession } from '../../transport/tcp-session.js';
import { TimerWheel } from '../../transport/timer-wheel.js';
import { codec, type Deferred, deferred, frames, rawConnect as connectRaw, waitFor, within } from './helpers.js';
import { openPeer, serveWs } from './ws-fixture.js';

// ---- helpers of this file

const cleanups: (() => unknown)[] = [];

/** Registers what the running test must release, whether it passes or fails (a failing test must not keep the process alive). */
function onCleanup(fn: () => unknown): void {
  cleanups.push(fn);
}

async function releaseAll(): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) {
    try {
      await fn();
    } catch {
      // Releasing is best effort: the test's own outcome is what counts.
    }
  }
}

/** A raw socket to the server, destroyed after the test. */
async function rawConnect(port: number): Promise<net.Socket> {
  const socket = await connectRaw(port);
  socket.on('error', () => {});
  onCleanup(() => socket.destroy());
  return socket;
}

/** A wheel of the test's own, cleared after it. */
function testWheel(options: ConstructorParameters<typeof TimerWheel>[0] = { tickMs: 5 }): TimerWheel {
  const wheel = new TimerWheel(options);
  onCleanup(() => wheel.clear());
  return wheel;
}

/** A task pool whose queued tasks are dropped after the test (nothing waits for running ones). */
function testPool(options: Parameters<typeof createTaskPool>[0]): TaskPool {
  const pool = createTaskPool(options);
  onCleanup(() => void pool.close());
  return pool;
}

/** The length-field codec without its slab fast path, so writes go through BaseSession.writePkg. */
const plainCodec: ReadWriter<Buffer> = {
  read: (s, buf) => codec.read(s, buf),
  write: (s, pkg) => codec.write(s, pkg),
};

interface Served {
  server: TcpServer<Buffer>;
  /** The first session the server made (resolved once newSession ran, the session started or refused). */
  session: Promise<Session<Buffer>>;
}

/** A TCP server whose sessions `configure` sets up completely (handler and listener included). */
async function serveTcp(configure: (s: Session<Buffer>) => void, options: TcpServerOptions = {}): Promise<Served> {
  const first = deferred<Session<Buffer>>();
  const server = createTcpServer<Buffer>({ port: 0, ...options });
  onCleanup(() => server.close({ lingerMs: 0 }));
  await server.runEventLoop((s) => {
    first.resolve(s);
    configure(s);
  });
  return { server, session: first.promise };
}

/** Runs `action`, then returns the process warnings it caused (up to a sentinel warning emitted after it). */
async function warningsDuring(action: () => void | Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const sentinel = `base-session test sentinel ${process.hrtime.bigint()}`;
  const done = deferred();
  const onWarning = (warning: Error) => {
    if (warning.message === sentinel) done.resolve();
    else seen.push(warning.message);
  };
  process.on('warning', onWarning);
  try {
    await action();
    process.emitWarning(sentinel);
    await within(done.promise, 5000, 'sentinel warning');
  } finally {
    process.off('warning', onWarning);
  }
  return seen;
}

/** Warnings that name this session (other warnings of the process are not the test's business). */
function aboutSession(warnings: string[], s: Session): string[] {
  return warnings.filter((w) => w.includes(`#${s.id} `));
}

/** A connected pair on 127.0.0.1: `mine` (dialled with `options`) to wrap in a session, `peer` the other end. */
async function socketPair(options: { writableHighWaterMark?: number } = {}): Promise<{ mine: net.Socket; peer: net.Socket }> {
  const listener = net.createServer();
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const accepted = once(listener, 'connection');
  const mine = net.connect({ host: '127.0.0.1', port: (listener.address() as net.AddressInfo).port, ...options });
  await once(mine, 'connect');
  const [peer] = (await accepted) as [net.Socket];
  listener.close();
  for (const socket of [mine, peer]) {
    socket.on('error', () => {});
    onCleanup(() => socket.destroy());
  }
  return { mine, peer };
}

/** An owner that records what its sessions tell it. */
function recordingOwner(wheel = testWheel(), taskPool: TaskPool | null = null) {
  const closed: boolean[] = [];
  const backlog: [number, number][] = [];
  const owner: SessionOwner = {
    taskPool,
    wheel,
    sessionClosed: (_s, peerClosedCleanly) => void closed.push(peerClosedCleanly),
    backlogChanged: (_s, delta, bytes) => {
      backlog.push([delta, bytes]);
      return null;
    },
  };
  return { owner, closed, backlog, wheel };
}

/** Resolves when `socket` closed, whether or not an error (a reset) came first. */
function socketClosed(socket: net.Socket, what: string): Promise<void> {
  socket.on('error', () => {});
  return within(
    new Promise<void>((resolve) => socket.once('close', () => resolve())),
    10_000,
    what,
  );
}

/** Collects what a raw socket receives until it closes. */
async function receivedUntilClose(socket: net.Socket): Promise<Buffer> {
  const parts: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => void parts.push(chunk));
  await socketClosed(socket, 'peer socket closed');
  return Buffer.concat(parts);
}

function expectInvalid(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isRpcError(err, ErrorCode.INVALID_ARGUMENT), `expected INVALID_ARGUMENT, got ${String(err)}`);
    assert.match(err.message, message);
    return true;
  });
}


describe('BaseSession configuration', () => {
  afterEach(releaseAll);

  it('rejects bad settings with INVALID_ARGUMENT naming the setting, and accepts good ones', async () => {
    const { mine, peer } = await socketPair();
    const s = new TcpSession<Buffer>(mine, false);
    expectInvalid(() => s.setPkgHandler(null as unknown as ReadWriter<Buffer>), /setPkgHandler needs an object with read\(\) and write\(\)/);
    expectInvalid(() => s.setPkgHandler({ write: codec.write } as unknown as ReadWriter<Buffer>), /setPkgHandler/);
    expectInvalid(() => s.setPkgHandler({ read: codec.read } as unknown as ReadWriter<Buffer>), /setPkgHandler/);
    expectInvalid(() => s.setEventListener(null as unknown as EventListener<Buffer>), /setEventListener needs an object/);
    expectInvalid(() => s.setEventListener('listener' as unknown as EventListener<Buffer>), /setEventListener needs an object/);
    expectInvalid(() => s.setReadTimeout(-1), /readTimeoutMs must be a finite number >= 0, got -1/);
    expectInvalid(() => s.setWriteTimeout(Number.NaN), /writeTimeoutMs must be a finite number >= 0, got NaN/);
    expectInvalid(() => s.setCronPeriod(0), /cronPeriodMs must be a finite number >= 1, got 0/);
    expectInvalid(() => s.setMaxMsgLen(Number.POSITIVE_INFINITY), /maxMsgLen must be a finite number >= 0/);
    expectInvalid(() => s.setMaxWriteBufferBytes('9' as unknown as number), /maxWriteBufferBytes must be a finite number >= 1, got 9/);
    expectInvalid(() => s.setWriteHighWaterMark(-5), /writeHighWaterMark must be a finite number >= 0, got -5/);
    expectInvalid(() => s.setFlushThresholdBytes(-1), /flushThresholdBytes must be a finite number >= 0/);
    expectInvalid(() => s.setMaxInflight(1.5), /maxInflight must be an integer >= 0, got 1.5/);
    expectInvalid(() => s.setMaxInflight(-1), /maxInflight must be a finite number >= 0, got -1/);
    expectInvalid(() => s.setCompressType('zip' as unknown as CompressType), /unknown compress type zip/);

    assert.equal(s.setName(42 as unknown as string), s);
    assert.equal(s.name, '42');
    assert.equal(s.setWriteHighWaterMark(10), s);
    assert.equal(s.writeHighWaterMark, 10);
    assert.equal(s.setMaxInflight(3), s);
    assert.equal(s.maxInflight, 3);
    assert.equal(s.setMaxInflight(0).maxInflight, 0);
    assert.equal(s.setReadTimeout(0).setWriteTimeout(5).setCronPeriod(1).setMaxMsgLen(0).setMaxWriteBufferBytes(1).setFlushThresholdBytes(0), s);
    assert.equal(s.setCompressType(CompressType.Snappy).compressType, CompressType.Snappy);
    s.discard();
    peer.destroy();
  });

  it('refuses setCompressType once the session started, naming the method', async () => {
    const { server, session } = await serveTcp((s) => void s.setPkgHandler(codec));
    const socket = await rawConnect(server.address.port);
    const s = await session;
    expectInvalid(() => s.setCompressType(CompressType.None), /setCompressType must be called before the session starts/);
    socket.destroy();
    await server.close();
  });

  it('names a session "tcp-session" by default, knows both ends, and numbers sessions upwards', async () => {
    const opened: Session<Buffer>[] = [];
    const server = createTcpServer<Buffer>({ port: 0 });
    onCleanup(() => server.close({ lingerMs: 0 }));
    await server.runEventLoop((s) => void s.setPkgHandler(codec).setEventListener({ onOpen: (x) => void opened.push(x) }));
    const a = await rawConnect(server.address.port);
    const b = await rawConnect(server.address.port);
    await waitFor(() => opened.length === 2, 5000, 'two sessions');
    const [first, second] = opened as [Session<Buffer>, Session<Buffer>];
    assert.equal(first.name, 'tcp-session');
    assert.equal(first.localAddress, `127.0.0.1:${server.address.port}`);
    assert.equal(first.remoteAddress, `127.0.0.1:${a.localPort}`);
    assert.ok(first.id >= 1, `id ${first.id}`);
    assert.ok(second.id > first.id, `ids ${first.id}, ${second.id}`);
    a.destroy();
    b.destroy();
    await server.close();
  });

  it('deletes attributes whether or not any were set, also after close', async () => {
    const { mine, peer } = await socketPair();
    const s = new TcpSession<Buffer>(mine, false);
    s.deleteAttribute('never set');
    s.setAttribute('k', 1);
    assert.equal(s.getAttribute('k'), 1);
    s.deleteAttribute('k');
    assert.equal(s.getAttribute('k'), undefined);
    s.discard();
    s.deleteAttribute('k');
    peer.destroy();
  });
});

describe('BaseSession writes', () => {
  afterEach(releaseAll);

  it('takes a 64 KiB write below the default 1 MiB high-water mark', async () => {
    const { server, session } = await serveTcp((s) => void s.setPkgHandler(codec));
    const socket = await rawConnect(server.address.port);
    const s = await session;
    assert.equal(s.writeBytes(Buffer.alloc(64 * 1024)), true);
    socket.destroy();
    await server.close();
  });

  it('counts packages written through the handler and sends buffer arrays in order', async () => {
    const { server, session } = await serveTcp((s) => void s.setPkgHandler(plainCodec));
    const socket = await rawConnect(server.address.port);
    const s = await session;
    assert.equal(s.writeBytesArray([]), true);
    assert.equal(s.writePkg(Buffer.from('pkg')), true);
    assert.equal(s.stats.pkgsOut, 1);
    assert.equal(s.writeBytesArray([Buffer.from('a'), Buffer.from('b')]), true);
    s.close();
    const got = await receivedUntilClose(socket);
    assert.deepEqual(got, Buffer.concat([codec.encode(Buffer.from('pkg')), Buffer.from('ab')]));
    await server.close();
  });

  it('turns a throwing writer into BAD_PACKAGE and stays open', async () => {
    const failing: ReadWriter<Buffer> = {
      read: (s, buf) => codec.read(s, buf),
      write: () => {
        throw new Error('cannot encode this');
      },
    };
    const { server, session } = await serveTcp((s) => void s.setPkgHandler(failing));
    const socket = await rawConnect(server.address.port);
    const s = await session;
    assert.throws(
      () => s.writePkg(Buffer.from('x')),
      (err: unknown) => isRpcError(err, ErrorCode.BAD_PACKAGE) && /cannot encode this/.test(err.message),
    );
    assert.equal(s.stats.pkgsOut, 0);
    assert.equal(s.closed, false);
    socket.destroy();
    await server.close();
  });

  it('needs a package handler for writePkg', async () => {
    const { mine, peer } = await socketPair();
    const s = new TcpSession<Buffer>(mine, false);
    expectInvalid(() => s.writePkg(Buffer.from('x')), /writePkg needs a package handler \(setPkgHandler\)/);
    s.discard();
    peer.destroy();
  });

  it('refuses writes after close with SESSION_CLOSED naming the session', async () => {
    const { server, session } = await serveTcp((s) => void s.setPkgHandler(codec).setName('named'));
    const socket = await rawConnect(server.address.port);
    const s = await session;
    s.close();
    for (const write of [() => s.writeBytes(Buffer.from('x')), () => s.writeBytesArray([]), () => s.writePkg(Buffer.from('x'))]) {
      assert.throws(write, (err: unknown) => isRpcError(err, ErrorCode.SESSION_CLOSED) && err.message === `session named#${s.id} is closed`);
    }
    socket.destroy();
    await server.close();
  });

  it('closes with WRITE_BUFFER_FULL naming maxWriteBufferBytes when a write passes it', async () => {
    const closed = deferred<RpcError | undefined>();
    const { server, session } = await serveTcp((s) => {
      s.setPkgHandler(codec).setMaxWriteBufferBytes(100);
      s.onClosed((x) => closed.resolve(x.closeReason));
    });
    const socket = await rawConnect(server.address.port);
    const s = await session;
    assert.throws(
      () => s.writeBytes(Buffer.alloc(101)),
      (err: unknown) => isRpcError(err, ErrorCode.WRITE_BUFFER_FULL) && /101 bytes queued exceed maxWriteBufferBytes 100/.test(err.message),
    );
    assert.ok(isRpcError(await closed.promise, ErrorCode.WRITE_BUFFER_FULL));
    socket.destroy();
    await server.close();
  });

  it('takes a write that fills maxWriteBufferBytes exactly (WebSocket checks every write)', async () => {
    const served = await serveWs<Buffer>({ configure: (s) => void s.setMaxWriteBufferBytes(64) });
    onCleanup(() => served.server.close({ lingerMs: 0 }));
    const peer = await openPeer(served.server.url);
    onCleanup(() => peer.terminate());
    const s = await served.session;
    assert.equal(s.bufferedBytes, 0);
    s.writeBytes(Buffer.alloc(64));
    assert.equal(s.closed, false);
    peer.terminate();
    await served.server.close();
  });
});

describe('BaseSession close and discard', () => {
  afterEach(releaseAll);

  it('flushes queued bytes before the FIN of a clean close', async () => {
    const { server, session } = await serveTcp((s) => void s.setPkgHandler(codec));
    const socket = await rawConnect(server.address.port);
    const s = await session;
    s.writeBytes(Buffer.from('last words'));
    s.close();
    assert.equal((await receivedUntilClose(socket)).toString(), 'last words');
    await server.close();
  });

  it('drops what a refused session queued and marks it closed', async () => {
    let refusedSession: Session<Buffer> | null = null;
    const server = createTcpServer<Buffer>({ port: 0 });
    onCleanup(() => server.close({ lingerMs: 0 }));
    await server.runEventLoop((s) => {
      refusedSession = s;
      s.setPkgHandler(codec);
      s.writeBytes(Buffer.from('never sent'));
      throw new Error('refused in newSession');
    });
    const socket = await rawConnect(server.address.port);
    assert.equal((await receivedUntilClose(socket)).length, 0);
    assert.equal((refusedSession as Session<Buffer> | null)?.closed, true);
    assert.equal(server.stats().refused.newSession, 1);
    await server.close();
  });

  it('reports a session refused by onOpen as CONNECT_FAILED naming onOpen, and tells its owner once', async () => {
    const { mine, peer } = await socketPair();
    const { owner, closed } = recordingOwner();
    const s = new TcpSession<Buffer>(mine, false);
    const refusal = s.open(owner, (x) => void x.setPkgHandler(codec).setEventListener({ onOpen: (y) => y.close() }));
    assert.ok(isRpcError(refusal, ErrorCode.CONNECT_FAILED), String(refusal));
    assert.match(refusal.message, new RegExp(`session tcp-session#${s.id} refused by onOpen`));
    assert.equal(s.closed, true);
    s.discard();
    s.close();
    assert.deepEqual(closed, [false]);
    peer.destroy();
  });

  it('runs a discard once: a second discard after close tells the owner nothing more', async () => {
    const { mine, peer } = await socketPair();
    const { owner, closed } = recordingOwner();
    const s = new TcpSession<Buffer>(mine, false);
    assert.equal(
      s.open(owner, (x) => void x.setPkgHandler(codec)),
      null,
    );
    s.close();
    s.discard();
    assert.deepEqual(closed, [false]);
    peer.destroy();
    owner.wheel.clear();
  });

  it('closes a session that never started gracefully on the default wheel', async () => {
    const { mine, peer } = await socketPair();
    const s = new TcpSession<Buffer>(mine, false);
    s.setPkgHandler(codec);
    s.writeBytes(Buffer.from('before start'));
    s.close();
    assert.equal(s.closed, true);
    assert.equal((await receivedUntilClose(peer)).toString(), 'before start');
  });

  it('says whether the peer ended the stream: not for a local close, yes after the peer’s FIN', async () => {
    const clean: boolean[] = [];
    const server = createTcpServer<Buffer>({ port: 0 });
    onCleanup(() => server.close({ lingerMs: 0 }));
    await server.runEventLoop((s) => {
      s.setPkgHandler(codec).setEventListener({ onClose: (x) => void clean.push((x as BaseSession<Buffer>).peerClosedCleanly) });
    });
    const a = await rawConnect(server.address.port);
    await waitFor(() => server.sessions.length === 1, 5000, 'first session');
    server.sessions[0]!.close(new RpcError(ErrorCode.SERVER_ERROR, 'local'));
    a.destroy();
    await waitFor(() => clean.length === 1, 5000, 'first onClose');
    const b = await rawConnect(server.address.port);
    b.end();
    await waitFor(() => clean.length === 2, 5000, 'second onClose');
    assert.deepEqual(clean, [false, true]);
    b.destroy();
    await server.close();
  });

  it('closes without warnings when the listener has no onError or onClose, running onClosed callbacks', async () => {
    const { server, session } = await serveTcp((s) => void s.setPkgHandler(codec).setEventListener({}));
    const socket = await rawConnect(server.address.port);
    const s = await session;
    let callbacks = 0;
    s.onClosed(() => void callbacks++);
    s.onClosed(() => void callbacks++);
    const warnings = await warningsDuring(() => s.close(new RpcError(ErrorCode.SERVER_ERROR, 'closing with a reason')));
    assert.deepEqual(aboutSession(warnings, s), []);
    assert.equal(callbacks, 2);
    socket.destroy();
    await server.close();
  });

  it('turns a throwing onClose into a warning with the session and the stack, and still runs onClosed', async () => {
    const { server, session } = await serveTcp((s) =>
      s.setPkgHandler(codec).setEventListener({
        onClose: () => {
          throw new Error('onClose broke');
        },
      }),
    );
    const socket = await rawConnect(server.address.port);
    const s = await session;
    let callbacks = 0;
    s.onClosed(() => void callbacks++);
    const warnings = aboutSession(await warningsDuring(() => s.close()), s);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0]!, new RegExp(`^listener of session tcp-session#${s.id} threw: Error: onClose broke\\n\\s+at `));
    assert.equal(callbacks, 1);
    socket.destroy();
    await server.close();
  });

  it('tells its owner nothing about output a closing session flushes when nothing was reported before', async () => {
    const { mine, peer } = await socketPair();
    peer.pause();
    const { owner, backlog } = recordingOwner();
    const s = new TcpSession<Buffer>(mine, false);
    // Flushed at the end of the turn only, so the first flush is the one close() makes.
    assert.equal(
      s.open(owner, (x) => void x.setPkgHandler(codec).setFlushThresholdBytes(0)),
      null,
    );
    s.writeBytes(Buffer.alloc(32 * 1024 * 1024));
    s.close();
    assert.ok(mine.writableLength > 0, 'the socket holds output');
    assert.deepEqual(backlog, []);
    peer.destroy();
    await socketClosed(mine, 'session socket closed');
    assert.deepEqual(backlog, []);
    owner.wheel.clear();
  });
});

describe('BaseSession dispatch', () => {
  afterEach(releaseAll);

  it('counts an unsettled onMessage promise as in flight until it settles', async () => {
    const gate = deferred();
    const { server, session } = await serveTcp((s) => void s.setPkgHandler(codec).setEventListener({ onMessage: () => gate.promise }));
    const socket = await rawConnect(server.address.port);
    const s = await session;
    socket.write(frames(1).wire);
    await waitFor(() => s.stats.pkgsIn === 1, 5000, 'package delivered');
    assert.equal(s.inflight, 1);
    gate.resolve();
    await waitFor(() => s.inflight === 0, 5000, 'settled');
    assert.equal(s.closed, false);
    socket.destroy();
    await server.close();
  });

  it('reports a rejected or throwing onMessage through onError (SERVER_ERROR) and keeps reading', async () => {
    const errors: RpcError[] = [];
    const got: string[] = [];
    const { server, session } = await serveTcp((s) =>
      s.setPkgHandler(codec).setEventListener({
        onMessage: (_x, pkg) => {
          got.push(pkg.toString());
          if (pkg.toString() === 'msg-0') return Promise.reject(new Error('async failure'));
          if (pkg.toString() === 'msg-1') throw new Error('sync failure');
          return undefined;
        },
        onError: (_x, err) => void errors.push(err),
      }),
    );
    const socket = await rawConnect(server.address.port);
    const s = await session;
    socket.write(frames(3).wire);
    await waitFor(() => errors.length === 2 && s.inflight === 0, 5000, 'both failures reported');
    assert.deepEqual(got, ['msg-0', 'msg-1', 'msg-2']);
    assert.deepEqual(
      errors.map((e) => [e.code, e.message]).sort(),
      [
        [ErrorCode.SERVER_ERROR, 'async failure'],
        [ErrorCode.SERVER_ERROR, 'sync failure'],
      ],
    );
    assert.equal(s.closed, false);
    socket.destroy();
    await server.close();
  });

  it('delivers to a listener without onMessage, and reports a rejection to one without onError, without errors or warnings', async () => {
    const errors: RpcError[] = [];
    const quiet = await serveTcp((s) => void s.setPkgHandler(codec).setEventListener({ onError: (_x, err) => void errors.push(err) }));
    const socketA = await rawConnect(quiet.server.address.port);
    const a = await quiet.session;
    const failing = await serveTcp((s) => void s.setPkgHandler(codec).setEventListener({ onMessage: () => Promise.reject(new Error('nobody listens')) }));
    const socketB = await rawConnect(failing.server.address.port);
    const b = await failing.session;
    const warnings = await warningsDuring(async () => {
      socketA.write(frames(2).wire);
      socketB.write(frames(1).wire);
      await waitFor(() => a.stats.pkgsIn === 2, 5000, 'packages without onMessage');
      await waitFor(() => b.stats.pkgsIn === 1 && b.inflight === 0, 5000, 'rejection settled');
    });
    assert.deepEqual(errors, []);
    assert.deepEqual([...aboutSession(warnings, a), ...aboutSession(warnings, b)], []);
    socketA.destroy();
    socketB.destroy();
    await quiet.server.close();
    await failing.server.close();
  });

  it('stops reading at maxInflight unsettled calls and resumes once half of them settled', async () => {
    const pending: Deferred<void>[] = [];
    const inflightAtCall: number[] = [];
    let settleAtOnce = false;
    const { server, session } = await serveTcp((s) =>
      s
        .setPkgHandler(codec)
        .setMaxInflight(4)
        .setEventListener({
          onMessage: (x) => {
            inflightAtCall.push(x.inflight);
            if (settleAtOnce) return Promise.resolve();
            const d = deferred();
            pending.push(d);
            return d.promise;
          },
        }),
    );
    const socket = await rawConnect(server.address.port);
    const s = await session;
    const { wire } = frames(10);
    socket.write(wire);
    await waitFor(() => s.stats.bytesIn === wire.length, 5000, 'all bytes in');
    assert.deepEqual(inflightAtCall, [0, 1, 2, 3]);
    // One settled leaves 3 > 4/2 in flight: still paused. Two settled: resumes and fills up to the cap again.
    pending[0]!.resolve();
    pending[1]!.resolve();
    await waitFor(() => inflightAtCall.length === 6, 5000, 'resumed after half settled');
    assert.deepEqual(inflightAtCall, [0, 1, 2, 3, 2, 3]);
    settleAtOnce = true;
    for (const d of pending) d.resolve();
    await waitFor(() => inflightAtCall.length === 10 && s.inflight === 0, 5000, 'the rest delivered');
    assert.equal(s.stats.pkgsIn, 10);
    socket.destroy();
    await server.close();
  });

  for (const maxInflight of [0, 10]) {
    it(`runs onMessage as a pool task and resumes reading when a full pool has room (maxInflight ${maxInflight})`, async () => {
      const pool = testPool({ size: 1, queueLength: 1 });
      const gate = deferred();
      const got: string[] = [];
      const poolPendingAtFirst: number[] = [];
      const { server, session } = await serveTcp(
        (s) =>
          s
            .setPkgHandler(codec)
            .setMaxInflight(maxInflight)
            .setEventListener({
              onMessage: (_x, pkg) => {
                if (got.length === 0) poolPendingAtFirst.push(pool.pending);
                got.push(pkg.toString());
                return got.length === 1 ? gate.promise : undefined;
              },
            }),
        { taskPool: pool },
      );
      const socket = await rawConnect(server.address.port);
      const s = await session;
      const { wire, bodies } = frames(5);
      socket.write(wire);
      await waitFor(() => s.stats.bytesIn === wire.length, 5000, 'all bytes in');
      assert.deepEqual(got, ['msg-0']);
      assert.deepEqual(poolPendingAtFirst, [1]);
      gate.resolve();
      await waitFor(() => got.length === 5, 5000, 'the rest delivered after the pool had room');
      // Sorted: the pool may start a resumed session's new packages before the one it dequeued (a task-pool matter).
      assert.deepEqual([...got].sort(), bodies);
      socket.destroy();
      await server.close();
      await pool.close();
    });
  }

  it('does not hand packages still queued in the pool to a session that closed meanwhile', async () => {
    const pool = testPool({ size: 1, queueLength: 8 });
    const gate = deferred();
    const got: string[] = [];
    const { server, session } = await serveTcp(
      (s) =>
        s.setPkgHandler(codec).setEventListener({
          onMessage: (_x, pkg) => {
            got.push(pkg.toString());
            return got.length === 1 ? gate.promise : undefined;
          },
        }),
      { taskPool: pool },
    );
    const socket = await rawConnect(server.address.port);
    const s = await session;
    socket.write(frames(4).wire);
    await waitFor(() => s.stats.pkgsIn === 4, 5000, 'four packages decoded');
    s.close();
    gate.resolve();
    await waitFor(() => pool.pending === 0, 5000, 'pool drained');
    assert.deepEqual(got, ['msg-0']);
    socket.destroy();
    await server.close();
    await pool.close();
  });
});

describe('BaseSession timers', () => {
  afterEach(releaseAll);

  it('puts nothing on the wheel for a session without onCron or read timeout, and takes a session’s timers off at close', async () => {
    const wheel = testWheel();
    let made = 0;
    const server = createTcpServer<Buffer>({ port: 0, wheel });
    onCleanup(() => server.close({ lingerMs: 0 }));
    await server.runEventLoop((s) => {
      s.setPkgHandler(codec).setCronPeriod(10);
      if (++made === 2) s.setReadTimeout(60_000).setEventListener({ onCron: () => undefined });
    });
    await rawConnect(server.address.port);
    await waitFor(() => server.sessions.length === 1, 5000, 'plain session');
    assert.equal(wheel.size, 0);
    await rawConnect(server.address.port);
    await waitFor(() => server.sessions.length === 2, 5000, 'session with cron and idle check');
    assert.equal(wheel.size, 2);
    // Closed with a reason: the socket is destroyed at once, so no linger timer joins the wheel either.
    server.sessions[1]!.close(new RpcError(ErrorCode.SERVER_ERROR, 'closed by the test'));
    assert.equal(wheel.size, 0);
  });

  it('closes an idle session with READ_TIMEOUT only once the timeout passed since the last bytes', async () => {
    const readTimeoutMs = 600;
    const closed = deferred<{ at: number; reason: RpcError | undefined }>();
    const { server, session } = await serveTcp((s) => {
      s.setPkgHandler(codec).setReadTimeout(readTimeoutMs);
      s.onClosed((x) => closed.resolve({ at: Date.now(), reason: x.closeReason }));
    });
    const socket = await rawConnect(server.address.port);
    const s = await session;
    // Bytes halfway through the timeout: the first idle check finds the session busy and looks again later.
    await new Promise((resolve) => setTimeout(resolve, readTimeoutMs / 2));
    const sentAt = Date.now();
    socket.write(frames(1).wire);
    const { at, reason } = await within(closed.promise, 10_000, 'idle close');
    assert.ok(isRpcError(reason, ErrorCode.READ_TIMEOUT), String(reason));
    assert.match(reason.message, new RegExp(`session tcp-session#${s.id} idle for \\d+ ms`));
    assert.equal(s.stats.pkgsIn, 1);
    assert.ok(at - sentAt >= readTimeoutMs - 5, `closed ${at - sentAt} ms after the last bytes`);
    socket.destroy();
    await server.close();
  });

  it('leaves a session open when its write timer finds everything taken, and closes a stalled one with WRITE_TIMEOUT', async () => {
    // A socket that never reports 'drain' (its high-water mark is never reached): the timer alone finds the output gone.
    const { mine, peer } = await socketPair({ writableHighWaterMark: 1 << 30 });
    peer.pause();
    // The wheel is driven by hand (its own interval, an hour per tick, never fires during the test).
    const tickMs = 3_600_000;
    const wheel = testWheel({ tickMs });
    const { owner } = recordingOwner(wheel);
    const s = new TcpSession<Buffer>(mine, false);
    assert.equal(
      s.open(owner, (x) => void x.setPkgHandler(codec).setWriteTimeout(tickMs)),
      null,
    );
    const big = Buffer.alloc(32 * 1024 * 1024);
    s.writeBytes(big);
    await waitFor(() => mine.writableLength > 0 && wheel.size === 1, 5000, 'output held by the socket, its check armed');
    let taken = 0;
    peer.on('data', (chunk: Buffer) => void (taken += chunk.length));
    peer.resume();
    await waitFor(() => taken === big.length, 10_000, 'peer took everything');
    wheel.advance(performance.now() + tickMs);
    assert.equal(wheel.size, 0, 'the write check ran');
    assert.equal(s.closed, false);

    peer.pause();
    s.writeBytes(big);
    await waitFor(() => mine.writableLength > 0 && wheel.size === 1, 5000, 'second batch held, its check armed');
    wheel.advance(performance.now() + tickMs);
    assert.ok(isRpcError(s.closeReason, ErrorCode.WRITE_TIMEOUT), String(s.closeReason));
    assert.match(s.closeReason.message, new RegExp(`session tcp-session#${s.id}: write stalled ${tickMs} ms`));
  });

  it('counts the write timeout from the last drain, not from the first stall', async () => {
    // The wheel is driven by hand: its own interval (an hour per tick) never fires during the test.
    const tickMs = 3_600_000;
    const wheel = testWheel({ tickMs });
    const { mine, peer } = await socketPair();
    peer.pause();
    const { owner } = recordingOwner(wheel);
    const s = new TcpSession<Buffer>(mine, false);
    // Two ticks: a check armed one tick after another falls due one tick later.
    assert.equal(
      s.open(owner, (x) => void x.setPkgHandler(codec).setWriteTimeout(1.5 * tickMs)),
      null,
    );
    const big = Buffer.alloc(32 * 1024 * 1024);
    s.writeBytes(big);
    await waitFor(() => wheel.size === 1, 5000, 'write check armed');
    const firstTick = performance.now() + tickMs;
    wheel.advance(firstTick);
    assert.equal(s.closed, false);
    // The peer takes everything ('drain'), then stalls again on a second batch.
    const stalledAgain = deferred();
    mine.once('drain', () => {
      peer.pause();
      s.writeBytes(big);
      stalledAgain.resolve();
    });
    peer.resume();
    await within(stalledAgain.promise, 10_000, 'drain');
    await waitFor(() => mine.writableLength > 0 && wheel.size === 1, 5000, 'second batch held, its check armed');
    // One more tick: the first stall's check would be due now, the second one's is not.
    wheel.advance(firstTick + tickMs);
    assert.equal(s.closed, false);
    wheel.advance(firstTick + 2 * tickMs);
    assert.ok(isRpcError(s.closeReason, ErrorCode.WRITE_TIMEOUT), String(s.closeReason));
  });

  it('pings a WebSocket peer on every cron tick without an onCron listener, and warns of nothing', async () => {
    const wheel = testWheel();
    const served = await serveWs<Buffer>({ configure: (s) => void s.setCronPeriod(10), server: { wheel } });
    onCleanup(() => served.server.close({ lingerMs: 0 }));
    const peer = await openPeer(served.server.url);
    onCleanup(() => peer.terminate());
    const s = await served.session;
    const warnings = await warningsDuring(async () => {
      await within(once(peer, 'ping'), 5000, 'first ping');
      await within(once(peer, 'ping'), 5000, 'second ping');
    });
    assert.deepEqual(aboutSession(warnings, s), []);
    peer.terminate();
    await served.server.close();
    wheel.clear();
  });
});
