import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import { getEventListeners, once } from 'node:events';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../../common/rpc-error.js';
import { RpcClient } from '../../../rpc/consumer/rpc-client.js';
import { ExchangeClient, type ExchangeClientOptions } from '../../../rpc/exchange/exchange-client.js';
import {
  createHeartbeatRequest,
  createHeartbeatResponse,
  createRequest,
  createResponse,
  type DubboPackage,
  type DubboRequest,
  type DubboResponse,
  ResponseStatus,
} from '../../../rpc/protocol/dubbo-package.js';
import { withCallOptions } from '../../../rpc/consumer/proxy.js';
import { defaultTimerWheel } from '../../../transport/timer-wheel.js';
import { DemoService, type DemoProvider, startDemoProvider, until } from '../rpc-fixture.js';
import { type PeerConnection, type PeerScript, ScriptedDubboPeer } from '../scripted-dubbo-peer.js';

/** A two-way request whose promise resolves with the response itself (ExchangeClient.call with no mapping). */
function send(client: ExchangeClient, request: DubboRequest, timeoutMs: number, signal?: AbortSignal): Promise<DubboResponse> {
  return client.call(request, timeoutMs, signal, (response) => response);
}

/** An ExchangeClient to the scripted peer; heartbeats off unless the test sets a period. */
function exchangeTo(port: number, options: Partial<ExchangeClientOptions> = {}): ExchangeClient {
  return new ExchangeClient({
    transport: 'tcp',
    host: '127.0.0.1',
    port,
    path: '/',
    tls: undefined,
    connections: 1,
    maxFrameLen: 1 << 20,
    heartbeatPeriodMs: 600_000,
    heartbeatTimeoutMs: 5000,
    sessionTimeoutMs: 600_000,
    maxPendingCalls: 10_000,
    wheel: defaultTimerWheel(),
    ...options,
  });
}

/** Opens the client's session: a one-way request makes it connect. */
async function connect(client: ExchangeClient, peer: ScriptedDubboPeer): Promise<PeerConnection> {
  await client.send(createRequest({ id: 0, path: 'test.Open', method: 'open' }));
  return peer.firstConnection();
}

const isHeartbeatRequest = (pkg: DubboPackage) => pkg.kind === 'request' && pkg.event && pkg.twoWay;

/**
 * A peer that answers the consumer's heartbeats by `answer(n)` (n = 1 for the
 * first heartbeat) and counts those of the first connection; withheld pongs make them fail on the consumer.
 */
function heartbeatScript(answer: (n: number) => boolean): { script: PeerScript; heartbeats: () => number } {
  let count = 0;
  let first: PeerConnection | undefined;
  const script: PeerScript = (connection, pkg) => {
    if (!isHeartbeatRequest(pkg) || pkg.kind !== 'request') return;
    first ??= connection;
    // Only the first connection counts: after a close the transport may open another.
    if (connection !== first) return;
    count++;
    if (answer(count)) connection.send(createHeartbeatResponse(pkg));
  };
  return { script, heartbeats: () => count };
}

/** Heartbeat timing for the tests below: the third failure (3P + T) comes well before the fourth heartbeat (4P). */
const HEARTBEATS = { heartbeatPeriodMs: 250, heartbeatTimeoutMs: 100 };

