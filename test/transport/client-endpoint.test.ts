import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, it } from 'node:test';
import { ErrorCode, isRpcError, type RpcError } from '../../common/rpc-error.js';
import type { Session } from '../../transport/session-contract.js';
import { createTcpClient } from '../../transport/tcp-client.js';
import { createTcpServer, type TcpServer } from '../../transport/tcp-server.js';
import type { TcpSession } from '../../transport/tcp-session.js';
import type { TimerHandle, TimerWheel } from '../../transport/timer-wheel.js';
import { codec, deferred, freePort, waitFor, within } from './helpers.js';
import { testCert } from './tls-fixture.js';

const configure = (s: Session<Buffer>) => void s.setPkgHandler(codec);

interface ManualTimer {
  delayMs: number;
  fire: () => void;
  cancelled: boolean;
}

/** A wheel whose timers fire only when the test says so: backoff and connect timeouts without clocks. */
function manualWheel(): { wheel: TimerWheel; timers: ManualTimer[] } {
  const timers: ManualTimer[] = [];
  const wheel = {
    schedule(delayMs: number, callback: () => void): TimerHandle {
      const timer: ManualTimer = { delayMs, fire: callback, cancelled: false };
      timers.push(timer);
      return {
        cancel: () => {
          timer.cancelled = true;
        },
        get active() {
          return !timer.cancelled;
        },
      };
    },
  };
  return { wheel: wheel as unknown as TimerWheel, timers };
}

/** Closed after each test, newest first, so a failing assertion does not leave sockets holding the process open. */
const open: { close(): Promise<void> }[] = [];
function track<T extends { close(): Promise<void> }>(endpoint: T): T {
  open.push(endpoint);
  return endpoint;
}
async function closeAll(): Promise<void> {
  for (const endpoint of open.splice(0).reverse()) await endpoint.close();
}
function trackNet(server: net.Server): void {
  track({ close: async () => void server.close() });
}

async function plainServer(): Promise<{ server: TcpServer<Buffer>; sessions: Session<Buffer>[] }> {
  const sessions: Session<Buffer>[] = [];
  const server = track(createTcpServer<Buffer>({}));
  await server.runEventLoop((s) => {
    s.setPkgHandler(codec).setEventListener({ onOpen: (x) => void sessions.push(x) });
  });
  return { server, sessions };
}

