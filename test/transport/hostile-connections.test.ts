/**
 * Connection floods: past maxConnections a connection is closed at accept
 * and counted as refused, on TCP and on WebSocket servers; the sessions
 * already open keep being served.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type net from 'node:net';
import { describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { createTcpServer } from '../../transport/tcp-server.js';
import { createWsServer } from '../../transport/ws-server.js';
import { codec, rawConnect, waitFor, within } from './helpers.js';

describe('hostile peers: connection floods', () => {
  it('a TCP server refuses connections past maxConnections, counts them, and serves the others', async (t) => {
    const server = createTcpServer<Buffer>({ port: 0, maxConnections: 3 });
    t.after(() => server.close());
    await server.runEventLoop((s) => {
      s.setPkgHandler(codec).setEventListener({ onMessage: (x, pkg) => void x.writePkg(pkg) });
    });
    const peers: net.Socket[] = [];
    for (let i = 0; i < 5; i++) {
      const peer = await rawConnect(server.address.port);
      peer.on('error', () => {});
      t.after(() => peer.destroy());
      peers.push(peer);
    }
    await waitFor(() => peers.filter((p) => p.closed).length === 2, 5000, 'two connections closed');
    assert.equal(server.sessions.length, 3);
    assert.equal(server.stats().refused.maxConnections, 2);
    assert.equal(server.stats().accepted, 3);
    const first = peers[0]!;
    const reply = once(first, 'data');
    first.write(codec.encode(Buffer.from('still served')));
    const [chunk] = (await within(reply, 5000, 'echo')) as [Buffer];
    assert.equal(chunk.subarray(4).toString(), 'still served');
  });

  it('a WebSocket server refuses connections past maxConnections and counts them', async (t) => {
    const server = createWsServer<Buffer>({ port: 0, maxConnections: 2 });
    t.after(() => server.close());
    await server.runEventLoop((s) => void s.setPkgHandler(codec));
    const clients: WebSocket[] = [];
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++) {
      const ws = new WebSocket(server.url);
      t.after(() => ws.terminate());
      ws.on('error', () => {});
      clients.push(ws);
      outcomes.push(
        await new Promise<string>((resolve) => {
          ws.on('open', () => resolve('open'));
          ws.on('close', () => resolve('refused'));
        }),
      );
    }
    assert.deepEqual(outcomes, ['open', 'open', 'refused', 'refused']);
    assert.equal(server.stats().refused.maxConnections, 2);
  });
});
