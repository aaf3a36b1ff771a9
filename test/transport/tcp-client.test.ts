import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError, type RpcError } from '../../common/rpc-error.js';
import type { Session } from '../../transport/session-contract.js';
import { createTcpClient } from '../../transport/tcp-client.js';
import { createTcpServer, type TcpServer } from '../../transport/tcp-server.js';
import type { TcpSession } from '../../transport/tcp-session.js';
import { codec, echoHoldingUntilFin, deferred, freePort, waitFor, within } from './helpers.js';

/** A server that counts opened sessions and resolves `opened(n)` when n are open. */
async function countingServer(port = 0): Promise<{ server: TcpServer<Buffer>; sessions: Session<Buffer>[] }> {
  const sessions: Session<Buffer>[] = [];
  const server = createTcpServer<Buffer>({ port });
  await server.runEventLoop((s) => {
    s.setPkgHandler(codec).setEventListener({ onOpen: (x) => void sessions.push(x) });
  });
  return { server, sessions };
}

const configure = (s: Session<Buffer>) => void s.setPkgHandler(codec);

describe('TcpClient', () => {
  it('keeps connectionNumber sessions open', async () => {
    const { server } = await countingServer();
    const client = createTcpClient<Buffer>({ port: server.address.port, connectionNumber: 3 });
    await client.runEventLoop(configure);
    assert.equal(client.sessions.length, 3);
    await waitFor(() => server.sessions.length === 3, 5000, 'server side sessions');
    await client.close();
    await server.close();
  });

  it('backs off and stops after maxReconnectAttempts while the server is down', async () => {
    const port = await freePort();
    const failures: RpcError[] = [];
    const gaveUp = deferred<RpcError>();
    const client = createTcpClient<Buffer>({
      port,
      reconnectIntervalMs: 5,
      maxReconnectAttempts: 4,
      onConnectError: (err) => void failures.push(err),
      onReconnectGiveUp: (err) => gaveUp.resolve(err),
    });
    await client.runEventLoop(configure);
    assert.equal(client.sessions.length, 0);
    const err = await within(gaveUp.promise, 10_000, 'give up');
    assert.ok(isRpcError(err, ErrorCode.CONNECT_FAILED));
    assert.equal(failures.length, 4);
    assert.ok(failures.every((f) => isRpcError(f, ErrorCode.CONNECT_FAILED)));
    assert.equal(client.gaveUp, true);
    assert.equal(client.reconnecting, false);
    await client.close();
  });

  it('refills the pool to connectionNumber when the server comes back in time', async () => {
    const port = await freePort();
    const client = createTcpClient<Buffer>({ port, connectionNumber: 3, reconnectIntervalMs: 10, maxReconnectAttempts: 200 });
    await client.runEventLoop(configure);
    assert.equal(client.sessions.length, 0);
    assert.equal(client.reconnecting, true);
    const { server } = await countingServer(port);
    await waitFor(() => client.sessions.length === 3, 10_000, 'pool refilled');
    await waitFor(() => !client.reconnecting, 5000, 'worker done');
    await client.close();
    await server.close();
  });

  it('does not redial a slot whose peer closed cleanly', async () => {
    const { server, sessions } = await countingServer();
    const client = createTcpClient<Buffer>({ port: server.address.port, connectionNumber: 2, reconnectIntervalMs: 5 });
    await client.runEventLoop(configure);
    await waitFor(() => sessions.length === 2, 5000, 'server sessions');
    const lost = deferred();
    for (const s of client.sessions) s.onClosed(() => lost.resolve());
    sessions[0]!.close();
    await within(lost.promise, 5000, 'client saw the close');
    assert.equal(client.sessions.length, 1);
    assert.equal(client.reconnecting, false, 'no reconnect after a clean peer close');
    await client.close();
    await server.close();
  });

  it('redials a slot lost to a connection reset', async () => {
    const { server, sessions } = await countingServer();
    const client = createTcpClient<Buffer>({ port: server.address.port, connectionNumber: 1, reconnectIntervalMs: 5 });
    await client.runEventLoop(configure);
    await waitFor(() => sessions.length === 1, 5000, 'first session');
    (sessions[0] as unknown as TcpSession<Buffer>).socket.resetAndDestroy();
    await waitFor(() => sessions.length === 2 && client.sessions.length === 1, 5000, 'redialled');
    await client.close();
    await server.close();
  });

  it('redials after a clean peer close when reconnectOnPeerClose is set', async () => {
    const { server, sessions } = await countingServer();
    const client = createTcpClient<Buffer>({
      port: server.address.port,
      reconnectIntervalMs: 5,
      reconnectOnPeerClose: true,
    });
    await client.runEventLoop(configure);
    await waitFor(() => sessions.length === 1, 5000, 'first session');
    sessions[0]!.close();
    await waitFor(() => sessions.length === 2 && client.sessions.length === 1, 5000, 'redialled');
    await client.close();
    await server.close();
  });

  it('close() cancels a pending reconnect and closes sessions; twice is harmless', async () => {
    const port = await freePort();
    const client = createTcpClient<Buffer>({ port, reconnectIntervalMs: 60_000 });
    await client.runEventLoop(configure);
    assert.equal(client.reconnecting, true);
    await within(client.close(), 2000, 'close during backoff');
    await client.close();
    assert.equal(client.reconnecting, false);
    await assert.rejects(client.runEventLoop(configure), (err) => isRpcError(err, ErrorCode.ENDPOINT_CLOSED));
  });

  it('rejects a socket connected to itself (TCP simultaneous open)', async () => {
    const port = await freePort();
    const failures: RpcError[] = [];
    const client = createTcpClient<Buffer>({
      port,
      localAddress: '127.0.0.1',
      localPort: port,
      maxReconnectAttempts: 1,
      onConnectError: (err) => void failures.push(err),
    });
    await client.runEventLoop(configure);
    assert.equal(client.sessions.length, 0);
    assert.equal(failures.length, 1);
    assert.ok(isRpcError(failures[0], ErrorCode.SELF_CONNECT), `got ${String(failures[0])}`);
    await client.close();
  });

  it('validates its options with INVALID_ARGUMENT', () => {
    const bad = [{ port: 0 }, { port: 70000 }, { port: 1, connectionNumber: 0 }, { port: 1, reconnectIntervalMs: -1 }];
    for (const options of bad) {
      assert.throws(() => createTcpClient(options), (err) => isRpcError(err, ErrorCode.INVALID_ARGUMENT));
    }
  });

  it('answers what the server sent before its FIN even while reading is paused on maxInflight', async () => {
    const requests = Buffer.concat([codec.encode(Buffer.from('one')), codec.encode(Buffer.from('two'))]);
    const answered = deferred<Buffer>();
    const peer = net.createServer((socket) => {
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => void chunks.push(chunk));
      socket.on('close', () => answered.resolve(Buffer.concat(chunks)));
      socket.end(requests);
    });
    peer.listen(0, '127.0.0.1');
    await once(peer, 'listening');
    const client = createTcpClient<Buffer>({ port: (peer.address() as net.AddressInfo).port, maxReconnectAttempts: 1 });
    try {
      await client.runEventLoop(
        (s) =>
          void s
            .setPkgHandler(codec)
            .setMaxInflight(1)
            .setEventListener({ onMessage: echoHoldingUntilFin }),
      );
      assert.deepEqual(await within(answered.promise, 20_000, 'the client answers, then closes'), requests);
    } finally {
      await client.close();
      await new Promise((resolve) => peer.close(resolve));
    }
  });
});