// Each test has its own peer and client, so they run side by side: the suite takes as long as its slowest test.
describe('ExchangeClient heartbeats against a scripted provider', { concurrency: true }, () => {
  it('answers a heartbeat the provider sends, with its id, as an event with status OK', async () => {
    // Java's HeartbeatHandler sends heartbeats from the provider too and closes a channel whose reads stop.
    const peer = await ScriptedDubboPeer.start(() => {});
    const client = exchangeTo(peer.port);
    try {
      const connection = await connect(client, peer);
      for (const id of [1001, 1003, 2 ** 40 + 1]) {
        connection.send(createHeartbeatRequest(id));
        const pong = (await connection.nextMatching((pkg) => pkg.kind === 'response' && Number(pkg.id) === id)) as DubboResponse;
        assert.equal(pong.event, true, 'the answer is an event frame');
        assert.equal(pong.status, ResponseStatus.OK);
      }
      assert.equal(connection.isClosed, false);
      // A one-way event (Dubbo's read-only notice) expects no answer; only the heartbeat after it does.
      connection.send(createRequest({ id: 3001, event: true, twoWay: false }));
      connection.send(createHeartbeatRequest(3003));
      const next = await connection.nextMatching((pkg) => pkg.kind === 'response' && (pkg.id === 3001 || pkg.id === 3003));
      assert.equal(Number(next.id), 3003);
    } finally {
      await client.close();
      await peer.close();
    }
  });

  it('closes the session after exactly three unanswered heartbeats', async () => {
    const { script, heartbeats } = heartbeatScript(() => false);
    const peer = await ScriptedDubboPeer.start(script);
    const closes = record('getty-rpc:session:close');
    const client = exchangeTo(peer.port, HEARTBEATS);
    try {
      const connection = await connect(client, peer);
      const started = Date.now();
      await Promise.race([connection.closed, new Promise((_, reject) => setTimeout(() => reject(new Error('session still open after 5 s')), 5000).unref())]);
      assert.equal(heartbeats(), 3, 'three heartbeats went unanswered before the close');
      assert.ok(Date.now() - started >= 3 * HEARTBEATS.heartbeatPeriodMs, 'not closed before the third heartbeat failed');
      const reasons = closes.messages.filter((m) => m.side === 'consumer' && m.remoteAddress === `127.0.0.1:${peer.port}`).map((m) => m.reason);
      assert.ok(isRpcError(reasons[0], ErrorCode.NETWORK));
      assert.equal(reasons[0].message, `3 heartbeats to 127.0.0.1:${peer.port} unanswered`);
    } finally {
      closes.stop();
      await client.close();
      await peer.close();
    }
  });

  it('keeps a session whose provider misses two heartbeats in a row and then answers', async () => {
    const { script, heartbeats } = heartbeatScript((n) => n > 2);
    const peer = await ScriptedDubboPeer.start(script);
    const client = exchangeTo(peer.port, HEARTBEATS);
    try {
      const connection = await connect(client, peer);
      await connection.nextMatching(() => heartbeats() >= 5, 5000);
      assert.equal(connection.isClosed, false);
      assert.equal(client.available, true);
    } finally {
      await client.close();
      await peer.close();
    }
  });

  it('counts only consecutive misses: two misses, an answer, two misses, ... never close the session', async () => {
    // Failures reset on every answered heartbeat, as dubbo-go's heartbeat RTT check does.
    const { script, heartbeats } = heartbeatScript((n) => n % 3 === 0);
    const peer = await ScriptedDubboPeer.start(script);
    const client = exchangeTo(peer.port, HEARTBEATS);
    try {
      const connection = await connect(client, peer);
      await connection.nextMatching(() => heartbeats() >= 8, 10_000);
      assert.equal(connection.isClosed, false, 'six heartbeats missed in all, never three in a row');
    } finally {
      await client.close();
      await peer.close();
    }
  });
});

