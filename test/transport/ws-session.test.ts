import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError, type RpcError } from '../../common/rpc-error.js';
import { CompressType } from '../../transport/compress-type.js';
import type { Session } from '../../transport/session-contract.js';
import { createWsClient } from '../../transport/ws-client.js';
import { createWsServer, type WsServerOptions } from '../../transport/ws-server.js';
import { deferred, waitFor, within } from './helpers.js';
import { testCert } from './tls-fixture.js';

async function echoWsServer(options: WsServerOptions = {}) {
  const sessions: Session<Buffer>[] = [];
  const server = createWsServer<Buffer>({ port: 0, path: '/echo', ...options });
  await server.runEventLoop((s) => {
    s.setEventListener({
      onOpen: (x) => void sessions.push(x),
      onMessage: (x, pkg) => void x.writeBytes(pkg),
    });
  });
  return { server, sessions };
}

/** A client whose one session collects `count` messages. */
function collecting(count: number) {
  const got: string[] = [];
  const done = deferred<string[]>();
  const configure = (s: Session<Buffer>) => {
    s.setEventListener({
      onMessage: (_s, pkg) => {
        got.push(pkg.toString());
        if (got.length === count) done.resolve(got);
      },
    });
  };
  return { configure, done: done.promise };
}

describe('WebSocket sessions', () => {
  it('echoes through a ws:// client in order', async () => {
    const { server } = await echoWsServer();
    const { configure, done } = collecting(1000);
    const client = createWsClient<Buffer>({ url: server.url });
    await client.runEventLoop(configure);
    const [session] = client.sessions;
    assert.equal(session!.kind, 'ws');
    for (let i = 0; i < 1000; i++) session!.writeBytes(Buffer.from(`w${i}`));
    assert.deepEqual(await within(done, 10_000, 'echo'), Array.from({ length: 1000 }, (_, i) => `w${i}`));
    await client.close();
    await server.close();
  });

  it('echoes through wss:// with a certificate generated for the test', async () => {
    const cert = await testCert();
    const { server } = await echoWsServer({ tls: cert });
    assert.match(server.url, /^wss:\/\//);
    const { configure, done } = collecting(10);
    const client = createWsClient<Buffer>({ url: server.url, tls: { ca: cert.cert } });
    await client.runEventLoop(configure);
    const [session] = client.sessions;
    assert.equal(session!.kind, 'wss');
    for (let i = 0; i < 10; i++) session!.writeBytes(Buffer.from(`s${i}`));
    assert.equal((await within(done, 10_000, 'echo')).length, 10);
    await client.close();
    await server.close();
  });

  it('refuses a wss:// peer whose certificate it does not trust', async () => {
    const cert = await testCert();
    const { server } = await echoWsServer({ tls: cert });
    const failures: RpcError[] = [];
    const client = createWsClient<Buffer>({ url: server.url, maxReconnectAttempts: 1, onConnectError: (e) => void failures.push(e) });
    await client.runEventLoop(() => {});
    assert.equal(client.sessions.length, 0);
    assert.ok(isRpcError(failures[0], ErrorCode.CONNECT_FAILED));
    await client.close();
    await server.close();
  });

  it('compresses with permessage-deflate when both sides offer it', async () => {
    const { server, sessions } = await echoWsServer({ perMessageDeflate: true });
    const { configure, done } = collecting(1);
    const client = createWsClient<Buffer>({ url: server.url, perMessageDeflate: true });
    await client.runEventLoop((s) => {
      configure(s);
      s.setCompressType(CompressType.BestSpeed);
    });
    const big = Buffer.alloc(200_000, 'a');
    client.sessions[0]!.writeBytes(big);
    const [echo] = await within(done, 10_000, 'echo');
    assert.equal(echo!.length, big.length);
    await waitFor(() => sessions.length === 1, 5000, 'server session');
    assert.ok(sessions[0]!.stats.bytesIn === big.length, 'stats count plain bytes');
    assert.throws(() => client.sessions[0]!.setCompressType(CompressType.Snappy), (err) => isRpcError(err, ErrorCode.INVALID_ARGUMENT));
    await client.close();
    await server.close();
  });

  it('reports and skips a message over maxMsgLen, keeping the session', async () => {
    const errors: RpcError[] = [];
    const server = createWsServer<Buffer>({ port: 0 });
    await server.runEventLoop((s) => {
      s.setMaxMsgLen(100).setEventListener({
        onMessage: (x, pkg) => void x.writeBytes(pkg),
        onError: (_x, err) => void errors.push(err),
      });
    });
    const { configure, done } = collecting(1);
    const client = createWsClient<Buffer>({ url: server.url });
    await client.runEventLoop(configure);
    client.sessions[0]!.writeBytes(Buffer.alloc(500));
    client.sessions[0]!.writeBytes(Buffer.from('small'));
    assert.deepEqual(await within(done, 5000, 'small echo'), ['small']);
    assert.equal(errors.length, 1);
    assert.ok(isRpcError(errors[0], ErrorCode.MSG_TOO_LONG));
    await client.close();
    await server.close();
  });

  it('refuses an upgrade on another path and keeps connectionNumber sessions on the right one', async () => {
    const { server, sessions } = await echoWsServer();
    const failures: RpcError[] = [];
    const wrong = createWsClient({ url: `ws://127.0.0.1:${server.address.port}/nope`, maxReconnectAttempts: 1, onConnectError: (e) => void failures.push(e) });
    await wrong.runEventLoop(() => {});
    assert.equal(wrong.sessions.length, 0);
    assert.equal(failures.length, 1);
    const client = createWsClient<Buffer>({ url: server.url, connectionNumber: 3 });
    await client.runEventLoop(() => {});
    assert.equal(client.sessions.length, 3);
    await waitFor(() => sessions.length === 3, 5000, 'server sessions');
    await wrong.close();
    await client.close();
    await server.close();
  });

  it('sends a ping on every cron tick and the peer counts it as activity', async () => {
    const { server, sessions } = await echoWsServer();
    const crons = deferred();
    let ticks = 0;
    const client = createWsClient<Buffer>({ url: server.url });
    await client.runEventLoop((s) => {
      s.setCronPeriod(20).setEventListener({
        onCron: () => {
          if (++ticks === 3) crons.resolve();
        },
      });
    });
    await waitFor(() => sessions.length === 1, 5000, 'server session');
    const before = sessions[0]!.lastActive;
    await within(crons.promise, 5000, 'three cron ticks');
    await waitFor(() => sessions[0]!.lastActive > before, 5000, 'ping seen by the server');
    await client.close();
    await server.close();
  });
});
