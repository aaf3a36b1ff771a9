/**
 * WebSocket peers: a message packing several frames has every frame
 * delivered (a truncated last one is reported, never silently dropped);
 * upgrades from a browser page (an Origin header) are refused unless the
 * origin is allowed; an upgrade that never comes is dropped at the timeout;
 * a message flood stops at maxInflight.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { ErrorCode, type RpcError } from '../../common/rpc-error.js';
import type { Session } from '../../transport/session.js';
import { createWsServer, type WsServer, type WsServerOptions } from '../../transport/ws-server.js';
import { codec, deferred, waitFor, within } from './helpers.js';

interface Echo {
  server: WsServer<Buffer>;
  received: string[];
  errors: RpcError[];
}

async function echoServer(options: WsServerOptions = {}): Promise<Echo> {
  const received: string[] = [];
  const errors: RpcError[] = [];
  const server = createWsServer<Buffer>({ port: 0, ...options });
  await server.runEventLoop((s) => {
    s.setPkgHandler(codec).setEventListener({
      onMessage: (x, pkg) => {
        received.push(pkg.toString());
        x.writePkg(pkg);
      },
      onError: (_x, err) => void errors.push(err),
    });
  });
  return { server, received, errors };
}

async function open(url: string, origin?: string): Promise<WebSocket> {
  const ws = new WebSocket(url, origin === undefined ? {} : { origin });
  await once(ws, 'open');
  return ws;
}

/** Resolves with the HTTP status the server refused the upgrade with. */
async function refusedStatus(url: string, origin: string): Promise<number> {
  const ws = new WebSocket(url, { origin });
  ws.on('error', () => {});
  const [, res] = (await once(ws, 'unexpected-response')) as [unknown, { statusCode: number }];
  ws.terminate();
  return res.statusCode;
}

describe('hostile peers: WebSocket', () => {
  it('delivers every frame packed into one binary message, and reports a truncated last one', async (t) => {
    const { server, received, errors } = await echoServer();
    t.after(() => server.close());
    const ws = await open(server.url);
    t.after(() => ws.terminate());
    const truncated = codec.encode(Buffer.from('cut short')).subarray(0, 6);
    ws.send(Buffer.concat([codec.encode(Buffer.from('one')), codec.encode(Buffer.from('two')), truncated]));
    await waitFor(() => errors.length === 1, 5000, 'the truncated frame reported');
    assert.deepEqual(received, ['one', 'two']);
    assert.equal(errors[0]!.code, ErrorCode.BAD_PACKAGE);
    ws.send(codec.encode(Buffer.from('three')));
    await waitFor(() => received.length === 3, 5000, 'the session still serves');
    assert.equal(received[2], 'three');
  });

  it('refuses a browser origin by default, accepts an allowed one and clients sending no Origin, and counts refusals', async (t) => {
    const { server } = await echoServer({ allowedOrigins: ['https://app.example.com'] });
    t.after(() => server.close());
    assert.equal(await refusedStatus(server.url, 'https://evil.example.com'), 403);
    const allowed = await open(server.url, 'https://app.example.com');
    t.after(() => allowed.terminate());
    const plain = await open(server.url);
    t.after(() => plain.terminate());
    await waitFor(() => server.sessions.length === 2, 5000, 'two sessions');
    assert.equal(server.stats().refused.origin, 1);

    const { server: strict } = await echoServer();
    t.after(() => strict.close());
    assert.equal(await refusedStatus(strict.url, 'https://app.example.com'), 403, 'default: no origin allowed');
  });

  it('drops a connection that never sends its upgrade request after handshakeTimeoutMs', async (t) => {
    const { server } = await echoServer({ handshakeTimeoutMs: 300 });
    t.after(() => server.close());
    const idle = net.connect({ host: '127.0.0.1', port: server.address.port });
    t.after(() => idle.destroy());
    idle.on('error', () => {});
    await once(idle, 'connect');
    const started = Date.now();
    await within(once(idle, 'close'), 5000, 'idle connection dropped');
    assert.ok(Date.now() - started < 2000);
    assert.equal(server.stats().refused.handshake, 1);
  });

  it('stops taking messages at maxInflight and resumes as calls settle', async (t) => {
    const gate = deferred();
    const opened = deferred<Session<Buffer>>();
    let handled = 0;
    const server = createWsServer<Buffer>({ port: 0 });
    t.after(() => server.close());
    await server.runEventLoop((s) => {
      s.setPkgHandler(codec).setMaxInflight(10);
      s.setEventListener({
        onOpen: (x) => opened.resolve(x),
        onMessage: async () => {
          await gate.promise;
          handled++;
        },
      });
    });
    const ws = await open(server.url);
    t.after(() => ws.terminate());
    const session = await opened.promise;
    // 100 frames in 10 messages: frames of one message count one by one.
    const message = Buffer.concat(Array.from({ length: 10 }, () => codec.encode(Buffer.from('x'))));
    for (let i = 0; i < 10; i++) ws.send(message);
    await waitFor(() => session.stats.pkgsIn === 10, 5000, '10 packages taken');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(session.stats.pkgsIn, 10, 'nothing more is taken while 10 calls are unsettled');
    gate.resolve();
    await waitFor(() => handled === 100, 5000, 'all 100 handled');
  });
});
