/**
 * The provider half of the exchange layer on its own: a real ExchangeServer
 * on 127.0.0.1 with a recording request handler, and a plain TCP socket that
 * speaks Dubbo frames through the same codec.
 */
import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import { once } from 'node:events';
import net from 'node:net';
import { describe, it } from 'node:test';
import { type Logger, SILENT_LOGGER } from '../../../common/diagnostics.js';
import { ErrorCode, isRpcError } from '../../../common/rpc-error.js';
import { ExchangeServer, type ExchangeServerOptions, type RequestHandler } from '../../../rpc/exchange/exchange-server.js';
import { DubboCodec } from '../../../rpc/exchange/dubbo-codec.js';
import { until } from '../rpc-fixture.js';
import {
  createHeartbeatRequest,
  createHeartbeatResponse,
  createRequest,
  createResponse,
  type DubboPackage,
  type DubboResponse,
  ResponseStatus,
} from '../../../rpc/protocol/dubbo-package.js';
import type { Session } from '../../../transport/session-contract.js';

const codec = new DubboCodec();

function serverOptions(overrides: Partial<ExchangeServerOptions> = {}): ExchangeServerOptions {
  return {
    transport: 'tcp',
    host: '127.0.0.1',
    port: 0,
    path: '/',
    maxFrameLen: 1024 * 1024,
    sessionTimeoutMs: 60_000,
    maxInflightPerSession: 100,
    maxWriteBufferBytes: 1024 * 1024,
    maxServerWriteBufferBytes: 8 * 1024 * 1024,
    maxConnections: 10,
    handshakeTimeoutMs: 5000,
    allowedOrigins: [],
    logger: SILENT_LOGGER,
    ...overrides,
  };
}

/** Connects, writes `packages`, and collects decoded packages until `count` arrived. */
async function exchange(port: number, packages: DubboPackage[], count: number): Promise<DubboPackage[]> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  try {
    for (const pkg of packages) socket.write(Buffer.concat(codec.write(null, pkg)));
    const received: DubboPackage[] = [];
    let buf = Buffer.alloc(0);
    for await (const chunk of socket) {
      buf = Buffer.concat([buf, chunk as Buffer]);
      for (let result = codec.read(null, buf); result.pkg !== undefined; result = codec.read(null, buf)) {
        received.push(result.pkg);
        buf = buf.subarray(result.len);
      }
      if (received.length >= count) break;
    }
    return received;
  } finally {
    socket.destroy();
  }
}