describe('ExchangeClient calls against a scripted provider', () => {
  it('fails a call the provider never answers with TIMEOUT, close to its timeoutMs', async () => {
    const peer = await ScriptedDubboPeer.start(() => {});
    const client = exchangeTo(peer.port);
    try {
      await connect(client, peer);
      const started = performance.now();
      await assert.rejects(send(client, createRequest({ id: 0, path: 'test.Silent', method: 'wait' }), 200), (e) =>
        isRpcError(e, ErrorCode.TIMEOUT),
      );
      const elapsed = performance.now() - started;
      assert.ok(elapsed < 1500, `TIMEOUT after ${elapsed.toFixed(0)} ms, expected about 200 ms`);
      assert.equal(client.pendingCount, 0);
    } finally {
      await client.close();
      await peer.close();
    }
  });

  it('leaves no abort listener behind on a long-lived AbortSignal after 1000 calls', async () => {
    const peer = await ScriptedDubboPeer.start((connection, pkg) => {
      if (pkg.kind === 'request' && !pkg.event && pkg.twoWay) connection.send(createResponse({ id: pkg.id, value: 'ok' }));
    });
    const client = exchangeTo(peer.port);
    const controller = new AbortController();
    try {
      await connect(client, peer);
      // Batches of 10: Node warns from 11 listeners on one signal, which 100 calls in flight would be.
      for (let batch = 0; batch < 100; batch++) {
        const calls = Array.from({ length: 10 }, () => send(client, createRequest({ id: 0, path: 'test.Ok', method: 'ok' }), 5000, controller.signal));
        for (const response of await Promise.all(calls)) assert.equal(response.value, 'ok');
      }
      assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
      // The signal still cancels a call in flight, and that call's listener goes too.
      const cancelled = send(client, createRequest({ id: 0, path: 'test.Ok', method: 'ok' }), 5000, controller.signal);
      assert.equal(getEventListeners(controller.signal, 'abort').length, 1, 'the call in flight listens');
      controller.abort();
      await assert.rejects(cancelled, (e) => isRpcError(e, ErrorCode.CANCELLED));
      assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
    } finally {
      await client.close();
      await peer.close();
    }
  });
});

/** A peer answering every two-way request `value` with 'ok', except the methods scripted here. */
function answeringScript(special: Record<string, (connection: PeerConnection, pkg: DubboRequest) => void> = {}): PeerScript {
  return (connection, pkg) => {
    if (pkg.kind !== 'request' || pkg.event) return;
    const handle = special[pkg.method];
    if (handle) handle(connection, pkg);
    else if (pkg.twoWay) connection.send(createResponse({ id: pkg.id, value: 'ok' }));
  };
}

const ask = (method = 'ok') => createRequest({ id: 0, path: 'test.Peer', method });

