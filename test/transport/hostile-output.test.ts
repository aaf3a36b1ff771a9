/**
 * Peers that send requests and never read the replies: the output all
 * sessions of a server hold together is bounded (maxServerWriteBufferBytes);
 * a session over its share is dropped with WRITE_BUFFER_FULL and counted,
 * and a peer that reads is still served.
 */
import assert from 'node:assert/strict';
import type net from 'node:net';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../common/rpc-error.js';
import type { Session } from '../../transport/session.js';
import { createTcpServer } from '../../transport/tcp-server.js';
import { codec, deferred, rawConnect, waitFor, within } from './helpers.js';

const MiB = 1024 * 1024;
const REPLY = Buffer.alloc(64 * 1024, 7);

describe('hostile peers: replies never read', () => {
  it('drops sessions over their share of maxServerWriteBufferBytes, counts them, and serves a reading peer', async (t) => {
    const closed: Session<Buffer>[] = [];
    const server = createTcpServer<Buffer>({ port: 0, maxServerWriteBufferBytes: 8 * MiB });
    t.after(() => server.close());
    await server.runEventLoop((s) => {
      s.setPkgHandler(codec); // per-session limit: the 64 MiB default, never reached here
      s.setEventListener({
        onMessage: (x, pkg) => {
          if (!x.closed) x.writePkg(pkg.length === 1 ? REPLY : pkg);
        },
        onClose: (x) => void closed.push(x),
      });
    });
    const lazy: net.Socket[] = [];
    const request = codec.encode(Buffer.from([1]));
    for (let i = 0; i < 4; i++) {
      const peer = await rawConnect(server.address.port);
      peer.pause(); // never reads: its 64 KiB replies pile up in the server
      peer.on('error', () => {});
      lazy.push(peer);
      t.after(() => peer.destroy());
      // 400 requests ask for 25 MiB of replies each, 100 MiB in all; the server may hold 8.
      peer.write(Buffer.concat(Array.from({ length: 400 }, () => request)));
    }
    await waitFor(() => closed.length >= 3, 20_000, 'lazy sessions dropped');
    assert.ok(server.stats().bufferedBytes <= 8 * MiB + 2 * REPLY.length, `held ${server.stats().bufferedBytes} bytes`);
    for (const s of closed) {
      assert.equal(s.closeReason?.code, ErrorCode.WRITE_BUFFER_FULL);
      assert.match(s.closeReason!.message, /maxServerWriteBufferBytes/);
    }
    assert.equal(server.stats().dropped.WRITE_BUFFER_FULL, closed.length);
    const good = await rawConnect(server.address.port);
    t.after(() => good.destroy());
    const answered = deferred<Buffer>();
    good.on('data', (chunk: Buffer) => answered.resolve(chunk));
    const started = Date.now();
    good.write(codec.encode(Buffer.from('good peer')));
    const reply = await within(answered.promise, 5000, 'good peer answered');
    assert.ok(Date.now() - started < 2000);
    assert.equal(reply.subarray(4).toString(), 'good peer');
  });

  it('past the bound, drops the session holding the most even when the growing ones are within their share', async (t) => {
    const closed: Session<Buffer>[] = [];
    const server = createTcpServer<Buffer>({ port: 0, maxServerWriteBufferBytes: 64 * MiB });
    t.after(() => server.close());
    const chunk = Buffer.alloc(MiB, 3); // the same buffer queued again and again: little real memory
    await server.runEventLoop((s) => {
      s.setPkgHandler(codec);
      s.setEventListener({
        onMessage: (x, pkg) => {
          const mib = pkg.readUInt8(0);
          for (let i = 0; i < mib && !x.closed; i++) x.writeBytes(chunk);
        },
        onClose: (x) => void closed.push(x),
      });
    });
    const ask = async (mib: number) => {
      const peer = await rawConnect(server.address.port);
      peer.pause();
      peer.on('error', () => {});
      t.after(() => peer.destroy());
      peer.write(codec.encode(Buffer.from([mib])));
      return peer;
    };
    const hog = await ask(60); // under the bound alone, then it stops growing
    await waitFor(() => server.stats().bufferedBytes > 50 * MiB, 10_000, 'the hog holds its replies');
    const others = [];
    // 7 MiB each: under their share of 64/9 MiB (the kernel takes a few MiB of each besides).
    for (let i = 0; i < 8; i++) others.push(await ask(7));
    await waitFor(() => closed.length > 0, 10_000, 'a session dropped');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(closed.length, 1, 'only the hog was dropped');
    assert.equal(closed[0]!.closeReason?.code, ErrorCode.WRITE_BUFFER_FULL);
    assert.equal(closed[0]!.remoteAddress, `${hog.localAddress}:${hog.localPort}`);
    assert.equal(server.sessions.length, others.length);
  });
});
