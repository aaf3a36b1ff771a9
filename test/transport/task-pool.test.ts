import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../common/rpc-error.js';
import { createSimpleTaskPool, createTaskPool } from '../../transport/task-pool.js';
import { type Deferred, deferred, waitFor, within } from './helpers.js';

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

/** An error predicate: the code and a message matching `message`. */
const rpcError = (code: ErrorCode, message: RegExp) => (err: unknown) => isRpcError(err, code) && message.test(err.message);

/** A task that runs until its gate is opened; `started` counts the tasks that began. */
function gatedTasks() {
  const gates: Deferred<void>[] = [];
  const started: number[] = [];
  const task = (n: number) => {
    started.push(n);
    gates[n] ??= deferred();
    return gates[n]!.promise;
  };
  const open = (n: number) => {
    gates[n] ??= deferred();
    gates[n]!.resolve();
  };
  return { task, started, open };
}

describe('TaskPool limits and backpressure', () => {
  it('accepts exactly queueLength waiting tasks of a key and refuses the next with LIMIT_EXCEEDED', () => {
    const pool = createTaskPool({ size: 2, queues: 2, queueLength: 3 });
    const never = () => new Promise<void>(() => {});
    for (let i = 0; i < 2 + 3; i++) pool.add(1, never, null, null); // 2 running, 3 waiting
    assert.equal(pool.pending, 5);
    assert.equal(pool.hasRoom(2), true, 'the pool holds 6');
    assert.throws(() => pool.add(1, never, null, null), rpcError(ErrorCode.LIMIT_EXCEEDED, /^task queue is full; check hasRoom\(\) first$/));
    assert.equal(pool.pending, 5, 'the refused task is not counted');
    void pool.close();
  });

  it('bounds the waiting tasks of the whole pool by queues × queueLength, with queues capped at size', () => {
    const never = () => new Promise<void>(() => {});
    const pool = createTaskPool({ size: 2, queues: 2, queueLength: 3 });
    pool.add(9, never, null, null);
    pool.add(9, never, null, null);
    for (let key = 1; key <= 5; key++) pool.add(key, never, null, null);
    assert.equal(pool.hasRoom(6), true, '5 of 6 waiting');
    pool.add(6, never, null, null);
    assert.equal(pool.hasRoom(7), false, '6 of 6 waiting');
    assert.throws(() => pool.add(7, never, null, null), rpcError(ErrorCode.LIMIT_EXCEEDED, /task queue is full/));
    void pool.close();

    // 4 queues asked for, but only size (1) of them: 1 × 2 tasks may wait.
    const capped = createTaskPool({ size: 1, queues: 4, queueLength: 2 });
    capped.add(1, never, null, null);
    capped.add(2, never, null, null);
    capped.add(3, never, null, null);
    assert.equal(capped.hasRoom(4), false);
    assert.throws(() => capped.add(4, never, null, null), rpcError(ErrorCode.LIMIT_EXCEEDED, /task queue is full/));
    void capped.close();
  });

  it('has room again after its queues drain, as often as they fill', async () => {
    const pool = createTaskPool({ size: 1, queues: 1, queueLength: 2 });
    for (let round = 0; round < 3; round++) {
      const { task, open } = gatedTasks();
      pool.add(0, task, 0, null);
      pool.add(0, task, 1, null);
      pool.add(0, task, 2, null);
      assert.equal(pool.hasRoom(0), false, `round ${round}: full`);
      for (const n of [0, 1, 2]) open(n);
      await waitFor(() => pool.pending === 0, 5000, 'drain');
      assert.equal(pool.hasRoom(0), true, `round ${round}: drained`);
      assert.equal(pool.hasRoom(1), true);
    }
    await pool.close();
  });

  it('a finished task frees exactly one slot', async () => {
    const pool = createTaskPool({ size: 2, queues: 1, queueLength: 10 });
    const { task, started, open } = gatedTasks();
    for (let n = 0; n < 5; n++) pool.add(0, task, n, null);
    assert.deepEqual(started, [0, 1]);
    open(0);
    await waitFor(() => started.length >= 3, 5000, 'third task');
    await tick();
    assert.deepEqual(started, [0, 1, 2]);
    for (let n = 1; n < 5; n++) open(n);
    await waitFor(() => pool.pending === 0, 5000, 'drain');
    assert.deepEqual(started, [0, 1, 2, 3, 4]);
  });

  it('calls a waitForRoom callback at once when there is room or the pool is closed', async () => {
    const pool = createTaskPool({ size: 1, queues: 1, queueLength: 1 });
    let calls = 0;
    pool.waitForRoom(0, () => calls++);
    assert.equal(calls, 1, 'room: called synchronously');
    pool.add(0, () => new Promise<void>(() => {}), null, null);
    pool.add(0, () => {}, null, null);
    assert.equal(pool.hasRoom(0), false);
    void pool.close();
    assert.equal(pool.closed, true);
    pool.waitForRoom(0, () => calls++);
    assert.equal(calls, 2, 'closed: called synchronously');
  });

  it('wakes the waiters of a full queue when it has room, not before and not for other keys', async () => {
    const pool = createTaskPool({ size: 2, queues: 2, queueLength: 2 });
    const { task, started, open } = gatedTasks();
    pool.add(1, task, 0, null);
    pool.add(2, task, 1, null);
    pool.add(2, task, 4, null);
    pool.add(1, task, 2, null);
    pool.add(1, task, 3, null); // key 1: 2 waiting, full; the pool (of 4) is not
    assert.equal(pool.hasRoom(1), false);
    let woken = 0;
    pool.waitForRoom(1, () => woken++);
    open(1); // key 2's running task ends: key 2's waiting task starts, key 1 is still full
    await waitFor(() => started.includes(4), 5000, 'key 2 task');
    await tick();
    assert.equal(woken, 0, 'key 1 is still full');
    open(0); // key 1's running task ends: its first waiting task starts
    await waitFor(() => started.includes(2), 5000, 'key 1 task');
    assert.equal(woken, 1, 'woken as soon as key 1 has room');
    assert.equal(pool.hasRoom(1), true);
    for (const n of [2, 3, 4]) open(n);
    await waitFor(() => pool.pending === 0, 5000, 'drain');
    await pool.close();
    assert.equal(woken, 1, 'woken once');
  });

  it('starts the task that made room before any task a woken waiter adds, and never more than size', async () => {
    for (const ordered of [true, false]) {
      const pool = createTaskPool({ size: 1, queues: 1, queueLength: 1, ordered });
      const { task, started, open } = gatedTasks();
      let running = 0;
      let mostRunning = 0;
      const counted = (n: number) => {
        running++;
        mostRunning = Math.max(mostRunning, running);
        return task(n).finally(() => running--);
      };
      pool.add(1, counted, 0, null);
      pool.add(1, counted, 1, null); // key 1 full
      pool.waitForRoom(1, () => pool.add(1, counted, 2, null));
      open(0);
      await waitFor(() => started.length === 2, 5000, 'task 1 started');
      assert.deepEqual(started, [0, 1], `ordered ${ordered}: the queued task starts first`);
      open(1);
      open(2);
      await waitFor(() => pool.pending === 0, 5000, 'drain');
      assert.deepEqual(started, [0, 1, 2]);
      assert.equal(mostRunning, 1, `ordered ${ordered}: one slot, one task at a time`);
      await pool.close();
    }
  });

  it('wakes the waiters of a full pool when a waiting task starts, for a known or a new key', async () => {
    const pool = createTaskPool({ size: 1, queues: 1, queueLength: 3 });
    const { task, started, open } = gatedTasks();
    pool.add(1, task, 0, null);
    pool.add(1, task, 1, null);
    pool.add(2, task, 2, null);
    pool.add(3, task, 3, null); // 3 waiting: the pool is full, key 2's queue is not
    let wokenKnown = 0;
    let wokenNew = 0;
    pool.waitForRoom(2, () => wokenKnown++);
    pool.waitForRoom(7, () => wokenNew++);
    await tick();
    assert.deepEqual([wokenKnown, wokenNew], [0, 0]);
    open(0);
    await waitFor(() => started.length === 2, 5000, 'second task');
    assert.deepEqual([wokenKnown, wokenNew], [1, 1]);
    for (const n of [1, 2, 3]) open(n);
    await waitFor(() => pool.pending === 0, 5000, 'drain');
    await pool.close();
  });

  it('starts the next task of a key on a second free slot without waiting for its running ones', async () => {
    const errors: unknown[] = [];
    const pool = createTaskPool({ size: 3, queues: 3, queueLength: 4, onTaskError: (err) => errors.push(err) });
    const { task, started, open } = gatedTasks();
    pool.add(1, task, 0, null);
    pool.add(2, task, 1, null);
    pool.add(3, task, 2, null);
    pool.add(1, task, 3, null);
    pool.add(1, task, 4, null);
    open(1);
    await waitFor(() => started.includes(3), 5000, 'key 1 second task');
    open(2); // tasks 0 and 3 of key 1 still run: the third one takes this slot
    await waitFor(() => started.includes(4), 5000, 'key 1 third task');
    for (const n of [0, 3, 4]) open(n);
    await waitFor(() => pool.pending === 0, 5000, 'drain');
    await pool.close();
    assert.deepEqual(errors, []);
    assert.equal(pool.pending, 0);
  });

  it('keeps a key queued once: more tasks of a waiting key do not make it run twice or run nothing', async () => {
    const errors: unknown[] = [];
    const pool = createTaskPool({ size: 2, queues: 4, queueLength: 8, onTaskError: (err) => errors.push(err) });
    const { task, started, open } = gatedTasks();
    pool.add(9, task, 0, null);
    pool.add(9, task, 1, null);
    for (let n = 2; n < 6; n++) pool.add(1, task, n, null);
    pool.add(2, task, 6, null);
    for (let n = 0; n < 7; n++) open(n);
    await waitFor(() => pool.pending === 0, 5000, 'drain');
    assert.deepEqual(errors, []);
    assert.deepEqual(started, [0, 1, 2, 6, 3, 4, 5]);
  });

  it('in ordered mode a key never runs two tasks at once, even after other keys were used', async () => {
    const pool = createTaskPool({ size: 2, queues: 2, queueLength: 4, ordered: true });
    const { task, started, open } = gatedTasks();
    pool.add(1, task, 0, null);
    pool.add(2, task, 1, null);
    open(1);
    await waitFor(() => pool.pending === 1, 5000, 'key 2 done');
    pool.add(3, () => {}, null, null);
    pool.add(1, task, 2, null);
    await tick();
    assert.deepEqual(started, [0, 1], 'key 1 waits for its running task');
    open(0);
    await waitFor(() => started.includes(2), 5000, 'key 1 second task');
    open(2);
    await waitFor(() => pool.pending === 0, 5000, 'drain');
    await pool.close();
  });

  it('wakes the waiter of the key used last once its queue drains', async () => {
    const pool = createTaskPool({ size: 2, queues: 2, queueLength: 2 });
    const { task, started, open } = gatedTasks();
    pool.add(1, () => {}, null, null); // runs and ends at once: key 1 is idle
    for (let n = 0; n < 4; n++) pool.add(1, task, n, null); // 2 running, 2 waiting: key 1 is full, the pool is not
    let woken = 0;
    pool.waitForRoom(1, () => woken++);
    open(0);
    await waitFor(() => started.includes(2), 5000, 'third task');
    assert.equal(woken, 1);
    for (let n = 1; n < 4; n++) open(n);
    await waitFor(() => pool.pending === 0, 5000, 'drain');
    await pool.close();
  });

  it('close() resolves only when every running task has ended', async () => {
    const pool = createTaskPool({ size: 2 });
    const { task, open } = gatedTasks();
    pool.add(1, task, 0, null);
    pool.add(2, task, 1, null);
    let closed = false;
    const closing = pool.close().then(() => {
      closed = true;
    });
    assert.equal(pool.closed, true);
    await tick();
    assert.equal(closed, false, 'two tasks run');
    open(0);
    await waitFor(() => pool.pending === 1, 5000, 'first task done');
    await tick();
    assert.equal(closed, false, 'one task runs');
    open(1);
    await within(closing, 5000, 'close');
    await within(pool.close(), 5000, 'second close');
  });

  it('refuses tasks after close with TASK_POOL_CLOSED and reports closed', async () => {
    const pool = createTaskPool({ size: 1 });
    assert.equal(pool.closed, false);
    await pool.close();
    assert.equal(pool.closed, true);
    assert.throws(() => pool.add(0, () => {}, null, null), rpcError(ErrorCode.TASK_POOL_CLOSED, /^task pool is closed$/));
  });

  it('awaits a task result only when it is an object with a then method', async () => {
    const pool = createTaskPool({ size: 1 });
    // biome-ignore lint/suspicious/noThenProperty: a function with a then method, which the pool does not await
    const thenableFn = Object.assign(() => {}, { then: () => assert.fail('a function is not awaited') });
    // biome-ignore lint/suspicious/noThenProperty: a then that is not a method
    const notThenable = { then: 1 };
    for (const result of [null, undefined, 0, 'text', {}, notThenable, thenableFn]) {
      pool.add(0, () => result, null, null);
      assert.equal(pool.pending, 0, `${String(result)} ends the task at once`);
    }
    const gate = deferred();
    // biome-ignore lint/suspicious/noThenProperty: a thenable that is not a Promise
    const thenable = { then: (ok: () => void) => gate.promise.then(ok) };
    pool.add(0, () => thenable, null, null);
    assert.equal(pool.pending, 1, 'a thenable holds the slot');
    gate.resolve();
    await waitFor(() => pool.pending === 0, 5000, 'drain');
    await pool.close();
  });

  it('reports a task error as a process warning by default', async () => {
    const warned = new Promise<Error>((resolve) => process.once('warning', resolve));
    const pool = createTaskPool({ size: 1 });
    pool.add(0, () => {
      throw new Error('task broke');
    }, null, null);
    const warning = await within(warned, 5000, 'warning');
    assert.match(warning.message, /^task pool task threw: Error: task broke/);
    await pool.close();
  });

  it('keeps one key in order across a long queue', async () => {
    const pool = createTaskPool({ size: 1, queues: 1, queueLength: 2000 });
    const gate = deferred();
    const seen: number[] = [];
    pool.add(0, () => gate.promise, null, null);
    for (let n = 0; n < 1500; n++) pool.add(0, (i: number) => void seen.push(i), n, null);
    gate.resolve();
    await waitFor(() => pool.pending === 0, 5000, 'drain');
    await pool.close();
    assert.deepEqual(seen, Array.from({ length: 1500 }, (_, i) => i));
  });

  it('names the option in its validation message', () => {
    const invalid = (message: string) => rpcError(ErrorCode.INVALID_ARGUMENT, new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    assert.throws(() => createTaskPool({ size: 0 }), invalid('size must be an integer >= 1, got 0'));
    assert.throws(() => createTaskPool({ size: 1, queues: 0 }), invalid('queues must be an integer >= 1, got 0'));
    assert.throws(() => createTaskPool({ size: 1, queueLength: 1.5 }), invalid('queueLength must be an integer >= 1, got 1.5'));
    assert.throws(() => createSimpleTaskPool({ size: -1 }), invalid('size must be an integer >= 1, got -1'));
  });
});

describe('TaskPool with synchronous tasks', () => {
  it('runs a long queue of synchronous tasks without nesting a call per task', async () => {
    const errors: unknown[] = [];
    const pool = createTaskPool({ size: 1, queues: 1, queueLength: 50_000, onTaskError: (err) => errors.push(err) });
    const gate = deferred();
    let ran = 0;
    pool.add(0, () => gate.promise, null, null);
    for (let n = 0; n < 50_000; n++) pool.add(0, () => void ran++, null, null);
    gate.resolve();
    await waitFor(() => pool.pending === 0, 5000, 'drain');
    await pool.close();
    assert.equal(ran, 50_000);
    assert.deepEqual(errors, []);
  });

  it('starts a task added by a running synchronous task, and keeps the order of keys', async () => {
    const pool = createTaskPool({ size: 1, queues: 4, queueLength: 4 });
    const order: string[] = [];
    const gate = deferred();
    pool.add(1, () => gate.promise, null, null);
    pool.add(2, () => {
      order.push('b');
      pool.add(4, () => void order.push('d'), null, null);
    }, null, null);
    pool.add(3, () => void order.push('c'), null, null);
    gate.resolve();
    await waitFor(() => pool.pending === 0, 5000, 'drain');
    await pool.close();
    assert.deepEqual(order, ['b', 'c', 'd']);
  });
});
