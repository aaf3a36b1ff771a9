/**
 * How a WebSocket session ends, seen from both sides of a real connection
 * on 127.0.0.1: the close handshake it starts and how long it waits for the
 * answer, the peer's close codes, protocol errors, and bytes that arrive
 * after the session closed.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type net from 'node:net';
import { describe, it } from 'node:test';
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import type { Session } from '../../transport/session-contract.js';
import type { WsSession } from '../../transport/ws-session.js';
import { deferred, waitFor } from './helpers.js';
import { connectTcp, upgradeWs } from './raw-peers.js';
import { beforeWsCloseTimeout, openPeer, peerClosed, serveWs, stoppedWheel } from './ws-fixture.js';

/** The session once it closed. */
function closedSession<P>(session: Session<P>): Promise<Session<P>> {
  const closed = deferred<Session<P>>();
  session.onClosed((s) => closed.resolve(s));
  return closed.promise;
}

/** The code of the 'close' event of the `ws` socket under a server session. */
async function serverSideCloseCode(session: Session<Buffer>): Promise<number> {
  const [code] = (await once((session as unknown as WsSession<Buffer>).ws, 'close')) as [number];
  return code;
}

/** A raw upgraded peer that reads everything and never answers a close frame. */
async function silentPeer(port: number): Promise<{ socket: net.Socket; received: () => Buffer }> {
  const socket = await upgradeWs(await connectTcp(port));
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => void chunks.push(chunk));
  socket.on('error', () => {});
  return { socket, received: () => Buffer.concat(chunks) };
}