describe('ExchangeClient calls, sessions and close against a scripted provider', () => {
  it('refuses a call past maxPendingCalls with LIMIT_EXCEEDED, then fails the pending ones with CLIENT_CLOSED on close', async () => {
    const peer = await ScriptedDubboPeer.start(answeringScript({ hold: () => {} }));
    const client = exchangeTo(peer.port, { maxPendingCalls: 2 });
    try {
      assert.equal((await send(client, ask(), 5000)).value, 'ok');
      const held = [send(client, ask('hold'), 60_000), client.call(ask('hold'), 60_000, undefined, (r) => r.value)];
      assert.equal(client.pendingCount, 2);
      await assert.rejects(send(client, ask(), 5000), (e) => isRpcError(e, ErrorCode.LIMIT_EXCEEDED));
      await assert.rejects(client.call(ask(), 5000, undefined, (r) => r.value), (e) => isRpcError(e, ErrorCode.LIMIT_EXCEEDED));
      const idle = client.whenIdle();
      await client.close();
      const closedMessage = `client to 127.0.0.1:${peer.port} closed`;
      for (const call of held) await assert.rejects(call, (e) => isRpcError(e, ErrorCode.CLIENT_CLOSED) && e.message === closedMessage);
      await idle;
      assert.equal(client.available, false);
      await client.close();
      await assert.rejects(send(client, ask(), 5000), (e) => isRpcError(e, ErrorCode.CLIENT_CLOSED));
      await assert.rejects(client.send(ask()), (e) => isRpcError(e, ErrorCode.CLIENT_CLOSED));
    } finally {
      await client.close();
      await peer.close();
    }
  });

  it('counts calls waiting for the connection to open against maxPendingCalls', async () => {
    const peer = await ScriptedDubboPeer.start(answeringScript());
    const client = exchangeTo(peer.port, { maxPendingCalls: 2 });
    try {
      // No session yet: both calls wait for the connection, and a third would be one too many.
      const first = send(client, ask(), 5000);
      const second = client.call(ask(), 5000, undefined, (response) => response.value);
      await assert.rejects(send(client, ask(), 5000), (e) => isRpcError(e, ErrorCode.LIMIT_EXCEEDED) && /^2 calls already in flight/.test(e.message));
      await assert.rejects(client.call(ask(), 5000, undefined, (r) => r.value), (e) => isRpcError(e, ErrorCode.LIMIT_EXCEEDED));
      assert.equal((await first).value, 'ok');
      assert.equal(await second, 'ok');
      assert.equal((await send(client, ask(), 5000)).value, 'ok', 'the count went back down');
    } finally {
      await client.close();
      await peer.close();
    }
  });

  it('fails a call whose signal aborts while its connection opens with CANCELLED, without sending it', async () => {
    const peer = await ScriptedDubboPeer.start(answeringScript());
    const client = exchangeTo(peer.port);
    try {
      const controller = new AbortController();
      const early = send(client, ask('aborted-early'), 60_000, controller.signal);
      controller.abort(new Error('user gave up'));
      await assert.rejects(early, (e) => isRpcError(e, ErrorCode.CANCELLED));
      assert.equal((await send(client, ask(), 5000)).value, 'ok');
      const sent = peer.connections[0]!.received.filter((pkg) => pkg.kind === 'request' && pkg.method === 'aborted-early');
      assert.equal(sent.length, 0, 'the cancelled call was not sent');
      assert.equal(client.pendingCount, 0);
    } finally {
      await client.close();
      await peer.close();
    }
  });

  it('maps a response with call(), and sends one-way requests with a fresh even id that nothing waits for', async () => {
    const peer = await ScriptedDubboPeer.start(answeringScript());
    const client = exchangeTo(peer.port);
    try {
      assert.equal(client.available, true, 'not tried yet');
      assert.equal(await client.call(ask(), 5000, undefined, (response) => `mapped ${String(response.value)}`), 'mapped ok');
      await assert.rejects(
        client.call(ask(), 5000, undefined, () => {
          throw new Error('mapper refused');
        }),
        /mapper refused/,
      );
      await client.send(ask('fire'));
      const connection = await peer.firstConnection();
      const fired = (await connection.nextMatching((pkg) => pkg.kind === 'request' && pkg.method === 'fire')) as DubboRequest;
      assert.equal(fired.twoWay, false);
      assert.ok(Number(fired.id) > 0 && Number(fired.id) % 2 === 0, `id ${fired.id}`);
      const ids = connection.received.filter((pkg) => pkg.kind === 'request').map((pkg) => Number(pkg.id));
      assert.equal(new Set(ids).size, ids.length, 'every request has its own id');
      assert.equal(client.pendingCount, 0);
    } finally {
      await client.close();
      await peer.close();
    }
  });

  it('fails the calls of a session the provider drops with NETWORK, and reconnects for the next call', async () => {
    const peer = await ScriptedDubboPeer.start(answeringScript({ drop: (connection) => connection.socket.destroy() }));
    const client = exchangeTo(peer.port);
    try {
      assert.equal((await send(client, ask(), 5000)).value, 'ok');
      await assert.rejects(
        send(client, ask('drop'), 60_000),
        (e) => isRpcError(e, ErrorCode.NETWORK) && e.message.includes(`connection to 127.0.0.1:${peer.port} closed`),
      );
      await peer.connections[0]!.closed;
      assert.equal((await send(client, ask(), 5000)).value, 'ok');
      assert.equal(peer.connections.length, 2, 'a new connection');
    } finally {
      await client.close();
      await peer.close();
    }
  });

  it('spreads calls over its connections in turn', async () => {
    const peer = await ScriptedDubboPeer.start(answeringScript());
    const client = exchangeTo(peer.port, { connections: 2 });
    try {
      for (let i = 0; i < 10; i++) assert.equal((await send(client, ask(), 5000)).value, 'ok');
      const counts = peer.connections.map((connection) => connection.received.filter((pkg) => pkg.kind === 'request' && pkg.method === 'ok').length);
      assert.deepEqual(counts, [5, 5]);
    } finally {
      await client.close();
      await peer.close();
    }
  });

  it('closes a session that received nothing for sessionTimeoutMs, though its heartbeats have not failed yet', async () => {
    const peer = await ScriptedDubboPeer.start(() => {});
    const sessionTimeoutMs = 300;
    const client = exchangeTo(peer.port, { heartbeatPeriodMs: 50, heartbeatTimeoutMs: 60_000, sessionTimeoutMs });
    try {
      const connection = await connect(client, peer);
      const started = performance.now();
      const bound = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('idle session still open after 3 s')), 3000).unref());
      await Promise.race([connection.closed, bound]);
      const elapsed = performance.now() - started;
      assert.ok(elapsed >= sessionTimeoutMs - 20, `closed after ${elapsed.toFixed(0)} ms`);
    } finally {
      await client.close();
      await peer.close();
    }
  });

  it('fails a call with BAD_RESPONSE when its response body is corrupt, and keeps the session', async () => {
    const peer = await ScriptedDubboPeer.start(
      answeringScript({
        corrupt: (connection, pkg) => {
          const frame = connection.encode(createResponse({ id: pkg.id, value: 'ok' }));
          frame[16] = 0x99; // response flag 9: no such flag
          connection.socket.write(frame);
        },
      }),
    );
    const client = exchangeTo(peer.port);
    try {
      await assert.rejects(send(client, ask('corrupt'), 5000), (e) => isRpcError(e, ErrorCode.BAD_RESPONSE));
      assert.equal((await send(client, ask(), 5000)).value, 'ok');
      assert.equal(peer.connections.length, 1);
    } finally {
      await client.close();
      await peer.close();
    }
  });

  it('fails a request it cannot encode with SERIALIZATION and keeps nothing pending', async () => {
    const peer = await ScriptedDubboPeer.start(answeringScript());
    const client = exchangeTo(peer.port);
    try {
      assert.equal((await send(client, ask(), 5000)).value, 'ok');
      const unencodable = createRequest({ id: 0, path: 'test.Peer', method: 'ok', parameterTypes: ['int'], args: ['not an int'] });
      await assert.rejects(send(client, unencodable, 5000), (e) => isRpcError(e, ErrorCode.SERIALIZATION));
      assert.equal(client.pendingCount, 0);
    } finally {
      await client.close();
      await peer.close();
    }
  });

  it('counts a response that arrives after its call timed out as dropped', async () => {
    let release: (() => void) | undefined;
    const peer = await ScriptedDubboPeer.start(
      answeringScript({ late: (connection, pkg) => (release = () => connection.send(createResponse({ id: pkg.id, value: 'late' }))) }),
    );
    const client = exchangeTo(peer.port);
    try {
      await assert.rejects(send(client, ask('late'), 50), (e) => isRpcError(e, ErrorCode.TIMEOUT));
      assert.equal(client.droppedResponses, 0);
      release!();
      await until(() => client.droppedResponses === 1, 'the late response to be dropped');
      assert.equal((await send(client, ask(), 5000)).value, 'ok');
    } finally {
      await client.close();
      await peer.close();
    }
  });
});

