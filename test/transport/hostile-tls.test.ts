/**
 * TLS peers that never finish their handshake: stalled or half-sent
 * ClientHellos (some closed with FIN) hold no descriptor past
 * handshakeTimeoutMs, are counted as refused, and close() does not wait for
 * them.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import net from 'node:net';
import { describe, it } from 'node:test';
import tls from 'node:tls';
import { createTcpServer, type TcpServer } from '../../transport/tcp-server.js';
import { codec, waitFor, within } from './helpers.js';
import { testCert } from './tls-fixture.js';

/** A TLS record header announcing a 255-byte handshake message, and its first bytes: a ClientHello that never ends. */
const PARTIAL_HELLO = Buffer.from('1603010100010000fc0303', 'hex');

const openFds = () => readdirSync('/proc/self/fd').length;

async function tlsEchoServer(handshakeTimeoutMs: number): Promise<TcpServer<Buffer>> {
  const { key, cert } = await testCert();
  const server = createTcpServer<Buffer>({ port: 0, tls: { key, cert }, handshakeTimeoutMs });
  await server.runEventLoop((s) => {
    s.setPkgHandler(codec).setEventListener({ onMessage: (x, pkg) => void x.writePkg(pkg) });
  });
  return server;
}

async function connectRaw(port: number): Promise<net.Socket> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  await once(socket, 'connect');
  return socket;
}

describe('hostile peers: TLS handshakes', () => {
  it('600 stalled or half-closed ClientHellos release their descriptors after handshakeTimeoutMs', async (t) => {
    const server = await tlsEchoServer(500);
    t.after(() => server.close());
    const fdsBefore = openFds();
    const peers: net.Socket[] = [];
    for (let i = 0; i < 600; i++) {
      const peer = await connectRaw(server.address.port);
      t.after(() => peer.destroy());
      peer.write(PARTIAL_HELLO);
      if (i % 2 === 0) peer.end(); // half: FIN after a partial hello
      peers.push(peer);
    }
    const started = Date.now();
    await waitFor(() => peers.every((p) => p.closed), 10_000, 'every stalled peer closed by the server');
    assert.ok(Date.now() - started < 5000, 'within the timeout plus slack');
    await waitFor(() => server.pendingHandshakes === 0, 5000, 'no handshake pending');
    const { refused } = server.stats();
    assert.equal(refused.handshake, 600, "each stalled peer counted once");
    assert.ok(openFds() <= fdsBefore + 5, `fds ${fdsBefore} -> ${openFds()}`);
    // The server still serves a real client.
    const { cert } = await testCert();
    const good = tls.connect({ host: '127.0.0.1', port: server.address.port, ca: cert, servername: 'localhost' });
    t.after(() => good.destroy());
    await once(good, 'secureConnect');
    const reply = once(good, 'data');
    good.write(codec.encode(Buffer.from('good')));
    const [chunk] = (await within(reply, 5000, 'echo')) as [Buffer];
    assert.equal(chunk.subarray(4).toString(), 'good');
  });

  it('close() finishes at once while a peer stalls in its handshake', async (t) => {
    const server = await tlsEchoServer(60_000);
    const peer = await connectRaw(server.address.port);
    t.after(() => peer.destroy());
    peer.write(PARTIAL_HELLO);
    await waitFor(() => server.pendingHandshakes === 1, 5000, 'handshake pending');
    const started = Date.now();
    await within(server.close(), 5000, 'close');
    assert.ok(Date.now() - started < 1000, `close took ${Date.now() - started} ms`);
    await waitFor(() => peer.closed, 5000, 'the stalled peer dropped');
  });
});