describe('ClientEndpoint options and lifecycle', () => {
  afterEach(closeAll);
  it('names the bad option in its INVALID_ARGUMENT message', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ connectionNumber: 0 }, 'connectionNumber must be an integer >= 1, got 0'],
      [{ reconnectIntervalMs: -1 }, 'reconnectIntervalMs must be an integer >= 0, got -1'],
      [{ maxReconnectAttempts: 0 }, 'maxReconnectAttempts must be an integer >= 1, got 0'],
      [{ connectTimeoutMs: 0 }, 'connectTimeoutMs must be an integer >= 1, got 0'],
    ];
    assert.throws(() => createTcpClient({ port: 1, localPort: 0 }), (err) => isRpcError(err, ErrorCode.INVALID_ARGUMENT));
    for (const [extra, message] of cases) {
      assert.throws(
        () => createTcpClient({ port: 1, ...extra }),
        (err) => isRpcError(err, ErrorCode.INVALID_ARGUMENT) && (err as Error).message === message,
      );
    }
    assert.throws(
      () => createTcpServer({ handshakeTimeoutMs: 0 }),
      (err) => isRpcError(err, ErrorCode.INVALID_ARGUMENT) && (err as Error).message === 'handshakeTimeoutMs must be an integer >= 1, got 0',
    );
  });

  it('starts with no task pool and not given up', () => {
    const client = createTcpClient({ port: 1 });
    assert.equal(client.taskPool, null);
    assert.equal(client.gaveUp, false);
  });

  it('refuses a second runEventLoop, a non-function callback and a closed client, each with its message', async () => {
    const { server } = await plainServer();
    const client = createTcpClient<Buffer>({ port: server.address.port });
    track(client);
    await assert.rejects(client.runEventLoop(42 as never), (err) => isRpcError(err, ErrorCode.INVALID_ARGUMENT) && (err as Error).message === 'newSession must be a function');
    await client.runEventLoop(configure);
    await assert.rejects(client.runEventLoop(configure), (err) => isRpcError(err, ErrorCode.INVALID_ARGUMENT) && (err as Error).message === 'runEventLoop called twice');
    assert.equal(client.sessions.length, 1, 'the second call dialled nothing');
    await client.close();
    await assert.rejects(client.runEventLoop(configure), (err) => isRpcError(err, ErrorCode.ENDPOINT_CLOSED) && (err as Error).message === 'client is closed');
    await server.close();
  });

  it('starts no reconnect worker when the first pass filled the pool, and close() closes every session', async () => {
    const { server, sessions } = await plainServer();
    const client = createTcpClient<Buffer>({ port: server.address.port, connectionNumber: 2 });
    track(client);
    await client.runEventLoop(configure);
    assert.equal(client.sessions.length, 2);
    assert.equal(client.reconnecting, false);
    await waitFor(() => sessions.length === 2, 5000, 'server sessions');
    const serverSideClosed = sessions.map((s) => new Promise<void>((resolve) => s.onClosed(() => resolve())));
    await client.close();
    assert.equal(client.sessions.length, 0);
    await Promise.all(serverSideClosed);
    await server.close();
  });

  it('forgets a cleanly closed slot for good: a later reset refills only the remaining slot', async () => {
    const { server, sessions } = await plainServer();
    const client = createTcpClient<Buffer>({ port: server.address.port, connectionNumber: 2, reconnectIntervalMs: 1 });
    track(client);
    await client.runEventLoop(configure);
    await waitFor(() => sessions.length === 2, 5000, 'server sessions');
    const firstLost = deferred();
    for (const s of client.sessions) s.onClosed(() => firstLost.resolve());
    sessions[0]!.close();
    await firstLost.promise;
    assert.equal(client.sessions.length, 1);
    (sessions[1] as unknown as TcpSession<Buffer>).socket.resetAndDestroy();
    await waitFor(() => sessions.length === 3, 5000, 'redial after the reset');
    await waitFor(() => !client.reconnecting, 5000, 'worker done');
    assert.equal(client.sessions.length, 1, 'one slot was given back by the clean close');
    await client.close();
    await server.close();
  });

  it('counts a successful pass as success: with maxReconnectAttempts 1 a lost session is still redialled', async () => {
    const { server, sessions } = await plainServer();
    const giveUps: RpcError[] = [];
    const client = createTcpClient<Buffer>({
      port: server.address.port,
      reconnectIntervalMs: 1,
      maxReconnectAttempts: 1,
      onReconnectGiveUp: (err) => void giveUps.push(err),
    });
    track(client);
    await client.runEventLoop(configure);
    await waitFor(() => sessions.length === 1, 5000, 'first session');
    (sessions[0] as unknown as TcpSession<Buffer>).socket.resetAndDestroy();
    await waitFor(() => (sessions.length === 2 && client.sessions.length === 1) || giveUps.length > 0, 5000, 'redial or give up');
    assert.equal(giveUps.length, 0);
    assert.equal(client.sessions.length, 1);
    await client.close();
    await server.close();
  });

  it('counts a session refused by newSession as a failed attempt and gives up on it', async () => {
    const { server } = await plainServer();
    const failures: RpcError[] = [];
    const gaveUp = deferred<RpcError>();
    const client = createTcpClient<Buffer>({
      port: server.address.port,
      reconnectIntervalMs: 1,
      maxReconnectAttempts: 2,
      onConnectError: (err) => void failures.push(err),
      onReconnectGiveUp: (err) => gaveUp.resolve(err),
    });
    track(client);
    const refuse = () => {
      throw new Error('not this one');
    };
    await client.runEventLoop(refuse);
    const err = await gaveUp.promise;
    assert.equal(err.message, 'gave up after 2 consecutive failed connect attempts');
    assert.equal(err.cause, failures.at(-1));
    assert.equal(failures.length, 2);
    assert.equal(failures[0]!.message, 'not this one');
    assert.equal(client.gaveUp, true);
    await client.close();
    await server.close();
  });
});

