import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError, type RpcError } from '../../common/rpc-error.js';
import type { Session } from '../../transport/session-contract.js';
import { createTaskPool } from '../../transport/task-pool.js';
import { createWsClient } from '../../transport/ws-client.js';
import { createWsServer } from '../../transport/ws-server.js';
import { deferred, freePort, waitFor, within } from './helpers.js';

describe('WsClient', () => {
  it('backs off and stops after maxReconnectAttempts while the server is down', async () => {
    const port = await freePort();
    const failures: RpcError[] = [];
    const gaveUp = deferred<RpcError>();
    const client = createWsClient({
      url: `ws://127.0.0.1:${port}/`,
      reconnectIntervalMs: 5,
      maxReconnectAttempts: 3,
      onConnectError: (err) => void failures.push(err),
      onReconnectGiveUp: (err) => gaveUp.resolve(err),
    });
    await client.runEventLoop(() => {});
    assert.ok(isRpcError(await within(gaveUp.promise, 10_000, 'give up'), ErrorCode.CONNECT_FAILED));
    assert.equal(failures.length, 3);
    await client.close();
  });

  it('refills connectionNumber sessions when the server comes back in time', async () => {
    const port = await freePort();
    const client = createWsClient({ url: `ws://127.0.0.1:${port}/`, connectionNumber: 2, reconnectIntervalMs: 10, maxReconnectAttempts: 200 });
    await client.runEventLoop(() => {});
    assert.equal(client.sessions.length, 0);
    const server = createWsServer({ port });
    await server.runEventLoop(() => {});
    await waitFor(() => client.sessions.length === 2, 10_000, 'pool refilled');
    await client.close();
    await server.close();
  });

  it('does not redial after the server closes a session cleanly', async () => {
    const opened: Session[] = [];
    const server = createWsServer({ port: 0 });
    await server.runEventLoop((s) => void s.setEventListener({ onOpen: (x) => void opened.push(x) }));
    const client = createWsClient({ url: server.url, reconnectIntervalMs: 5 });
    await client.runEventLoop(() => {});
    await waitFor(() => opened.length === 1, 5000, 'server session');
    const lost = deferred();
    client.sessions[0]!.onClosed(() => lost.resolve());
    opened[0]!.close();
    await within(lost.promise, 5000, 'client saw the close');
    assert.equal(client.sessions.length, 0);
    assert.equal(client.reconnecting, false);
    await client.close();
    await server.close();
  });

  it('stops reading while a slow onMessage keeps the task pool full', async () => {
    const pool = createTaskPool({ size: 1, queues: 1, queueLength: 2, ordered: true });
    const gate = deferred();
    const received: number[] = [];
    const opened = deferred<Session<Buffer>>();
    const server = createWsServer<Buffer>({ port: 0, taskPool: pool });
    await server.runEventLoop((s) => {
      s.setEventListener({
        onOpen: (x) => opened.resolve(x),
        onMessage: async (_x, pkg) => {
          received.push(pkg.readUInt32BE(0));
          await gate.promise;
        },
      });
    });
    const client = createWsClient<Buffer>({ url: server.url });
    await client.runEventLoop(() => {});
    const session = client.sessions[0]!;
    const serverSession = await opened.promise;
    const body = Buffer.alloc(64 * 1024);
    const total = 400;
    for (let i = 0; i < total; i++) {
      body.writeUInt32BE(i, 0);
      session.writeBytes(Buffer.from(body));
    }
    await waitFor(() => session.bufferedBytes > 0, 10_000, 'client blocked by the paused server');
    assert.ok(serverSession.stats.pkgsIn <= 3, `running + queued only, got ${serverSession.stats.pkgsIn}`);
    gate.resolve();
    await waitFor(() => received.length === total, 20_000, 'all messages');
    assert.deepEqual(received, Array.from({ length: total }, (_, i) => i));
    await client.close();
    await server.close();
    await pool.close();
  });
});
