/**
 * ServerEndpoint, the part every listening endpoint shares: option and call
 * checks, how the servers' output bound (maxServerWriteBufferBytes) is split
 * into per-session shares, close()'s linger, and listenOn's error handling.
 * Real servers on 127.0.0.1; the write-buffer accounting is driven with
 * sessions whose backlog the test sets, so the arithmetic is pinned exactly.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { ErrorCode, isRpcError, type RpcError } from '../../common/rpc-error.js';
import type { BaseSession, SessionOwner } from '../../transport/base-session.js';
import { listenOn } from '../../transport/server-endpoint.js';
import type { Session } from '../../transport/session-contract.js';
import { createTcpServer, TcpServer } from '../../transport/tcp-server.js';
import type { TimerHandle, TimerWheel } from '../../transport/timer-wheel.js';
import { codec, echoHoldingUntilFin, rawConnect, within } from './helpers.js';
import { testCert } from './tls-fixture.js';

const MiB = 1024 * 1024;

/** Servers and sockets to release after each test, so a failed assertion leaves nothing open. */
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function invalidWith(text: string) {
  return (err: unknown) => isRpcError(err, ErrorCode.INVALID_ARGUMENT) && (err as Error).message.includes(text);
}

interface ManualTimer {
  delayMs: number;
  fire: () => void;
}

/** A wheel whose timers fire only when the test fires them. */
function manualWheel(): { wheel: TimerWheel; timers: ManualTimer[] } {
  const timers: ManualTimer[] = [];
  const wheel = {
    schedule(delayMs: number, callback: () => void): TimerHandle {
      let active = true;
      timers.push({ delayMs, fire: () => active && callback() });
      return {
        cancel: () => {
          active = false;
        },
        get active() {
          return active;
        },
      };
    },
  };
  return { wheel: wheel as unknown as TimerWheel, timers };
}

/** A session that only holds a backlog the test sets and records how it was closed. */
class HeldOutput {
  static nextId = 1;
  readonly id = HeldOutput.nextId++;
  readonly name = 'held';
  reportedBacklog = 0;
  closeReason: RpcError | undefined = undefined;
  closedWith: RpcError | undefined | null = null;
  open(_owner: SessionOwner, configure: (session: never) => void): RpcError | null {
    configure(this as never);
    return null;
  }
  close(reason?: RpcError): void {
    this.closedWith = reason;
  }
  terminate(): void {}
}

/** A TCP server that can take in sessions the test builds, to drive its output accounting. */
class AccountingServer extends TcpServer<Buffer> {
  admit(session: HeldOutput): void {
    assert.equal(this.adopt(session as unknown as BaseSession<Buffer>), null);
  }

  /** What a session reports when its socket backlog moves to `bytes`. */
  report(session: HeldOutput, bytes: number): RpcError | null {
    const delta = bytes - session.reportedBacklog;
    session.reportedBacklog = bytes;
    return this.backlogChanged(session as unknown as BaseSession<unknown>, delta, bytes);
  }
}

async function accountingServer(maxServerWriteBufferBytes: number, count: number): Promise<{ server: AccountingServer; sessions: HeldOutput[] }> {
  const server = new AccountingServer({ maxServerWriteBufferBytes });
  cleanups.push(() => server.close({ lingerMs: 0 }));
  await server.runEventLoop(() => {});
  const sessions = Array.from({ length: count }, () => new HeldOutput());
  for (const session of sessions) server.admit(session);
  return { server, sessions };
}