describe('ExchangeServer', () => {
  it('hands requests to its handler, answers heartbeats itself and writes the replies it is given', async () => {
    const handled: string[] = [];
    let server!: ExchangeServer;
    const handler: RequestHandler = (session, request) => {
      handled.push(request.method);
      server.reply(session, request, createResponse({ id: request.id, serialization: request.serialization, value: `ok:${request.method}` }));
    };
    server = new ExchangeServer(serverOptions(), handler);
    await server.listen();
    try {
      const oneWay = createRequest({ id: 6, method: 'fireAndForget', twoWay: false });
      const replies = await exchange(server.port, [createHeartbeatRequest(2), oneWay, createRequest({ id: 4, method: 'hello' })], 2);
      assert.deepEqual(
        replies.map((pkg) => [pkg.kind, Number(pkg.id), pkg.event, pkg.kind === 'response' ? pkg.value : undefined]),
        [
          ['response', 2, true, undefined],
          ['response', 4, false, 'ok:hello'],
        ],
      );
      assert.deepEqual(handled, ['fireAndForget', 'hello']);
    } finally {
      await server.close();
    }
  });

  it('closes a session that sent nothing for sessionTimeoutMs, tells onSessionClose why, and logs the close at debug', async () => {
    const closed: Session<DubboPackage>[] = [];
    const { lines, logger } = recordingLogger();
    const server = new ExchangeServer(serverOptions({ sessionTimeoutMs: 100, onSessionClose: (session) => closed.push(session), logger }), () => {});
    await server.listen();
    try {
      const socket = net.connect(server.port, '127.0.0.1');
      socket.on('error', () => {});
      await once(socket, 'connect');
      const remoteAddress = `127.0.0.1:${socket.localPort}`;
      const started = Date.now();
      await once(socket, 'close');
      assert.ok(Date.now() - started < 5000, 'closed within 5 s');
      assert.equal(closed.length, 1);
      const reason = closed[0]!.closeReason;
      assert.ok(isRpcError(reason, ErrorCode.NETWORK));
      assert.equal(reason.message, 'session idle for over 100 ms');
      assert.equal(server.stats()?.dropped.NETWORK, 1, 'counted as dropped with its reason');
      assert.deepEqual(lines, [{ level: 'debug', fields: { remoteAddress }, message: `session from ${remoteAddress} closed` }]);
    } finally {
      await server.close();
    }
  });

  it('publishes its sessions opening and closing on the getty-rpc:session:* channels, with no onSessionClose given', async () => {
    const opened = record('getty-rpc:session:open');
    const closed = record('getty-rpc:session:close');
    const server = new ExchangeServer(serverOptions({ sessionTimeoutMs: 100 }), () => {});
    await server.listen();
    try {
      const socket = net.connect(server.port, '127.0.0.1');
      socket.on('error', () => {});
      await once(socket, 'connect');
      const expected = { side: 'provider', remoteAddress: `127.0.0.1:${socket.localPort}`, localAddress: `127.0.0.1:${server.port}` };
      await once(socket, 'close');
      await until(() => closed.messages.some((m) => m.remoteAddress === expected.remoteAddress), 'the close to be published');
      assert.deepEqual(
        opened.messages.filter((m) => m.remoteAddress === expected.remoteAddress),
        [expected],
      );
      const [close] = closed.messages.filter((m) => m.remoteAddress === expected.remoteAddress);
      const { reason, ...addresses } = close!;
      assert.deepEqual(addresses, expected);
      assert.ok(isRpcError(reason, ErrorCode.NETWORK));
    } finally {
      opened.stop();
      closed.stop();
      await server.close();
    }
  });

  it('hands neither a response nor a one-way event from the consumer to its handler', async () => {
    const handled: string[] = [];
    let server!: ExchangeServer;
    server = new ExchangeServer(serverOptions(), (session, request) => {
      handled.push(`${request.kind}:${request.method}`);
      server.reply(session, request, createResponse({ id: request.id, value: 'ok' }));
    });
    await server.listen();
    try {
      const stray = [createResponse({ id: 2, value: 'unasked' }), createHeartbeatResponse(createHeartbeatRequest(4)), createRequest({ id: 6, event: true, twoWay: false })];
      const replies = await exchange(server.port, [...stray, createRequest({ id: 8, method: 'hello' })], 1);
      assert.deepEqual(
        replies.map((pkg) => Number(pkg.id)),
        [8],
      );
      assert.deepEqual(handled, ['request:hello']);
    } finally {
      await server.close();
    }
  });

  it('answers a reply larger than its maxFrameLen with SERVER_ERROR', async () => {
    let server!: ExchangeServer;
    server = new ExchangeServer(serverOptions({ maxFrameLen: 1024 }), (session, request) => {
      server.reply(session, request, createResponse({ id: request.id, value: 'x'.repeat(4096) }));
    });
    await server.listen();
    try {
      const [reply] = (await exchange(server.port, [createRequest({ id: 2, method: 'big' })], 1)) as DubboResponse[];
      assert.equal(reply!.status, ResponseStatus.SERVER_ERROR);
      assert.match(String(reply!.errorMessage), /cannot encode the result/);
    } finally {
      await server.close();
    }
  });

  it('drops a session whose reply passes maxWriteBufferBytes, and reply() throws nothing', async () => {
    const thrown: unknown[] = [];
    let server!: ExchangeServer;
    server = new ExchangeServer(serverOptions({ maxWriteBufferBytes: 1024 }), (session, request) => {
      try {
        server.reply(session, request, createResponse({ id: request.id, value: 'x'.repeat(4096) }));
      } catch (err) {
        thrown.push(err);
      }
    });
    await server.listen();
    try {
      const socket = net.connect(server.port, '127.0.0.1');
      socket.on('error', () => {});
      await once(socket, 'connect');
      socket.write(Buffer.concat(codec.write(null, createRequest({ id: 2, method: 'big' }))));
      await once(socket, 'close');
      assert.deepEqual(thrown, []);
      assert.equal(server.stats()?.dropped.WRITE_BUFFER_FULL, 1);
    } finally {
      await server.close();
    }
  });

  it('before listen(): reports the port asked for, no stats, and close() resolves', async () => {
    const server = new ExchangeServer(serverOptions({ port: 20880 }), () => {});
    assert.equal(server.port, 20880);
    assert.equal(server.stats(), undefined);
    await assert.doesNotReject(server.close());
  });

  it('after close(): keeps the bound port, and every session is closed once close() resolves', async () => {
    const server = new ExchangeServer(serverOptions(), () => {});
    await server.listen();
    const port = server.port;
    assert.notEqual(port, 0);
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    await once(socket, 'connect');
    await until(() => server.stats()!.open === 1, 'the session to open');
    await server.close({ lingerMs: 0 });
    assert.equal(server.stats()!.open, 0);
    assert.equal(server.port, port);
    socket.destroy();
  });

  it('closes a session idle for more than sessionTimeoutMs, not one idle for exactly that long', () => {
    const server = new ExchangeServer(serverOptions({ sessionTimeoutMs: 1000 }), () => {});
    // onCron alone, as the transport calls it: the exact millisecond of the boundary cannot be hit through a socket.
    // lastActive is read after Date.now(), so the idle time seen is at most `idleMs`.
    const closeReasons: unknown[] = [];
    const idleFor = (idleMs: number) =>
      ({
        get lastActive() {
          return Date.now() - idleMs;
        },
        close: (reason?: unknown) => closeReasons.push(reason),
      }) as unknown as Session<DubboPackage>;
    server.onCron(idleFor(1000));
    assert.deepEqual(closeReasons, []);
    server.onCron(idleFor(1001));
    assert.equal(closeReasons.length, 1);
  });
});

/** A logger that keeps every line. */
function recordingLogger() {
  const lines: Array<{ level: keyof Logger; fields: object; message: string }> = [];
  const at = (level: keyof Logger) => (fields: object, message: string) => lines.push({ level, fields, message });
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

/** Records what a diagnostics channel publishes until `stop()`. */
function record(channel: string): { messages: Array<Record<string, unknown>>; stop: () => void } {
  const messages: Array<Record<string, unknown>> = [];
  const onMessage = (message: unknown) => messages.push(message as Record<string, unknown>);
  diagnosticsChannel.subscribe(channel, onMessage);
  return { messages, stop: () => diagnosticsChannel.unsubscribe(channel, onMessage) };
}
