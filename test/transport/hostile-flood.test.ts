/**
 * A peer that pipelines far more requests than the server handles: with
 * setMaxInflight the session stops reading at the cap (TCP backpressure) and
 * resumes as calls settle; with a task pool, a flooding session gets its
 * turn like any other and cannot starve them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Session } from '../../transport/session.js';
import { createTaskPool } from '../../transport/task-pool.js';
import { createTcpServer } from '../../transport/tcp-server.js';
import { codec, deferred, rawConnect, waitFor, within } from './helpers.js';

/** `count` 4-byte frames in one buffer. */
function manyFrames(count: number): Buffer {
  const wire = Buffer.alloc(count * 8);
  for (let i = 0; i < count; i++) {
    wire.writeUInt32BE(4, i * 8);
    wire.writeUInt32BE(i, i * 8 + 4);
  }
  return wire;
}

/** Resolves after `ms` of event-loop turns: long enough for a paused session to show it reads nothing more. */
const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('hostile peers: request floods', () => {
  it('stops reading at maxInflight unsettled calls and resumes as they settle', async (t) => {
    const gate = deferred();
    const opened = deferred<Session<Buffer>>();
    let handled = 0;
    const server = createTcpServer<Buffer>({ port: 0 });
    t.after(() => server.close());
    await server.runEventLoop((s) => {
      s.setPkgHandler(codec).setMaxInflight(100);
      s.setEventListener({
        onOpen: (x) => opened.resolve(x),
        onMessage: async () => {
          await gate.promise;
          handled++;
        },
      });
    });
    const flood = await rawConnect(server.address.port);
    t.after(() => flood.destroy());
    const session = await opened.promise;
    const total = 50_000;
    flood.write(manyFrames(total));
    await waitFor(() => session.stats.pkgsIn === 100, 5000, '100 packages taken');
    await settle(200);
    assert.equal(session.stats.pkgsIn, 100, 'nothing more is read while 100 calls are unsettled');
    assert.equal(session.inflight, 100);
    gate.resolve();
    await waitFor(() => handled === total, 20_000, 'every frame handled once the calls settle');
    assert.equal(session.inflight, 0);
    assert.equal(session.closed, false);
  });

  it('a task pool serves a second session within 2 s while one session floods it with slow calls', async (t) => {
    const pool = createTaskPool({ size: 4, queues: 10, queueLength: 128 });
    const server = createTcpServer<Buffer>({ port: 0, taskPool: pool });
    t.after(async () => {
      await server.close();
      await pool.close();
    });
    await server.runEventLoop((s) => {
      s.setPkgHandler(codec);
      s.setEventListener({
        onMessage: async (x, pkg) => {
          if (pkg.length === 4) await settle(10); // the flood: 10 ms each
          if (!x.closed) x.writePkg(pkg);
        },
      });
    });
    const flood = await rawConnect(server.address.port);
    t.after(() => flood.destroy());
    flood.on('data', () => {});
    flood.write(manyFrames(20_000));
    await waitFor(() => pool.pending >= 100, 5000, 'the pool filled by the flood');
    const good = await rawConnect(server.address.port);
    t.after(() => good.destroy());
    const answered = deferred();
    good.on('data', () => answered.resolve());
    const started = Date.now();
    good.write(codec.encode(Buffer.from('good peer')));
    await within(answered.promise, 10_000, 'good peer answered');
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 2000, `good peer answered in ${elapsed} ms`);
  });
});