describe('RpcClient call bounds over a real provider', () => {
  let provider: DemoProvider;
  let client: RpcClient;

  before(async () => {
    provider = await startDemoProvider();
    client = new RpcClient({ timeoutMs: 60_000 });
  });
  after(async () => {
    provider.gate.release();
    await client.close();
    await provider.server.stop({ graceMs: 0 });
  });

  it('rejects a call with timeoutMs 200 with TIMEOUT well within 1.5 s', async () => {
    const demo = client.refer(DemoService, { url: provider.url, version: '1.0.0', retries: 0 });
    assert.equal(await demo.sayHello('warm'), 'Hello warm');
    const started = performance.now();
    await assert.rejects(withCallOptions(demo, { timeoutMs: 200 }).slow('never'), (e) => isRpcError(e, ErrorCode.TIMEOUT));
    const elapsed = performance.now() - started;
    // Only the upper bound: how early a wheel timer may fire is the timer wheel's own test.
    assert.ok(elapsed < 1500, `TIMEOUT after ${elapsed.toFixed(0)} ms`);
  });

  it('leaves no abort listener on a long-lived AbortSignal after 1000 calls', async () => {
    const controller = new AbortController();
    const demo = withCallOptions(client.refer(DemoService, { url: provider.url, version: '1.0.0' }), { signal: controller.signal });
    for (let batch = 0; batch < 100; batch++) {
      const sums = await Promise.all(Array.from({ length: 10 }, (_, i) => demo.add(batch, i)));
      assert.equal(sums[9], batch + 9);
    }
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });
});

