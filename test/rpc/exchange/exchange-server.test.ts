/**
 * The provider half of the exchange layer on its own: a real ExchangeServer
 * on 127.0.0.1 with a recording request handler, and a plain TCP socket that
 * speaks Dubbo frames through the same codec.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { describe, it } from 'node:test';
import { SILENT_LOGGER } from '../../../common/diagnostics.js';
import { ExchangeServer, type ExchangeServerOptions, type RequestHandler } from '../../../rpc/exchange/exchange-server.js';
import { DubboCodec } from '../../../rpc/exchange/dubbo-codec.js';
import { createHeartbeatRequest, createRequest, createResponse, type DubboPackage } from '../../../rpc/protocol/dubbo-package.js';

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

  it('closes a session that sent nothing for sessionTimeoutMs, and tells onSessionClose', async () => {
    let closedSessions = 0;
    const server = new ExchangeServer(serverOptions({ sessionTimeoutMs: 100, onSessionClose: () => closedSessions++ }), () => {});
    await server.listen();
    try {
      const socket = net.connect(server.port, '127.0.0.1');
      socket.on('error', () => {});
      const started = Date.now();
      await once(socket, 'close');
      assert.ok(Date.now() - started < 5000, 'closed within 5 s');
      assert.equal(closedSessions, 1);
    } finally {
      await server.close();
    }
  });
});
