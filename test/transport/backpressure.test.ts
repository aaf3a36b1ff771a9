/**
 * Bounded memory in both directions: a slow onMessage behind a full task
 * pool pauses reading, and a peer that never reads (TCP or WS) is dropped
 * once the write buffer passes its limit.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError, type RpcError } from '../../common/rpc-error.js';
import type { Session } from '../../transport/session.js';
import { createTaskPool } from '../../transport/task-pool.js';
import { WebSocket } from 'ws';
import { createTcpServer } from '../../transport/tcp-server.js';
import { createWsServer } from '../../transport/ws-server.js';
import { codec, deferred, rawConnect, waitFor, within } from './helpers.js';

describe('backpressure', () => {
  it('pauses reading while a slow onMessage keeps the task pool full, then resumes in order', async () => {
    const pool = createTaskPool({ size: 1, queues: 1, queueLength: 4, ordered: true });
    const gate = deferred();
    const received: number[] = [];
    const opened = deferred<Session<Buffer>>();
    const server = createTcpServer<Buffer>({ port: 0, taskPool: pool });
    await server.runEventLoop((s) => {
      s.setPkgHandler(codec).setMaxMsgLen(128 * 1024);
      s.setEventListener({
        onOpen: (x) => opened.resolve(x),
        onMessage: async (_s, pkg) => {
          received.push(pkg.readUInt32BE(0));
          await gate.promise;
        },
      });
    });
    const client = await rawConnect(server.address.port);
    const session = await opened.promise;
    const frameCount = 512;
    const body = Buffer.alloc(64 * 1024);
    for (let i = 0; i < frameCount; i++) {
      body.writeUInt32BE(i, 0);
      client.write(codec.encode(body));
    }
    // The kernel buffers fill once the server stops reading: the client is left holding bytes.
    await waitFor(() => client.writableLength > 0, 10_000, 'client blocked by the paused server');
    assert.ok(session.stats.pkgsIn <= 5, `at most running + queued packages were taken, got ${session.stats.pkgsIn}`);
    assert.ok(pool.pending <= 5);
    gate.resolve();
    await waitFor(() => received.length === frameCount, 20_000, 'all frames after the gate opened');
    assert.deepEqual(received, Array.from({ length: frameCount }, (_, i) => i));
    client.destroy();
    await server.close();
    await pool.close();
  });

  it('closes a session whose peer never reads once 100 MiB would pass the write-buffer limit; others are unaffected', async () => {
    const errors: RpcError[] = [];
    const limit = 4 * 1024 * 1024;
    const writer = deferred<{ accepted: number; maxBuffered: number }>();
    const server = createTcpServer<Buffer>({ port: 0 });
    let first = true;
    await server.runEventLoop((s) => {
      s.setPkgHandler(codec).setMaxWriteBufferBytes(limit);
      s.setEventListener({
        onMessage: (x, pkg) => void x.writePkg(pkg),
        onError: (_x, err) => void errors.push(err),
        onOpen: (x) => {
          if (first) floodUntilClosed(x, 100 * 1024 * 1024).then(writer.resolve, writer.reject);
          first = false;
        },
      });
    });
    const lazy = await rawConnect(server.address.port);
    lazy.pause();
    const { accepted, maxBuffered } = await within(writer.promise, 30_000, 'flood ended');
    assert.ok(errors.some((e) => isRpcError(e, ErrorCode.WRITE_BUFFER_FULL)), 'closed with WRITE_BUFFER_FULL');
    assert.ok(accepted < 100 * 1024 * 1024, `stopped early, accepted ${accepted}`);
    assert.ok(maxBuffered <= limit, `buffered at most the limit, saw ${maxBuffered}`);
    const other = await rawConnect(server.address.port);
    const echoed = once(other, 'data');
    other.write(codec.encode(Buffer.from('unaffected')));
    const [reply] = (await within(echoed, 5000, 'echo')) as [Buffer];
    assert.equal(reply.subarray(4).toString(), 'unaffected');
    lazy.destroy();
    other.destroy();
    await server.close();
  });

  it('closes a WS session whose peer never reads once the write-buffer limit is passed; others are unaffected', async () => {
    const errors: RpcError[] = [];
    const limit = 4 * 1024 * 1024;
    const writer = deferred<{ accepted: number; maxBuffered: number }>();
    const server = createWsServer<Buffer>({ port: 0 });
    let first = true;
    await server.runEventLoop((s) => {
      s.setPkgHandler(codec).setMaxWriteBufferBytes(limit);
      s.setEventListener({
        onMessage: (x, pkg) => void x.writePkg(pkg),
        onError: (_x, err) => void errors.push(err),
        onOpen: (x) => {
          if (first) floodUntilClosed(x, 100 * 1024 * 1024).then(writer.resolve, writer.reject);
          first = false;
        },
      });
    });
    const lazy = new WebSocket(server.url);
    lazy.on('error', () => {});
    await within(once(lazy, 'open'), 5000, 'lazy peer open');
    lazy.pause();
    const { accepted, maxBuffered } = await within(writer.promise, 30_000, 'flood ended');
    assert.ok(errors.some((e) => isRpcError(e, ErrorCode.WRITE_BUFFER_FULL)), `closed with WRITE_BUFFER_FULL, got ${errors.map(String).join(', ')}`);
    assert.ok(accepted < 100 * 1024 * 1024, `stopped early, accepted ${accepted}`);
    assert.ok(maxBuffered <= limit, `buffered at most the limit, saw ${maxBuffered}`);
    const other = new WebSocket(server.url);
    await within(once(other, 'open'), 5000, 'second peer open');
    const echoed = once(other, 'message');
    other.send(codec.encode(Buffer.from('unaffected')));
    const [reply] = (await within(echoed, 5000, 'echo')) as [Buffer];
    assert.equal(reply.subarray(4).toString(), 'unaffected');
    lazy.terminate();
    other.terminate();
    await server.close();
  });
});

/** Writes 64 KiB packages, a few per turn, until the session closes or `total` is written. */
async function floodUntilClosed(session: Session<Buffer>, total: number): Promise<{ accepted: number; maxBuffered: number }> {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let accepted = 0;
  let maxBuffered = 0;
  while (accepted < total && !session.closed) {
    for (let i = 0; i < 16 && !session.closed; i++) {
      try {
        session.writePkg(chunk);
        accepted += chunk.length + 4;
      } catch (err) {
        if (!isRpcError(err)) throw err;
      }
      maxBuffered = Math.max(maxBuffered, session.closed ? 0 : session.bufferedBytes);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { accepted, maxBuffered };
}
