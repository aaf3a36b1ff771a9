import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CoalescedTask } from '../../registry/coalesced-task.js';

/** A task whose runs are counted and held open until `release()`. */
function gatedTask() {
  let runs = 0;
  let running = 0;
  let mostAtOnce = 0;
  let open: (() => void) | undefined;
  let started: (() => void) | undefined;
  const task = async () => {
    runs += 1;
    running += 1;
    mostAtOnce = Math.max(mostAtOnce, running);
    started?.();
    await new Promise<void>((resolve) => (open = resolve));
    running -= 1;
  };
  return {
    task,
    runs: () => runs,
    mostAtOnce: () => mostAtOnce,
    release: () => open?.(),
    nextStart: () => new Promise<void>((resolve) => (started = resolve)),
  };
}

describe('CoalescedTask', () => {
  it('runs once for a single call', async () => {
    let runs = 0;
    await new CoalescedTask(async () => void (runs += 1), () => true).run();
    assert.equal(runs, 1);
  });

  it('folds the calls made during a run into exactly one more run, never two at once', async () => {
    const gated = gatedTask();
    const coalesced = new CoalescedTask(gated.task, () => true);
    const firstStarted = gated.nextStart();
    const done = coalesced.run();
    await firstStarted;
    const secondStarted = gated.nextStart();
    const folded = [coalesced.run(), coalesced.run(), coalesced.run()];
    gated.release();
    await secondStarted;
    gated.release();
    await Promise.all([done, ...folded]);
    assert.equal(gated.runs(), 2);
    assert.equal(gated.mostAtOnce(), 1);
  });

  it('does nothing while inactive', async () => {
    let runs = 0;
    await new CoalescedTask(async () => void (runs += 1), () => false).run();
    assert.equal(runs, 0);
  });

  it('runs again when the task asks for it with repeat()', async () => {
    let runs = 0;
    const coalesced: CoalescedTask = new CoalescedTask(async () => {
      runs += 1;
      if (runs === 1) coalesced.repeat();
    }, () => true);
    await coalesced.run();
    assert.equal(runs, 2);
  });

  it('skips the folded run when it became inactive meanwhile', async () => {
    let active = true;
    let runs = 0;
    const coalesced: CoalescedTask = new CoalescedTask(async () => {
      runs += 1;
      coalesced.repeat();
      active = false;
    }, () => active);
    await coalesced.run();
    assert.equal(runs, 1);
  });

  it('starts afresh after a run has finished', async () => {
    let runs = 0;
    const coalesced = new CoalescedTask(async () => void (runs += 1), () => true);
    await coalesced.run();
    await coalesced.run();
    assert.equal(runs, 2);
  });
});
