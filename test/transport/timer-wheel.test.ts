import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../common/rpc-error.js';
import { defaultTimerWheel, TimerWheel } from '../../transport/timer-wheel.js';
import { deferred, within } from './helpers.js';

/** Blocks the event loop for `ms`: the wheel's interval cannot run meanwhile. */
function blockFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // the loop is blocked
  }
}

describe('TimerWheel', () => {
  it('fires a scheduled callback no earlier than its delay (minus one tick)', async () => {
    const wheel = new TimerWheel({ tickMs: 5 });
    const fired = deferred<number>();
    const start = performance.now();
    wheel.schedule(40, () => fired.resolve(performance.now() - start));
    const elapsed = await within(fired.promise, 5000, 'fire');
    assert.ok(elapsed >= 35, `fired after ${elapsed} ms`);
  });

  it('does not fire early a timer scheduled while the loop is busy (the cursor lags real time)', async () => {
    const wheel = new TimerWheel({ tickMs: 10 });
    const keepAlive = wheel.schedule(10_000, () => {});
    await new Promise((resolve) => setTimeout(resolve, 30));
    const busyUntil = performance.now() + 120;
    while (performance.now() < busyUntil) {
      // the event loop is blocked: the wheel's interval cannot run
    }
    const scheduled = performance.now();
    const fired = new Promise<number>((resolve) => wheel.schedule(100, () => resolve(performance.now() - scheduled)));
    const afterMs = await within(fired, 5000, 'fire');
    keepAlive.cancel();
    assert.ok(afterMs >= 100 - 10, `fired after ${Math.round(afterMs)} ms`);
  });

  it('does not fire a cancelled timer; cancel is idempotent', async () => {
    const wheel = new TimerWheel({ tickMs: 5 });
    let cancelledRan = false;
    const handle = wheel.schedule(10, () => {
      cancelledRan = true;
    });
    assert.equal(handle.active, true);
    handle.cancel();
    handle.cancel();
    assert.equal(handle.active, false);
    const later = deferred();
    wheel.schedule(40, () => later.resolve());
    await within(later.promise, 5000, 'later timer');
    assert.equal(cancelledRan, false);
  });

  it('handles delays longer than one turn of the wheel (rounds)', async () => {
    const wheel = new TimerWheel({ tickMs: 2, slots: 8 });
    const order: number[] = [];
    const done = deferred();
    wheel.schedule(60, () => {
      order.push(60);
      done.resolve();
    });
    wheel.schedule(6, () => order.push(6));
    wheel.schedule(20, () => order.push(20));
    await within(done.promise, 5000, 'long timer');
    assert.deepEqual(order, [6, 20, 60]);
  });

  it('repeats every() until cancelled, also from inside its own callback', async () => {
    const wheel = new TimerWheel({ tickMs: 2 });
    let runs = 0;
    const done = deferred();
    const handle = wheel.every(4, () => {
      runs++;
      if (runs === 5) {
        handle.cancel();
        done.resolve();
      }
    });
    await within(done.promise, 5000, 'five runs');
    assert.equal(handle.active, false);
    assert.equal(wheel.size, 0);
  });

  it('stops its interval when nothing is scheduled and restarts on demand', async () => {
    const wheel = new TimerWheel({ tickMs: 2 });
    assert.equal(wheel.running, false);
    const first = deferred();
    wheel.schedule(4, () => first.resolve());
    assert.equal(wheel.running, true);
    await within(first.promise, 5000, 'first');
    assert.equal(wheel.running, false, 'idle wheel does not tick');
    const second = deferred();
    const h = wheel.schedule(4, () => second.resolve());
    assert.equal(wheel.running, true);
    await within(second.promise, 5000, 'second');
    assert.equal(h.active, false);
    assert.equal(wheel.running, false);
  });

  it('fires a timer that fell due while the loop was blocked at the first turn after, even if timers were added meanwhile', async () => {
    const wheel = new TimerWheel({ tickMs: 20 });
    const order: string[] = [];
    const fired = deferred();
    wheel.schedule(40, () => {
      order.push('due timer');
      fired.resolve();
    });
    for (let i = 0; i < 3; i++) {
      blockFor(30);
      wheel.schedule(10_000, () => {});
    }
    // The wheel's interval is overdue (its expiry is long past): Node runs it before a 25 ms timeout.
    setTimeout(() => order.push('25 ms later'), 25);
    await within(fired.promise, 5000, 'due timer');
    wheel.clear();
    assert.deepEqual(order, ['due timer']);
  });

  it('adds and cancels many timers in O(1) each, leaving nothing behind', () => {
    const wheel = new TimerWheel();
    const handles = [];
    for (let i = 0; i < 100_000; i++) handles.push(wheel.schedule(1000 + (i % 5000), () => {}));
    assert.equal(wheel.size, 100_000);
    for (const h of handles) h.cancel();
    assert.equal(wheel.size, 0);
    assert.equal(wheel.running, false);
  });

  it('keeps ticking when a callback throws and reports the error', async () => {
    const errors: unknown[] = [];
    const wheel = new TimerWheel({ tickMs: 2, onCallbackError: (err) => errors.push(err) });
    const after = deferred();
    wheel.schedule(4, () => {
      throw new Error('boom');
    });
    wheel.schedule(10, () => after.resolve());
    await within(after.promise, 5000, 'timer after the throwing one');
    assert.equal(errors.length, 1);
  });

  it('rejects bad options and delays with INVALID_ARGUMENT', () => {
    const invalid = (err: unknown) => isRpcError(err, ErrorCode.INVALID_ARGUMENT);
    assert.throws(() => new TimerWheel({ tickMs: 0 }), invalid);
    assert.throws(() => new TimerWheel({ slots: 1.5 }), invalid);
    assert.throws(() => new TimerWheel().schedule(-1, () => {}), invalid);
    assert.throws(() => new TimerWheel().every(Number.NaN, () => {}), invalid);
  });

  it('shares one lazily created default wheel', () => {
    assert.equal(defaultTimerWheel(), defaultTimerWheel());
  });
});