describe('ClientEndpoint backoff', () => {
  afterEach(closeAll);
  it('waits failures × reconnectIntervalMs plus at most 20 % jitter, capped at 10 intervals', async () => {
    const port = await freePort();
    const { wheel, timers } = manualWheel();
    const client = createTcpClient<Buffer>({ port, wheel, reconnectIntervalMs: 1000, maxReconnectAttempts: 13, connectTimeoutMs: 7 });
    track(client);
    await client.runEventLoop(configure);
    const backoffs = () => timers.filter((t) => t.delayMs !== 7);
    for (let failures = 1; failures <= 12; failures++) {
      await waitFor(() => backoffs().length === failures, 5000, `backoff #${failures}`);
      const delay = backoffs().at(-1)!.delayMs;
      const base = Math.min(failures, 10) * 1000;
      assert.ok(delay >= base && delay <= base * 1.2, `backoff after ${failures} failures: ${delay} ms`);
      backoffs().at(-1)!.fire();
    }
    const jitters = backoffs().map((t, i) => t.delayMs - Math.min(i + 1, 10) * 1000);
    assert.ok(jitters.some((j) => j > 1), `some jitter above 1 ms: ${jitters.join(', ')}`);
    await client.close();
  });

  it('backs off one interval after losing a session that was connected (no failures yet)', async () => {
    const { server, sessions } = await plainServer();
    const { wheel, timers } = manualWheel();
    const client = createTcpClient<Buffer>({ port: server.address.port, wheel, reconnectIntervalMs: 500, connectTimeoutMs: 7 });
    track(client);
    await client.runEventLoop(configure);
    await waitFor(() => sessions.length === 1, 5000, 'first session');
    (sessions[0] as unknown as TcpSession<Buffer>).socket.resetAndDestroy();
    await waitFor(() => timers.some((t) => t.delayMs !== 7), 5000, 'backoff scheduled');
    const delay = timers.find((t) => t.delayMs !== 7)!.delayMs;
    assert.ok(delay >= 500 && delay <= 600, `backoff ${delay} ms`);
    assert.equal(client.sessions.length, 0, 'no redial before the backoff fires');
    await client.close();
    await server.close();
  });
  it('dials nothing once close() cut a backoff short', async () => {
    const { server, sessions } = await plainServer();
    const { wheel, timers } = manualWheel();
    const client = createTcpClient<Buffer>({ port: server.address.port, wheel, reconnectIntervalMs: 500, connectTimeoutMs: 7 });
    track(client);
    await client.runEventLoop(configure);
    await waitFor(() => sessions.length === 1, 5000, 'first session');
    (sessions[0] as unknown as TcpSession<Buffer>).socket.resetAndDestroy();
    await waitFor(() => timers.some((t) => t.delayMs !== 7), 5000, 'backoff scheduled');
    const dialsBefore = timers.filter((t) => t.delayMs === 7).length;
    await client.close();
    assert.equal(timers.filter((t) => t.delayMs === 7).length, dialsBefore, 'no connect timer (no dial) after close');
    assert.equal(client.reconnecting, false);
  });
});