/** A port on 127.0.0.1 nothing listens on (bound by the kernel, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Records what a diagnostics channel publishes until `stop()`. */
function record(channel: string): { messages: Array<Record<string, unknown>>; stop: () => void } {
  const messages: Array<Record<string, unknown>> = [];
  const onMessage = (message: unknown) => messages.push(message as Record<string, unknown>);
  diagnosticsChannel.subscribe(channel, onMessage);
  return { messages, stop: () => diagnosticsChannel.unsubscribe(channel, onMessage) };
}

describe('ExchangeClient availability and close', () => {
  it('is available before its first call; close() before any connection resolves, twice, and leaves it unavailable', async () => {
    const client = exchangeTo(await closedPort());
    assert.equal(client.available, true, 'nothing tried yet');
    await client.close();
    assert.equal(client.available, false);
    await client.close();
    await assert.rejects(send(client, ask(), 5000), (e) => isRpcError(e, ErrorCode.CLIENT_CLOSED) && e.message === `client to ${client.address} closed`);
  });

  it('is unavailable once its provider went away and no session is left; tells its logger, and not of its own close', async () => {
    const peer = await ScriptedDubboPeer.start(answeringScript());
    const lines: Array<[string, object, string]> = [];
    const at = (level: string) => (fields: object, message: string) => lines.push([level, fields, message]);
    const logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
    const client = exchangeTo(peer.port, { logger });
    const address = `127.0.0.1:${peer.port}`;
    try {
      assert.equal((await send(client, ask(), 5000)).value, 'ok');
      assert.equal(client.available, true);
      await peer.close();
      await until(() => !client.available, 'the client to notice no session is left');
      await until(() => lines.length > 0, 'the dropped connection to be logged');
      assert.deepEqual(lines, [['info', { address }, `connection to provider ${address} closed`]]);
    } finally {
      await client.close();
    }
    const own = await ScriptedDubboPeer.start(answeringScript());
    const closing = exchangeTo(own.port, { logger });
    try {
      assert.equal((await send(closing, ask(), 5000)).value, 'ok');
      await closing.close();
      await own.connections[0]!.closed;
      assert.equal(lines.length, 1, 'nothing logged for a close of its own');
    } finally {
      await own.close();
    }
  });

  it('fails calls and sends to an address nobody listens on with NETWORK, without counting them as in flight', async () => {
    const port = await closedPort();
    const client = exchangeTo(port, { maxPendingCalls: 1 });
    const cannotConnect = (e: unknown) => isRpcError(e, ErrorCode.NETWORK) && e.message === `cannot connect to 127.0.0.1:${port}`;
    try {
      // maxPendingCalls 1: a failed connect that still counted its call would refuse the next one with LIMIT_EXCEEDED.
      for (let i = 0; i < 3; i++) await assert.rejects(send(client, ask(), 5000), cannotConnect);
      await assert.rejects(client.send(ask('fire')), cannotConnect);
      assert.equal(client.pendingCount, 0);
    } finally {
      await client.close();
    }
  });

  it('fails a call waiting for its connection with CLIENT_CLOSED when close() runs meanwhile', async () => {
    const peer = await ScriptedDubboPeer.start(answeringScript());
    const client = exchangeTo(peer.port);
    try {
      const waiting = send(client, ask(), 5000);
      const closing = client.close();
      await assert.rejects(waiting, (e) => isRpcError(e, ErrorCode.CLIENT_CLOSED) && e.message === `client to 127.0.0.1:${peer.port} closed`);
      await closing;
    } finally {
      await client.close();
      await peer.close();
    }
  });

  it('refuses a request larger than its maxFrameLen with MSG_TOO_LONG, without sending it', async () => {
    const peer = await ScriptedDubboPeer.start(answeringScript());
    const client = exchangeTo(peer.port, { maxFrameLen: 1024 });
    try {
      assert.equal((await send(client, ask(), 5000)).value, 'ok');
      const big = createRequest({ id: 0, path: 'test.Peer', method: 'big', parameterTypes: ['java.lang.String'], args: ['x'.repeat(4096)] });
      await assert.rejects(send(client, big, 5000), (e) => isRpcError(e, ErrorCode.MSG_TOO_LONG));
      assert.equal(client.pendingCount, 0);
      assert.equal((await send(client, ask(), 5000)).value, 'ok', 'the session stays open');
      const sent = peer.connections[0]!.received.filter((pkg) => pkg.kind === 'request' && pkg.method === 'big');
      assert.equal(sent.length, 0);
    } finally {
      await client.close();
      await peer.close();
    }
  });
});