describe('ServerEndpoint checks', () => {
  it('names the option or call at fault in each refusal', async () => {
    assert.throws(() => createTcpServer({ maxConnections: -1 }), invalidWith('maxConnections must be an integer >= 0, got -1'));
    assert.throws(() => createTcpServer({ maxServerWriteBufferBytes: 0 }), invalidWith('maxServerWriteBufferBytes must be an integer >= 1, got 0'));
    const server = createTcpServer<Buffer>();
    cleanups.push(() => server.close());
    assert.throws(
      () => server.address,
      (err) => isRpcError(err, ErrorCode.ENDPOINT_CLOSED) && (err as Error).message === 'endpoint is not listening',
    );
    await assert.rejects(server.runEventLoop('nope' as never), invalidWith('newSession must be a function'));
    await server.runEventLoop(() => {});
    await assert.rejects(server.runEventLoop(() => {}), invalidWith('runEventLoop called twice'));
  });

  it('refuses runEventLoop on a closed server, and listens on nothing', async () => {
    const server = createTcpServer<Buffer>();
    await server.close();
    await assert.rejects(
      server.runEventLoop(() => {}),
      (err) => isRpcError(err, ErrorCode.ENDPOINT_CLOSED) && (err as Error).message === 'endpoint is closed',
    );
    assert.throws(() => server.address, (err) => isRpcError(err, ErrorCode.ENDPOINT_CLOSED));
  });

  it('refuses a bad lingerMs before closing anything: the server still serves', async () => {
    const server = createTcpServer<Buffer>();
    cleanups.push(() => server.close());
    const opened: Session<Buffer>[] = [];
    await server.runEventLoop((s) => void s.setPkgHandler(codec).setEventListener({ onOpen: (x) => void opened.push(x) }));
    assert.throws(() => server.close({ lingerMs: -1 }), invalidWith('lingerMs must be an integer >= 0, got -1'));
    assert.equal(server.closed, false);
    const peer = await rawConnect(server.address.port);
    cleanups.push(() => peer.destroy());
    const echoed = once(peer, 'data');
    peer.write(codec.encode(Buffer.from('still open')));
    while (opened.length === 0) await new Promise((resolve) => setImmediate(resolve));
    opened[0]!.setEventListener({ onMessage: (s, pkg) => void s.writePkg(pkg) });
    const [reply] = (await echoed) as [Buffer];
    assert.equal(reply.subarray(4).toString(), 'still open');
  });
});

describe('ServerEndpoint output bound (maxServerWriteBufferBytes)', () => {
  it('drops nobody while the sessions hold no more than the bound, even one far over its share', async () => {
    const { server, sessions } = await accountingServer(1000, 2);
    const [a, b] = sessions as [HeldOutput, HeldOutput];
    assert.equal(server.report(a, 999), null, 'under the bound');
    assert.equal(server.report(a, 1000), null, 'exactly at the bound');
    assert.equal(server.report(b, 0), null);
    assert.equal(a.closedWith, null);
    assert.equal(server.stats().bufferedBytes, 1000);
  });

  it('drops a growing session over its share once the bound is passed, naming the option and the share', async () => {
    const { server, sessions } = await accountingServer(1000, 2);
    const [a, b] = sessions as [HeldOutput, HeldOutput];
    assert.equal(server.report(b, 400), null);
    const drop = server.report(a, 601);
    assert.ok(drop !== null && isRpcError(drop, ErrorCode.WRITE_BUFFER_FULL));
    assert.equal(
      drop.message,
      `session held#${a.id}: server output 1001 bytes exceeds maxServerWriteBufferBytes 1000 and this session holds 601, over its share 500`,
    );
  });

  it('does not punish a session that shrinks while the total is still over the bound', async () => {
    const { server, sessions } = await accountingServer(1000, 2);
    const [a, b] = sessions as [HeldOutput, HeldOutput];
    server.report(b, 300);
    server.report(a, 600); // 900 in all, a over its share of 500 but within the bound
    server.report(b, 500); // 1100: b grows within its share, so a (the largest) is dropped
    a.closedWith = null;
    assert.equal(server.report(a, 550), null, 'a shrinks: not dropped');
    assert.equal(b.closedWith, null);
    assert.equal(a.closedWith, null, 'nor the largest closed on its behalf');
  });

  it('drops the session holding the most, not the one within its share that grew', async () => {
    const { server, sessions } = await accountingServer(1000, 2);
    const [a, b] = sessions as [HeldOutput, HeldOutput];
    assert.equal(server.report(a, 501), null);
    assert.equal(server.report(b, 500), null, 'b holds exactly its share: not over it');
    assert.ok(a.closedWith !== null && a.closedWith !== undefined);
    assert.equal(a.closedWith.code, ErrorCode.WRITE_BUFFER_FULL);
    assert.match(a.closedWith.message, /this session holds 501, over its share 500$/);
    assert.equal(b.closedWith, null);
  });

  it('among sessions holding equally most, drops the one opened first', async () => {
    const { server, sessions } = await accountingServer(900, 3);
    const [a, b, c] = sessions as [HeldOutput, HeldOutput, HeldOutput];
    server.report(a, 400);
    server.report(b, 400);
    assert.equal(server.report(c, 200), null);
    assert.notEqual(a.closedWith, null);
    assert.equal(b.closedWith, null);
    assert.equal(c.closedWith, null);
  });
});