describe('TcpClient dialling', () => {
  afterEach(closeAll);
  it('cancels the connect timer once connected', async () => {
    const { server } = await plainServer();
    const { wheel, timers } = manualWheel();
    const client = createTcpClient<Buffer>({ port: server.address.port, wheel, connectTimeoutMs: 7 });
    track(client);
    await client.runEventLoop(configure);
    assert.equal(timers.length, 1);
    assert.equal(timers[0]!.delayMs, 7);
    assert.equal(timers[0]!.cancelled, true);
    await client.close();
    await server.close();
  });

  it('fails a dial whose connect timer fires, with CONNECT_FAILED naming the address', async () => {
    // A TLS dial to a server that accepts and never answers the ClientHello stays pending.
    const silent = net.createServer(() => {});
    trackNet(silent);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const { wheel, timers } = manualWheel();
    const failures: RpcError[] = [];
    const client = createTcpClient<Buffer>({
      port,
      wheel,
      tls: { rejectUnauthorized: false },
      connectTimeoutMs: 7,
      maxReconnectAttempts: 1,
      onConnectError: (err) => void failures.push(err),
    });
    track(client);
    const running = client.runEventLoop(configure);
    await waitFor(() => timers.length === 1, 5000, 'connect timer');
    timers[0]!.fire();
    await running;
    assert.equal(failures.length, 1);
    assert.ok(isRpcError(failures[0], ErrorCode.CONNECT_FAILED));
    assert.equal(failures[0]!.message, `connect to 127.0.0.1:${port} failed: connect timed out`);
    assert.equal((failures[0]!.cause as Error).message, 'connect timed out');
    await client.close();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('close() aborts a dial in flight', async () => {
    const accepted: net.Socket[] = [];
    const silent = net.createServer((socket) => void accepted.push(socket));
    trackNet(silent);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const { wheel } = manualWheel();
    const client = createTcpClient<Buffer>({ port, wheel, tls: { rejectUnauthorized: false } });
    track(client);
    const running = client.runEventLoop(configure);
    await waitFor(() => accepted.length === 1, 5000, 'dial reached the server');
    const peerGone = new Promise<void>((resolve) => accepted[0]!.once('close', () => resolve()));
    accepted[0]!.resume();
    await client.close();
    await running;
    await peerGone;
    assert.equal(client.sessions.length, 0);
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('names the port in a SELF_CONNECT refusal', async () => {
    const port = await freePort();
    const failures: RpcError[] = [];
    const client = createTcpClient<Buffer>({
      port,
      localAddress: '127.0.0.1',
      localPort: port,
      maxReconnectAttempts: 1,
      onConnectError: (err) => void failures.push(err),
    });
    track(client);
    await client.runEventLoop(configure);
    assert.equal(failures[0]?.message, `connected to itself on port ${port}`);
    await client.close();
  });

  it('accepts a connection from another loopback address that shares the port number', async () => {
    const { server, sessions } = await plainServer();
    const port = server.address.port;
    const client = createTcpClient<Buffer>({ port, localAddress: '127.0.0.2', localPort: port });
    track(client);
    await client.runEventLoop(configure);
    assert.equal(client.sessions.length, 1);
    await waitFor(() => sessions.length === 1, 5000, 'server side session');
    await client.close();
    await server.close();
  });
});

describe('TcpServer', () => {
  it('reports no pending handshakes when plain', () => {
    assert.equal(createTcpServer({}).pendingHandshakes, 0);
  });
});

describe('ClientEndpoint reconnect worker', () => {
  afterEach(closeAll);
  it('reports closed only once close() was called', async () => {
    const client = createTcpClient<Buffer>({ port: 1 });
    assert.equal(client.closed, false);
    await client.close();
    assert.equal(client.closed, true);
  });

  it('is not given up while it redials a lost session', async () => {
    const { server, sessions } = await plainServer();
    const { wheel, timers } = manualWheel();
    const client = track(createTcpClient<Buffer>({ port: server.address.port, wheel, reconnectIntervalMs: 500, connectTimeoutMs: 7 }));
    await client.runEventLoop(configure);
    await waitFor(() => sessions.length === 1, 5000, 'first session');
    (sessions[0] as unknown as TcpSession<Buffer>).socket.resetAndDestroy();
    await waitFor(() => client.reconnecting, 5000, 'reconnect worker started');
    assert.equal(client.gaveUp, false);
    timers.find((t) => t.delayMs >= 500 && t.delayMs <= 600)!.fire(); // the backoff
    await waitFor(() => client.sessions.length === 1, 5000, 'redialled');
    assert.equal(client.gaveUp, false);
  });

  it('runs one reconnect worker however many sessions are lost: one backoff, then one pass refills both', async () => {
    const { server, sessions } = await plainServer();
    const { wheel, timers } = manualWheel();
    const client = track(
      createTcpClient<Buffer>({ port: server.address.port, wheel, connectionNumber: 2, reconnectIntervalMs: 500, connectTimeoutMs: 7 }),
    );
    await client.runEventLoop(configure);
    await waitFor(() => sessions.length === 2, 5000, 'both sessions');
    for (const session of sessions) (session as unknown as TcpSession<Buffer>).socket.resetAndDestroy();
    await waitFor(() => client.sessions.length === 0, 5000, 'both sessions lost');
    const backoffs = () => timers.filter((t) => t.delayMs >= 500 && t.delayMs <= 600);
    assert.equal(backoffs().length, 1, 'one backoff');
    backoffs()[0]!.fire();
    await waitFor(() => client.sessions.length === 2, 5000, 'refilled');
    await waitFor(() => !client.reconnecting, 5000, 'worker done');
    assert.equal(timers.filter((t) => t.delayMs === 7).length, 4, 'two dials at start, two in the one pass');
    assert.equal(backoffs().length, 1);
  });

  it('gives up at once when a session refused by onOpen is the only attempt allowed (no backoff first)', async () => {
    const { server } = await plainServer();
    const { wheel, timers } = manualWheel();
    const gaveUp = deferred<RpcError>();
    const client = track(
      createTcpClient<Buffer>({
        port: server.address.port,
        wheel,
        connectTimeoutMs: 7,
        maxReconnectAttempts: 1,
        onReconnectGiveUp: (err) => gaveUp.resolve(err),
      }),
    );
    await client.runEventLoop((s) => {
      s.setPkgHandler(codec).setEventListener({
        onOpen: () => {
          throw new Error('refused in onOpen');
        },
      });
    });
    const err = await within(gaveUp.promise, 5000, 'give-up without a backoff');
    assert.match((err.cause as Error).message, /refused by onOpen$/);
    assert.deepEqual(
      timers.map((t) => t.delayMs),
      [7],
      'one dial, no backoff',
    );
  });
});

describe('TcpClient sessions', () => {
  afterEach(closeAll);
  it('opens tcp sessions when plain', async () => {
    const { server } = await plainServer();
    const client = track(createTcpClient<Buffer>({ port: server.address.port }));
    await client.runEventLoop(configure);
    assert.equal(client.sessions[0]!.kind, 'tcp');
  });

  it('reports a dial aborted by close() as ENDPOINT_CLOSED', async () => {
    const accepted: net.Socket[] = [];
    const silent = net.createServer((socket) => void accepted.push(socket));
    trackNet(silent);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { wheel } = manualWheel();
    const failures: RpcError[] = [];
    const client = track(
      createTcpClient<Buffer>({
        port: (silent.address() as net.AddressInfo).port,
        wheel,
        tls: { rejectUnauthorized: false },
        onConnectError: (err) => void failures.push(err),
      }),
    );
    const running = client.runEventLoop(configure);
    await waitFor(() => accepted.length === 1, 5000, 'dial reached the server');
    await client.close();
    await running;
    assert.equal(failures.length, 1);
    assert.ok(isRpcError(failures[0], ErrorCode.ENDPOINT_CLOSED));
    assert.equal(failures[0]!.message, 'client closed');
  });
});

/**
 * A TLS server whose handshakes start only when the test releases each accepted
 * connection: a TLS client's dial stays pending until then, so the test decides
 * the order in which dials complete.
 */
async function gatedTlsServer(): Promise<{ port: number; held: net.Socket[]; release(i: number): void }> {
  const { key, cert } = await testCert();
  const tlsServer = tls.createServer({ key, cert }, () => {});
  const held: net.Socket[] = [];
  const gate = net.createServer((socket) => {
    socket.on('error', () => {});
    held.push(socket);
  });
  trackNet(gate);
  track({
    close: async () => {
      for (const socket of held) socket.destroy();
    },
  });
  await new Promise<void>((resolve) => gate.listen(0, '127.0.0.1', resolve));
  return {
    port: (gate.address() as net.AddressInfo).port,
    held,
    release: (i) => void tlsServer.emit('connection', held[i]),
  };
}

describe('ClientEndpoint surplus dials', () => {
  afterEach(closeAll);
  it('closes a dial that completes after the pool refilled: never more than connectionNumber sessions', async () => {
    const gate = await gatedTlsServer();
    const { wheel, timers } = manualWheel();
    const client = track(
      createTcpClient<Buffer>({
        port: gate.port,
        tls: { rejectUnauthorized: false },
        wheel,
        connectionNumber: 3,
        reconnectIntervalMs: 500,
        reconnectOnPeerClose: true, // the gate's close may reach the client as a clean FIN
        connectTimeoutMs: 60_000,
      }),
    );
    // Backoffs are 500–600 ms; connect timers 60 s, closing sessions' linger 3 s.
    const backoffs = () => timers.filter((t) => t.delayMs >= 500 && t.delayMs <= 600);
    const firstPass = client.runEventLoop(configure);
    await waitFor(() => gate.held.length === 3, 5000, 'three dials');
    gate.release(0);
    gate.release(1);
    await waitFor(() => client.sessions.length === 2, 5000, 'two sessions');
    // Losing one starts the worker while the first pass still waits on its third dial.
    gate.held[0]!.destroy();
    await waitFor(() => backoffs().length === 1, 5000, 'backoff');
    backoffs()[0]!.fire();
    await waitFor(() => gate.held.length === 5, 5000, 'the worker dials the two slots missing');
    gate.release(2); // the first pass's last dial takes one of them
    await firstPass;
    assert.equal(client.sessions.length, 2);
    gate.release(3);
    gate.release(4);
    await waitFor(() => gate.held[3]!.closed || gate.held[4]!.closed, 5000, 'the surplus dial closed');
    await waitFor(() => !client.reconnecting, 5000, 'worker done');
    assert.equal(client.sessions.length, 3, 'no session beyond connectionNumber');
    assert.equal([gate.held[3]!, gate.held[4]!].filter((s) => s.closed).length, 1);
  });
});
