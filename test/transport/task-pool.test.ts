import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../common/rpc-error.js';
import { createSimpleTaskPool, createTaskPool } from '../../transport/task-pool.js';
import { deferred, within } from './helpers.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('TaskPool', () => {
  it('runs at most `size` tasks at once and bounds each queue', async () => {
    const pool = createTaskPool({ size: 2, queues: 1, queueLength: 3 });
    const gate = deferred();
    let running = 0;
    let peak = 0;
    const task = async () => {
      running++;
      peak = Math.max(peak, running);
      await gate.promise;
      running--;
    };
    let added = 0;
    while (pool.hasRoom(0)) {
      pool.add(0, task, null, null);
      added++;
    }
    assert.equal(added, 5, '2 running + 3 queued');
    assert.throws(() => pool.add(0, task, null, null), (err) => isRpcError(err, ErrorCode.LIMIT_EXCEEDED));
    const room = deferred();
    pool.waitForRoom(0, () => room.resolve());
    gate.resolve();
    await within(room.promise, 5000, 'room');
    await within(pool.close(), 5000, 'close waits for running tasks');
    assert.equal(peak, 2);
    assert.equal(pool.pending, 0);
  });

  it('keeps one key in order in ordered mode even when tasks take different times', async () => {
    const pool = createTaskPool({ size: 4, queues: 4, queueLength: 100, ordered: true });
    const seen = new Map<number, number[]>();
    const all = deferred();
    let finished = 0;
    const task = async (key: number, n: number) => {
      for (let i = 0; i < (n * 7) % 3; i++) await tick();
      const list = seen.get(key) ?? [];
      list.push(n);
      seen.set(key, list);
      if (++finished === 150) all.resolve();
    };
    for (let n = 0; n < 50; n++) for (const key of [1, 2, 3]) pool.add(key, task, key, n);
    await within(all.promise, 5000, 'all tasks');
    await pool.close();
    for (const key of [1, 2, 3]) assert.deepEqual(seen.get(key), Array.from({ length: 50 }, (_, i) => i));
  });

  it('serves keys round-robin: a key that queued many tasks does not run them all before another key', async () => {
    const pool = createTaskPool({ size: 1, queues: 4, queueLength: 16 });
    const gate = deferred();
    const order: string[] = [];
    const done = deferred();
    const task = async (key: string, n: number) => {
      if (n === -1) await gate.promise;
      order.push(`${key}${n}`);
      if (order.length === 8) done.resolve();
    };
    pool.add(1, task, 'a', -1); // holds the only slot
    for (let n = 0; n < 5; n++) pool.add(1, task, 'a', n);
    pool.add(2, task, 'b', 0);
    pool.add(3, task, 'c', 0);
    gate.resolve();
    await within(done.promise, 5000, 'all tasks');
    await pool.close();
    // The key that just ran goes to the back: b and c run before a's second task.
    assert.deepEqual(order, ['a-1', 'b0', 'c0', 'a0', 'a1', 'a2', 'a3', 'a4']);
  });

  it('bounds each key by queueLength and the pool by queues × queueLength', () => {
    const pool = createTaskPool({ size: 2, queues: 2, queueLength: 3 });
    const never = () => new Promise<void>(() => {});
    for (let i = 0; i < 5; i++) pool.add(1, never, null, null); // 2 running, 3 waiting
    assert.equal(pool.hasRoom(1), false, 'key 1 has 3 waiting');
    assert.equal(pool.hasRoom(2), true);
    for (let i = 0; i < 3; i++) pool.add(2, never, null, null);
    assert.equal(pool.hasRoom(3), false, '6 waiting fill the pool');
    assert.throws(() => pool.add(3, never, null, null), (err) => isRpcError(err, ErrorCode.LIMIT_EXCEEDED));
    void pool.close();
  });

  it('reports task errors and keeps running', async () => {
    const errors: unknown[] = [];
    const pool = createTaskPool({ size: 1, onTaskError: (err) => errors.push(err) });
    const done = deferred();
    pool.add(0, () => {
      throw new Error('sync');
    }, null, null);
    pool.add(0, () => Promise.reject(new Error('async')), null, null);
    pool.add(0, () => done.resolve(), null, null);
    await within(done.promise, 5000, 'third task');
    await pool.close();
    assert.equal(errors.length, 2);
  });

  it('drops queued tasks on close, rejects new ones, and closes twice harmlessly', async () => {
    const pool = createTaskPool({ size: 1, queues: 1, queueLength: 10 });
    const gate = deferred();
    let ran = 0;
    pool.add(0, () => gate.promise.then(() => void ran++), null, null);
    for (let i = 0; i < 5; i++) pool.add(0, () => void ran++, null, null);
    const closing = pool.close();
    assert.throws(() => pool.add(0, () => {}, null, null), (err) => isRpcError(err, ErrorCode.TASK_POOL_CLOSED));
    gate.resolve();
    await within(closing, 5000, 'close');
    await pool.close();
    assert.equal(ran, 1, 'only the running task finished');
  });

  it('simple pool: one bounded queue', () => {
    const pool = createSimpleTaskPool({ size: 1, queueLength: 2 });
    const never = new Promise<void>(() => {});
    pool.add(0, () => never, null, null);
    pool.add(0, () => {}, null, null);
    pool.add(0, () => {}, null, null);
    assert.equal(pool.hasRoom(0), false);
    void pool.close();
  });

  it('validates its options with INVALID_ARGUMENT', () => {
    const invalid = (err: unknown) => isRpcError(err, ErrorCode.INVALID_ARGUMENT);
    assert.throws(() => createTaskPool({ size: 0 }), invalid);
    assert.throws(() => createTaskPool({ size: 2, queueLength: 0 }), invalid);
    assert.throws(() => createSimpleTaskPool({ size: -1 }), invalid);
  });
});