describe('ServerEndpoint close linger', () => {
  /** A server whose one session has queued `bytes` for a peer that does not read yet. */
  async function heldOutput(bytes: number) {
    const { wheel, timers } = manualWheel();
    const server = createTcpServer<Buffer>({ wheel });
    cleanups.push(() => server.close({ lingerMs: 0 }));
    const opened: Session<Buffer>[] = [];
    await server.runEventLoop((s) => void s.setPkgHandler(codec).setEventListener({ onOpen: (x) => void opened.push(x) }));
    const peer = net.connect({ host: '127.0.0.1', port: server.address.port });
    peer.pause();
    peer.on('error', () => {});
    cleanups.push(() => peer.destroy());
    await once(peer, 'connect');
    while (opened.length === 0) await new Promise((resolve) => setImmediate(resolve));
    opened[0]!.writeBytes(Buffer.alloc(bytes, 5));
    return { server, peer, timers };
  }

  /** Reads the peer to its end; resolves with the bytes received and whether it ended cleanly. */
  async function drain(peer: net.Socket): Promise<{ received: number; clean: boolean }> {
    let received = 0;
    peer.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    const ended = once(peer, 'end').then(() => true);
    const failed = once(peer, 'close').then(() => false);
    peer.resume();
    const clean = await Promise.race([ended, failed]);
    return { received, clean };
  }

  it('close() without lingerMs lets a slow peer take every queued byte', async () => {
    const { server, peer } = await heldOutput(32 * MiB);
    const closed = server.close(); // resolves once the listener and every connection are gone
    assert.deepEqual(await drain(peer), { received: 32 * MiB, clean: true });
    await closed;
  });

  it('close({ lingerMs }) waits that long on the wheel before dropping sessions that still linger', async () => {
    const { server, peer, timers } = await heldOutput(32 * MiB);
    const before = timers.length;
    const closed = server.close({ lingerMs: 7_000 });
    const linger = timers.slice(before).filter((t) => t.delayMs === 7_000);
    assert.equal(linger.length, 1, 'one terminate timer of lingerMs');
    assert.deepEqual(await drain(peer), { received: 32 * MiB, clean: true });
    await closed;
  });

  it('firing the lingerMs timer destroys a session whose peer has not taken its bytes', async () => {
    const { server, peer, timers } = await heldOutput(32 * MiB);
    const before = timers.length;
    const closed = server.close({ lingerMs: 7_000 });
    for (const timer of timers.slice(before).filter((t) => t.delayMs === 7_000)) timer.fire();
    const { received, clean } = await drain(peer);
    assert.ok(!clean || received < 32 * MiB, `peer got ${received} bytes, clean ${clean}`);
    assert.ok(received < 32 * MiB);
    await closed;
  });
});