describe('ExchangeClient sessions on the getty-rpc:session:* channels', () => {
  it('publishes its sessions opening and closing, with the reason of a close, even with no logger', async () => {
    const peer = await ScriptedDubboPeer.start(() => {});
    const opened = record('getty-rpc:session:open');
    const closed = record('getty-rpc:session:close');
    const sessionTimeoutMs = 200;
    // No logger: the channel is told all the same.
    const client = exchangeTo(peer.port, { heartbeatPeriodMs: 50, heartbeatTimeoutMs: 60_000, sessionTimeoutMs });
    try {
      const connection = await connect(client, peer);
      const mine = (messages: Array<Record<string, unknown>>) => messages.filter((m) => m.side === 'consumer' && m.remoteAddress === `127.0.0.1:${peer.port}`);
      const [open] = mine(opened.messages);
      assert.ok(open, 'the open was published');
      assert.equal(open.localAddress, `127.0.0.1:${connection.socket.remotePort}`);
      await until(() => mine(closed.messages).length === 1, 'the idle session to close');
      const [close] = mine(closed.messages);
      assert.equal(close!.localAddress, open.localAddress);
      const reason = close!.reason;
      assert.ok(isRpcError(reason, ErrorCode.NETWORK));
      assert.equal(reason.message, `session to 127.0.0.1:${peer.port} idle for over ${sessionTimeoutMs} ms`);
    } finally {
      opened.stop();
      closed.stop();
      await client.close();
      await peer.close();
    }
  });
});

describe('ExchangeClient idle check', () => {
  /**
   * The session's side of the idle check alone: onCron is the EventListener
   * contract the transport calls, and the exact millisecond of the boundary
   * cannot be hit through a socket's cron.
   */
  function idleFor(idleMs: () => number) {
    const closeReasons: unknown[] = [];
    const written: DubboPackage[] = [];
    const attributes = new Map<unknown, unknown>();
    const session = {
      get lastActive() {
        return Date.now() - idleMs();
      },
      close: (reason?: unknown) => closeReasons.push(reason),
      writePkg: (pkg: DubboPackage) => written.push(pkg),
      getAttribute: (key: unknown) => attributes.get(key),
      setAttribute: (key: unknown, value: unknown) => attributes.set(key, value),
    };
    return { session: session as unknown as Parameters<ExchangeClient['onCron']>[0], closeReasons, written };
  }

  it('closes a session idle for more than sessionTimeoutMs; at exactly sessionTimeoutMs it sends a heartbeat instead', async () => {
    const client = exchangeTo(1, { sessionTimeoutMs: 1000 });
    try {
      // lastActive is read after Date.now(): the idle time seen is at most 1000 ms.
      const atLimit = idleFor(() => 1000);
      client.onCron(atLimit.session);
      assert.deepEqual(atLimit.closeReasons, []);
      assert.equal(atLimit.written.length, 1, 'a heartbeat');
      const past = idleFor(() => 1001);
      client.onCron(past.session);
      assert.equal(past.written.length, 0);
      assert.equal(past.closeReasons.length, 1);
      assert.ok(isRpcError(past.closeReasons[0], ErrorCode.NETWORK));
      assert.equal(past.closeReasons[0].message, 'session to 127.0.0.1:1 idle for over 1000 ms');
    } finally {
      await client.close();
    }
  });
});
