import assert from 'node:assert/strict';
import type net from 'node:net';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../common/rpc-error.js';
import { DEFAULT_FLUSH_THRESHOLD_BYTES } from '../../transport/base-session.js';
import type { Session } from '../../transport/session-contract.js';
import { createTcpServer } from '../../transport/tcp-server.js';
import { codec, deferred, rawConnect, within } from './helpers.js';

const FRAMES = 400;
const BODY_BYTES = 100;

/** What the server's socket saw while it echoed one long batch. */
interface BatchTrace {
  /** Socket writes made while later packages of the same read were still to be handled. */
  midBatchWrites: number;
  writes: number;
  /** Event-loop turns that handled packages. */
  turns: number;
  echoed: number;
}

/**
 * Sends FRAMES frames in one write to an echo server with the given flush
 * threshold and traces its socket writes. A "turn" ends on the nextTick
 * after the first package of a read, so a write followed by a package of the
 * same turn happened in the middle of a batch.
 */
async function echoOneBatch(flushThresholdBytes: number): Promise<BatchTrace> {
  const trace: BatchTrace = { midBatchWrites: 0, writes: 0, turns: 0, echoed: 0 };
  let turn = 0;
  let turnMarked = false;
  let lastWriteTurn = -1;
  const server = createTcpServer<Buffer>({ port: 0 });
  await server.runEventLoop((s) => {
    s.setPkgHandler(codec).setFlushThresholdBytes(flushThresholdBytes);
    s.setEventListener({
      onOpen: (x) => traceWrites(x, () => {
        trace.writes++;
        lastWriteTurn = turn;
      }),
      onMessage: (x, pkg) => {
        if (!turnMarked) {
          turnMarked = true;
          trace.turns++;
          process.nextTick(() => {
            turn++;
            turnMarked = false;
          });
        }
        if (lastWriteTurn === turn) trace.midBatchWrites++;
        x.writePkg(pkg);
      },
    });
  });
  const socket = await rawConnect(server.address.port);
  const wire = Buffer.concat(Array.from({ length: FRAMES }, () => codec.encode(Buffer.alloc(BODY_BYTES, 7))));
  const done = deferred();
  let received = 0;
  socket.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received >= wire.length) done.resolve();
  });
  socket.write(wire);
  await within(done.promise, 5000, 'all frames echoed');
  trace.echoed = received;
  socket.destroy();
  await server.close();
  return trace;
}

function traceWrites(session: Session<Buffer>, onWrite: () => void): void {
  const socket = (session as unknown as { socket: net.Socket }).socket;
  const original = socket.write.bind(socket);
  socket.write = ((...args: Parameters<net.Socket['write']>) => {
    onWrite();
    return original(...args);
  }) as net.Socket['write'];
}

describe('TcpSession flush threshold', () => {
  it('writes replies in the middle of a long batch once the threshold is passed', async () => {
    const trace = await echoOneBatch(1024);
    assert.equal(trace.echoed, FRAMES * (4 + BODY_BYTES));
    assert.ok(trace.midBatchWrites > 0, `no write before the batch ended (${trace.writes} writes)`);
  });

  it('doubles the early-write limit within a turn, so a long batch leaves in a few writes', async () => {
    const trace = await echoOneBatch(1024);
    // 400 × 104 B ≈ 41 KiB per batch: one write per KiB would be ~40; doubling from 1 KiB needs ~6 per turn.
    const perTurn = Math.ceil(Math.log2((FRAMES * (4 + BODY_BYTES)) / 1024)) + 2;
    assert.ok(trace.writes <= trace.turns * perTurn, `${trace.writes} writes over ${trace.turns} turn(s)`);
  });

  it('with threshold 0 writes only at the end of each turn', async () => {
    const trace = await echoOneBatch(0);
    assert.equal(trace.echoed, FRAMES * (4 + BODY_BYTES));
    assert.equal(trace.midBatchWrites, 0);
  });

  it('defaults to 4 KiB and validates the setting with INVALID_ARGUMENT', async () => {
    assert.equal(DEFAULT_FLUSH_THRESHOLD_BYTES, 4 * 1024);
    const opened = deferred<Session<Buffer>>();
    const server = createTcpServer<Buffer>({ port: 0 });
    await server.runEventLoop((s) => void s.setPkgHandler(codec).setEventListener({ onOpen: (x) => opened.resolve(x) }));
    const socket = await rawConnect(server.address.port);
    const session = await within(opened.promise, 5000, 'open');
    assert.throws(() => session.setFlushThresholdBytes(-1), (err) => isRpcError(err, ErrorCode.INVALID_ARGUMENT));
    assert.throws(() => session.setFlushThresholdBytes(Number.NaN), (err) => isRpcError(err, ErrorCode.INVALID_ARGUMENT));
    socket.destroy();
    await server.close();
  });
});
