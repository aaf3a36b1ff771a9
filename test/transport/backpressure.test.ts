/**
 * Bounded memory in both directions: a slow onMessage behind a full task
 * pool pauses reading, and a peer that never reads (TCP or WS) is dropped
 * once the write buffer passes its limit.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError, type RpcError } from '../../common/rpc-error.js';
import type { Session } from '../../transport/session-contract.js';
import { createTaskPool } from '../../transport/task-pool.js';
import { WebSocket } from 'ws';
import { createTcpServer, type TcpServer } from '../../transport/tcp-server.js';
import { createWsServer, type WsServer } from '../../transport/ws-server.js';
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
    const server = createTcpServer<Buffer>({ port: 0 });
    const flood = await floodFirstSession(server);
    const lazy = await rawConnect(server.address.port);
    lazy.pause();
    await assertDroppedAtLimit(flood);
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
    const server = createWsServer<Buffer>({ port: 0 });
    const flood = await floodFirstSession(server);
    const lazy = new WebSocket(server.url);
    lazy.on('error', () => {});
    await within(once(lazy, 'open'), 5000, 'lazy peer open');
    lazy.pause();
    await assertDroppedAtLimit(flood);
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

const FLOOD_LIMIT_BYTES = 4 * 1024 * 1024;
const FLOOD_TOTAL_BYTES = 100 * 1024 * 1024;

interface Flood {
  errors: RpcError[];
  done: Promise<{ accepted: number; maxBuffered: number }>;
}

/** Starts an echo server whose first session is flooded with FLOOD_TOTAL_BYTES under a FLOOD_LIMIT_BYTES write buffer. */
async function floodFirstSession(server: TcpServer<Buffer> | WsServer<Buffer>): Promise<Flood> {
  const errors: RpcError[] = [];
  const writer = deferred<{ accepted: number; maxBuffered: number }>();
  let first = true;
  await server.runEventLoop((s) => {
    s.setPkgHandler(codec).setMaxWriteBufferBytes(FLOOD_LIMIT_BYTES);
    s.setEventListener({
      onMessage: (x, pkg) => void x.writePkg(pkg),
      onError: (_x, err) => void errors.push(err),
      onOpen: (x) => {
        if (first) floodUntilClosed(x, FLOOD_TOTAL_BYTES).then(writer.resolve, writer.reject);
        first = false;
      },
    });
  });
  return { errors, done: writer.promise };
}

async function assertDroppedAtLimit(flood: Flood): Promise<void> {
  const { accepted, maxBuffered } = await within(flood.done, 30_000, 'flood ended');
  const codes = flood.errors.map(String).join(', ');
  assert.ok(flood.errors.some((e) => isRpcError(e, ErrorCode.WRITE_BUFFER_FULL)), `closed with WRITE_BUFFER_FULL, got ${codes}`);
  assert.ok(accepted < FLOOD_TOTAL_BYTES, `stopped early, accepted ${accepted}`);
  assert.ok(maxBuffered <= FLOOD_LIMIT_BYTES, `buffered at most the limit, saw ${maxBuffered}`);
}

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
