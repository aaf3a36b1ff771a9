import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../common/rpc-error.js';
import { defaultTimerWheel, TimerWheel } from '../../transport/timer-wheel.js';
import { deferred, within } from './helpers.js';

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