describe('WebSocket session close', () => {
  it('closes gracefully with 1000 "bye-bye" and waits for the peer to answer', async (t) => {
    const { server, session } = await serveWs();
    t.after(() => server.close());
    const peer = await openPeer(server.url);
    const s = await session;
    const serverSide = serverSideCloseCode(s);
    const seen = peerClosed(peer);
    s.close();
    assert.deepEqual(await seen, { code: 1000, reason: 'bye-bye' });
    assert.equal(await serverSide, 1000, "the server read the peer's close frame");
    const ws = s as unknown as WsSession<Buffer>;
    assert.equal(ws.peerClosedCleanly, false, 'we closed it, not the peer');
    assert.equal(s.closeReason, undefined);
  });

  it('drops the connection without a close frame when closed with an error', async (t) => {
    const { server, session } = await serveWs();
    t.after(() => server.close());
    const peer = await openPeer(server.url);
    const s = await session;
    const seen = peerClosed(peer);
    s.close(new RpcError(ErrorCode.SERVER_ERROR, 'stop'));
    assert.deepEqual(await seen, { code: 1006, reason: '' });
  });

  for (const [code, expected, title] of [
    [1000, undefined, 'takes a peer close with 1000 as clean'],
    [1001, undefined, 'takes a peer close with 1001 (going away) as clean'],
    [undefined, undefined, 'takes a peer close without a code (1005) as clean'],
    [4000, 'websocket closed with code 4000', 'takes a peer close with 4000 as a NETWORK error'],
  ] as const) {
    it(title, async (t) => {
      const { server, session, errors } = await serveWs();
      t.after(() => server.close());
      const peer = await openPeer(server.url);
      const s = await session;
      const closed = closedSession(s);
      peer.close(code);
      await closed;
      if (expected === undefined) {
        assert.equal(s.closeReason, undefined);
        assert.deepEqual(errors, []);
      } else {
        assert.equal(s.closeReason?.code, ErrorCode.NETWORK);
        assert.equal(s.closeReason?.message, expected);
        assert.deepEqual(errors, [s.closeReason]);
      }
    });
  }

  it('closes with BAD_PACKAGE, the ws error as cause, on a protocol error', async (t) => {
    const { server, session } = await serveWs();
    t.after(() => server.close());
    const raw = await upgradeWs(await connectTcp(server.address.port));
    t.after(() => raw.destroy());
    raw.on('error', () => {});
    raw.resume();
    const s = await session;
    const closed = closedSession(s);
    // A client frame must be masked (RFC 6455 §5.1): this one is not.
    raw.write(Buffer.from([0x82, 0x03, 0x61, 0x62, 0x63]));
    await closed;
    const reason = s.closeReason!;
    assert.equal(reason.code, ErrorCode.BAD_PACKAGE);
    assert.equal(reason.message, 'websocket error: Invalid WebSocket frame: MASK must be set');
    assert.equal((reason.cause as { code?: string }).code, 'WS_ERR_EXPECTED_MASK');
  });

  it('ignores a message that arrives after it closed', async (t) => {
    const got: Buffer[] = [];
    const { server, session } = await serveWs({ listener: { onMessage: (_s, pkg) => void got.push(pkg) } });
    t.after(() => server.close());
    const peer = await openPeer(server.url);
    const s = await session;
    const seen = peerClosed(peer);
    s.close();
    // Sent before the peer read the close frame: it reaches a closed session.
    peer.send(Buffer.alloc(10));
    await seen;
    assert.deepEqual(got, []);
    assert.deepEqual(s.stats, { bytesIn: 0, bytesOut: 0, pkgsIn: 0, pkgsOut: 0 });
  });

  it('reads the close answer of a peer while paused at maxInflight', async (t) => {
    // No linger timer may end the connection here: only the peer's answer can.
    const { server, session } = await serveWs({
      configure: (s) => s.setMaxInflight(1),
      listener: { onMessage: () => new Promise<void>(() => {}) },
      server: { wheel: stoppedWheel() },
    });
    t.after(() => server.close({ lingerMs: 0 }));
    const peer = await openPeer(server.url);
    const s = await session;
    peer.send(Buffer.from('taken'));
    peer.send(Buffer.from('held'));
    await waitFor(() => s.stats.bytesIn === 9, 10_000, 'both messages read');
    assert.equal(s.stats.pkgsIn, 1, 'the second waits: the session is paused');
    const serverSide = serverSideCloseCode(s);
    const seen = peerClosed(peer);
    s.close();
    assert.deepEqual(await beforeWsCloseTimeout(seen, 'the close handshake'), { code: 1000, reason: 'bye-bye' });
    assert.equal(await serverSide, 1000);
  });

  it('drops a peer that never answers the close frame after its linger', async (t) => {
    const { server, session } = await serveWs();
    t.after(() => server.close());
    const peer = await silentPeer(server.address.port);
    t.after(() => peer.socket.destroy());
    const s = await session;
    const gone = once(peer.socket, 'close');
    s.close();
    await beforeWsCloseTimeout(gone, 'the silent peer dropped');
    assert.equal(peer.received()[0], 0x88, 'the peer got a close frame first');
  });

  it('drops a peer that never answers the close frame at once when the server closes with lingerMs 0', async (t) => {
    // The session's own linger would never fire on this wheel: only the server's terminate can end it.
    const { server, session } = await serveWs({ server: { wheel: stoppedWheel() } });
    const peer = await silentPeer(server.address.port);
    t.after(() => peer.socket.destroy());
    await session;
    const gone = once(peer.socket, 'close');
    const closing = server.close({ lingerMs: 0 });
    await beforeWsCloseTimeout(gone, 'the silent peer dropped');
    await closing;
    assert.equal(peer.received()[0], 0x88);
  });

  it('lets the server close with lingerMs 0 while an onClose closes another session with an error', async (t) => {
    const opened: Session<Buffer>[] = [];
    const { server } = await serveWs({
      listener: {
        onOpen: (s) => void opened.push(s),
        onClose: (s) => {
          if (s === opened[0]) opened[1]!.close(new RpcError(ErrorCode.SERVER_ERROR, 'closed along'));
        },
      },
    });
    const first = await openPeer(server.url);
    t.after(() => first.terminate());
    await waitFor(() => opened.length === 1, 10_000, 'first session');
    const second = await openPeer(server.url);
    t.after(() => second.terminate());
    await waitFor(() => opened.length === 2, 10_000, 'second session');
    // The second session was dropped before the server's linger ended it: nothing is left to cancel.
    await server.close({ lingerMs: 0 });
    assert.equal(opened[1]!.closeReason?.message, 'closed along');
  });

  it('survives a refused upgrade whose request came with a bad frame', async (t) => {
    const { server } = await serveWs({
      configure: () => {
        throw new Error('no');
      },
    });
    t.after(() => server.close());
    const raw = await connectTcp(server.address.port);
    t.after(() => raw.destroy());
    raw.on('error', () => {});
    raw.resume();
    const gone = once(raw, 'close');
    // The frame rides in the same packet as the request: ws reads it as the socket closes.
    raw.write(
      Buffer.concat([
        Buffer.from(
          'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
            'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
        ),
        Buffer.from([0x82, 0x03, 0x61, 0x62, 0x63]),
      ]),
    );
    await gone;
    assert.equal(server.stats().refused.newSession, 1);
  });
});
