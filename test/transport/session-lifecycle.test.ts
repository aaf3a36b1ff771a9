import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../common/rpc-error.js';
import type { Session } from '../../transport/session-contract.js';
import { createTcpClient } from '../../transport/tcp-client.js';
import { createTcpServer } from '../../transport/tcp-server.js';
import { TimerWheel } from '../../transport/timer-wheel.js';
import { createUdpClient } from '../../transport/udp-client.js';
import { createUdpEndpoint } from '../../transport/udp-endpoint.js';
import { createWsClient } from '../../transport/ws-client.js';
import { createWsServer } from '../../transport/ws-server.js';
import { codec, deferred, rawConnect, waitFor, within } from './helpers.js';

describe('session lifecycle', () => {
  it('treats a session closed inside its own onOpen as refused: no onClose, no timer left on the wheel', async () => {
    const wheel = new TimerWheel({ tickMs: 5 });
    let closes = 0;
    const server = createTcpServer<Buffer>({ port: 0, wheel });
    await server.runEventLoop((s) => {
      s.setPkgHandler(codec)
        .setCronPeriod(10)
        .setReadTimeout(50)
        .setEventListener({ onOpen: (x) => x.close(), onCron: () => undefined, onClose: () => void closes++ });
    });
    const socket = await rawConnect(server.address.port);
    socket.resume();
    await within(once(socket, 'close'), 5000, 'socket closed by the server');
    assert.equal(closes, 0);
    assert.equal(server.sessions.length, 0);
    await waitFor(() => wheel.size === 0, 5000, 'no cron or idle timer of the refused session');
    await server.close();
    wheel.clear();
  });

  it('runs onClosed callbacks of a session refused by onOpen, so what they guard is released', async () => {
    const released = deferred();
    const server = createTcpServer<Buffer>({ port: 0 });
    await server.runEventLoop((s) => {
      s.onClosed(() => released.resolve());
      s.setPkgHandler(codec).setEventListener({
        onOpen: () => {
          throw new Error('refused');
        },
      });
    });
    const socket = await rawConnect(server.address.port);
    await within(released.promise, 5000, 'close callback of the refused session');
    socket.destroy();
    await server.close();
  });

  it('reports a client session refused by onOpen through onConnectError and does not keep it', async () => {
    const server = createTcpServer<Buffer>({ port: 0 });
    await server.runEventLoop((s) => void s.setPkgHandler(codec));
    const errors: unknown[] = [];
    const client = createTcpClient<Buffer>({
      port: server.address.port,
      maxReconnectAttempts: 1,
      reconnectIntervalMs: 1,
      onConnectError: (err) => void errors.push(err),
    });
    await client.runEventLoop((s) => {
      s.setPkgHandler(codec).setEventListener({
        onOpen: () => {
          throw new Error('not this one');
        },
      });
    });
    assert.equal(client.sessions.length, 0);
    assert.ok(isRpcError(errors[0], ErrorCode.CONNECT_FAILED), `got ${String(errors[0])}`);
    await client.close();
    await server.close();
  });

  it('keeps a UDP session’s addresses readable after close', async () => {
    const endpoint = createUdpEndpoint<Buffer>({ port: 0 });
    await endpoint.runEventLoop(() => undefined);
    const client = createUdpClient<Buffer>({ port: endpoint.address.port });
    await client.runEventLoop(() => undefined);
    const session = client.sessions[0]!;
    const local = session.localAddress;
    const remote = session.remoteAddress;
    await client.close();
    await endpoint.close();
    assert.equal(session.closed, true);
    assert.equal(session.localAddress, local);
    assert.equal(session.remoteAddress, `127.0.0.1:${endpoint.address.port}`);
    assert.equal(remote, session.remoteAddress);
  });

  it('rejects runEventLoop of a UDP endpoint whose session onOpen refuses, and frees its port', async () => {
    const endpoint = createUdpEndpoint<Buffer>({ port: 0 });
    await assert.rejects(
      endpoint.runEventLoop((s) => {
        s.setEventListener({
          onOpen: () => {
            throw new Error('no');
          },
        });
      }),
      (err) => isRpcError(err, ErrorCode.CONNECT_FAILED),
    );
    assert.equal(endpoint.sessions.length, 0);
    await endpoint.close();
    await endpoint.close();
  });

  it('gives every server kind the same runEventLoop checks and an idempotent close', async () => {
    for (const server of [createTcpServer({ port: 0 }), createWsServer({ port: 0 }), createUdpEndpoint({ port: 0 })]) {
      assert.throws(() => server.address, (err) => isRpcError(err, ErrorCode.ENDPOINT_CLOSED));
      await assert.rejects(server.runEventLoop(42 as never), (err) => isRpcError(err, ErrorCode.INVALID_ARGUMENT));
      await server.runEventLoop(() => undefined);
      await assert.rejects(
        server.runEventLoop(() => undefined),
        (err) => isRpcError(err, ErrorCode.INVALID_ARGUMENT),
      );
      await Promise.all([server.close(), server.close()]);
      assert.equal(server.closed, true);
    }
  });

  it('reports a fatal read error through onError, then onClose, each once', async () => {
    const events: string[] = [];
    const closed = deferred();
    const server = createTcpServer<Buffer>({ port: 0 });
    await server.runEventLoop((s) => {
      s.setPkgHandler(codec)
        .setMaxMsgLen(1024)
        .setEventListener({
          onError: (_x, err) => void events.push(`error:${err.code}`),
          onClose: () => {
            events.push('close');
            closed.resolve();
          },
        });
    });
    const socket = await rawConnect(server.address.port);
    socket.on('error', () => {});
    socket.resume();
    const header = Buffer.alloc(4);
    header.writeUInt32BE(4096, 0);
    socket.write(header);
    await within(closed.promise, 5000, 'session closed');
    assert.deepEqual(events, [`error:${ErrorCode.MSG_TOO_LONG}`, 'close']);
    socket.destroy();
    await server.close();
  });

  it('WS and UDP sessions throw SESSION_CLOSED on write after close, close twice harmlessly and run onClose once', async () => {
    let wsCloses = 0;
    const wsServer = createWsServer<Buffer>({ port: 0 });
    await wsServer.runEventLoop(() => undefined);
    const wsClient = createWsClient<Buffer>({ url: wsServer.url });
    await wsClient.runEventLoop((s) => void s.setEventListener({ onClose: () => void wsCloses++ }));
    const endpoint = createUdpEndpoint<Buffer>({ port: 0 });
    let udpCloses = 0;
    await endpoint.runEventLoop((s) => void s.setEventListener({ onClose: () => void udpCloses++ }));
    for (const session of [wsClient.sessions[0]!, endpoint.sessions[0]!] as Session<unknown>[]) {
      session.close();
      session.close();
      assert.throws(() => session.writeBytes(Buffer.from('x')), (err) => isRpcError(err, ErrorCode.SESSION_CLOSED));
      assert.throws(() => session.writePkg(Buffer.from('x')), (err) => isRpcError(err, ErrorCode.SESSION_CLOSED));
    }
    await waitFor(() => wsCloses === 1 && udpCloses === 1, 5000, 'one onClose each');
    await wsClient.close();
    await wsServer.close();
    await endpoint.close();
    assert.equal(wsCloses, 1);
    assert.equal(udpCloses, 1);
  });

  it('closes a WS session configured by newSession once the server closes, exactly once', async () => {
    let closes = 0;
    const opened = deferred<Session<Buffer>>();
    const server = createWsServer<Buffer>({ port: 0 });
    await server.runEventLoop((s) => void s.setEventListener({ onOpen: (x) => opened.resolve(x), onClose: () => void closes++ }));
    const client = createWsClient<Buffer>({ url: server.url });
    await client.runEventLoop(() => undefined);
    await within(opened.promise, 5000, 'server session');
    await client.close();
    await server.close();
    await waitFor(() => closes === 1, 5000, 'one onClose');
    assert.equal(server.sessions.length, 0);
  });
});