describe('listenOn', () => {
  it('rejects CONNECT_FAILED naming the cause when the port is taken', async () => {
    const holder = net.createServer();
    cleanups.push(() => new Promise((resolve) => holder.close(resolve)));
    holder.listen(0, '127.0.0.1');
    await once(holder, 'listening');
    const { port } = holder.address() as net.AddressInfo;
    const server = createTcpServer<Buffer>({ port });
    cleanups.push(() => server.close());
    await assert.rejects(server.runEventLoop(() => {}), (err) => {
      assert.ok(isRpcError(err, ErrorCode.CONNECT_FAILED));
      assert.match((err as Error).message, /^listen failed: .*EADDRINUSE/);
      assert.equal(((err as Error).cause as NodeJS.ErrnoException).code, 'EADDRINUSE');
      return true;
    });
  });

  it('once bound, keeps one quiet error listener: later server errors neither throw nor pile up listeners', async () => {
    const server = net.createServer();
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const address = await listenOn(server, 0, '127.0.0.1');
    assert.equal(address.host, '127.0.0.1');
    assert.equal(address.port, (server.address() as net.AddressInfo).port);
    assert.equal(server.listenerCount('error'), 1);
    // What Node reports for a failed accept (EMFILE): the endpoint keeps serving.
    server.emit('error', Object.assign(new Error('accept EMFILE'), { code: 'EMFILE' }));
    assert.equal(server.listening, true);
  });
});

describe('TcpServer half-close', () => {
  it('answers the requests that came with a plain peer\'s FIN before closing', async () => {
    const server = createTcpServer<Buffer>();
    cleanups.push(() => server.close());
    await server.runEventLoop((s) => void s.setPkgHandler(codec).setEventListener({ onMessage: (x, pkg) => void x.writePkg(pkg) }));
    const peer = await rawConnect(server.address.port);
    cleanups.push(() => peer.destroy());
    const chunks: Buffer[] = [];
    peer.on('data', (chunk: Buffer) => void chunks.push(chunk));
    const ended = once(peer, 'end');
    peer.end(Buffer.concat([codec.encode(Buffer.from('one')), codec.encode(Buffer.from('two'))]));
    await ended;
    assert.deepEqual(Buffer.concat(chunks), Buffer.concat([codec.encode(Buffer.from('one')), codec.encode(Buffer.from('two'))]));
  });

  it('answers what a plain peer sent before its FIN even while reading is paused on maxInflight', async () => {
    const server = createTcpServer<Buffer>();
    cleanups.push(() => server.close());
    await server.runEventLoop(
      (s) =>
        void s
          .setPkgHandler(codec)
          .setMaxInflight(1)
          .setEventListener({ onMessage: echoHoldingUntilFin }),
    );
    const peer = await rawConnect(server.address.port);
    cleanups.push(() => peer.destroy());
    peer.on('error', () => {});
    const chunks: Buffer[] = [];
    peer.on('data', (chunk: Buffer) => void chunks.push(chunk));
    const closed = once(peer, 'close');
    const requests = Buffer.concat([codec.encode(Buffer.from('one')), codec.encode(Buffer.from('two'))]);
    peer.end(requests);
    await within(closed, 20_000, 'the server closes after answering');
    assert.deepEqual(Buffer.concat(chunks), requests);
  });

  it('ends a TLS connection whose peer half-closes inside its handshake, without waiting for handshakeTimeoutMs', async () => {
    const { key, cert } = await testCert();
    const server = createTcpServer<Buffer>({ tls: { key, cert }, handshakeTimeoutMs: 600_000 });
    cleanups.push(() => server.close());
    await server.runEventLoop((s) => void s.setPkgHandler(codec));
    const peer = await rawConnect(server.address.port);
    peer.on('error', () => {});
    cleanups.push(() => peer.destroy());
    const closed = once(peer, 'close');
    peer.end(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]));
    await within(closed, 20_000, 'the server ends the half-closed handshake');
    assert.equal(server.stats().refused.handshake, 1);
  });
});