/** Resolves with the callbacks' names in firing order once `count` fired. */
function recorder(count: number) {
  const order: string[] = [];
  const done = deferred<string[]>();
  const fire = (name: string) => () => {
    order.push(name);
    if (order.length === count) done.resolve(order);
  };
  return { order, fire, done: done.promise };
}

describe('TimerWheel slots, rounds and state', () => {
  it('reports active while pending, not once fired or cancelled; every() stays active until cancelled', async () => {
    const wheel = new TimerWheel({ tickMs: 5, slots: 8 });
    const fired = deferred();
    // 8 ticks on a fresh wheel: slot 0.
    const inSlotZero = wheel.schedule(40, () => fired.resolve());
    assert.equal(inSlotZero.active, true);
    const other = wheel.schedule(12, () => {});
    assert.equal(other.active, true);
    await within(fired.promise, 5000, 'fire');
    assert.equal(inSlotZero.active, false, 'fired');
    assert.equal(other.active, false, 'fired');
    const cancelled = wheel.schedule(12, () => {});
    cancelled.cancel();
    assert.equal(cancelled.active, false);
    let runs = 0;
    const twice = deferred();
    const periodic = wheel.every(5, () => {
      if (++runs === 2) twice.resolve();
    });
    assert.equal(periodic.active, true);
    await within(twice.promise, 5000, 'two runs');
    assert.equal(periodic.active, true, 'between runs');
    periodic.cancel();
    assert.equal(periodic.active, false);
  });

  it('fires a zero delay on the next tick', async () => {
    const wheel = new TimerWheel({ tickMs: 5 });
    const fired = deferred();
    wheel.schedule(0, () => fired.resolve());
    await within(fired.promise, 5000, 'zero delay');
  });

  it('accepts a one-millisecond, one-slot wheel', async () => {
    const wheel = new TimerWheel({ tickMs: 1, slots: 1 });
    const { fire, done } = recorder(2);
    wheel.schedule(3, fire('a'));
    wheel.schedule(20, fire('b'));
    assert.deepEqual(await within(done, 5000, 'both'), ['a', 'b']);
  });

  it('fires every timer of a slot, and the rest of the slot when one is cancelled', async () => {
    // Timers of one slot sit in a list, newest first: cancel the head, the middle, the tail.
    for (const cancelled of [[], ['c'], ['b'], ['a'], ['b', 'a']]) {
      const wheel = new TimerWheel({ tickMs: 10, slots: 16 });
      const kept = ['a', 'b', 'c'].filter((name) => !cancelled.includes(name));
      const { order, fire, done } = recorder(kept.length);
      const handles = new Map(['a', 'b', 'c'].map((name) => [name, wheel.schedule(25, fire(name))]));
      for (const name of cancelled) handles.get(name)!.cancel();
      assert.equal(wheel.size, kept.length, `cancelled ${cancelled}`);
      await within(done, 5000, `slot without ${cancelled}`);
      assert.deepEqual(order.sort(), kept, `cancelled ${cancelled}`);
      assert.equal(wheel.size, 0);
      assert.equal(wheel.running, false, 'nothing left, no interval');
    }
  });

  it('keeps ticking for the other timers when one of them is cancelled', async () => {
    const wheel = new TimerWheel({ tickMs: 5 });
    const first = wheel.schedule(20, () => assert.fail('cancelled'));
    const fired = deferred();
    wheel.schedule(40, () => fired.resolve());
    first.cancel();
    assert.equal(wheel.running, true);
    await within(fired.promise, 5000, 'the other timer');
  });

  it('does not fire a timer cancelled by another callback of the same tick', async () => {
    const wheel = new TimerWheel({ tickMs: 10 });
    let laterRan = false;
    const fired = deferred();
    // Same slot; the one scheduled last fires first and cancels the other.
    const later = wheel.schedule(25, () => {
      laterRan = true;
    });
    wheel.schedule(25, () => {
      later.cancel();
      fired.resolve();
    });
    await within(fired.promise, 5000, 'first callback');
    const after = deferred();
    wheel.schedule(25, () => after.resolve());
    await within(after.promise, 5000, 'a later tick');
    assert.equal(laterRan, false);
  });

  it('fires a delay just under one turn before a longer one (rounds)', async () => {
    const wheel = new TimerWheel({ tickMs: 5, slots: 8 });
    const { fire, done } = recorder(3);
    wheel.schedule(48, fire('10 ticks'));
    wheel.schedule(33, fire('7 ticks'));
    wheel.schedule(78, fire('16 ticks'));
    assert.deepEqual(await within(done, 5000, 'all'), ['7 ticks', '10 ticks', '16 ticks']);
  });

  it('fires a delay of several turns within generous bounds, not a turn early', async () => {
    const wheel = new TimerWheel({ tickMs: 10, slots: 4 });
    const start = performance.now();
    const elapsed = await within(new Promise<number>((resolve) => wheel.schedule(125, () => resolve(performance.now() - start))), 5000, 'fire');
    assert.ok(elapsed >= 115, `fired after ${elapsed} ms`);
  });

  it('clear() cancels every timer and stops the interval; new timers still fire', async () => {
    const wheel = new TimerWheel({ tickMs: 5, slots: 8 });
    const handles = [5, 5, 20, 100, 300].map((ms) => wheel.schedule(ms, () => assert.fail('cleared')));
    handles.push(wheel.every(10, () => assert.fail('cleared')));
    wheel.clear();
    assert.equal(wheel.size, 0);
    assert.equal(wheel.running, false);
    for (const h of handles) assert.equal(h.active, false);
    const fired = deferred();
    wheel.schedule(30, () => fired.resolve());
    assert.equal(wheel.running, true);
    await within(fired.promise, 5000, 'after clear');
  });

  it('does not fire early a timer added by a callback while the wheel catches up late ticks', async () => {
    const wheel = new TimerWheel({ tickMs: 10 });
    const fired = deferred<number>();
    let scheduledAt = 0;
    wheel.schedule(10, () => {
      scheduledAt = performance.now();
      wheel.schedule(50, () => fired.resolve(performance.now() - scheduledAt));
    });
    blockFor(200); // about 20 ticks are due when the interval runs next
    const afterMs = await within(fired.promise, 5000, 'fire');
    assert.ok(afterMs >= 40, `fired ${Math.round(afterMs)} ms after it was scheduled`);
  });

  it('reports a callback error as a process warning by default', async () => {
    const warned = new Promise<Error>((resolve) => process.once('warning', resolve));
    const wheel = new TimerWheel({ tickMs: 5 });
    wheel.schedule(5, () => {
      throw new Error('callback broke');
    });
    const warning = await within(warned, 5000, 'warning');
    assert.match(warning.message, /^TimerWheel callback threw: Error: callback broke/);
  });

  it('names the option or the delay in its validation message', () => {
    const invalid = (message: string) => (err: unknown) => isRpcError(err, ErrorCode.INVALID_ARGUMENT) && err.message === message;
    assert.throws(() => new TimerWheel({ tickMs: 0 }), invalid('tickMs must be an integer >= 1, got 0'));
    assert.throws(() => new TimerWheel({ slots: 1.5 }), invalid('slots must be an integer >= 1, got 1.5'));
    assert.throws(() => new TimerWheel().schedule(-1, () => {}), invalid('timer delay must be a finite number >= 0, got -1'));
    assert.throws(() => new TimerWheel().every(Number.POSITIVE_INFINITY, () => {}), invalid('timer delay must be a finite number >= 0, got Infinity'));
  });
});
