import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, RpcError } from '../../../common/rpc-error.js';
import { PendingCalls } from '../../../rpc/exchange/pending-calls.js';
import { TimerWheel } from '../../../transport/timer-wheel.js';

describe('PendingCalls.whenIdle', () => {
  it('resolves at once when no call is pending', async () => {
    const pending = new PendingCalls<string>(new TimerWheel());
    await pending.whenIdle();
  });

  it('resolves when the last pending call ends, not before', async () => {
    const wheel = new TimerWheel();
    const pending = new PendingCalls<string>(wheel);
    const first = pending.add(pending.nextId(), 'session', 60_000);
    const second = pending.add(pending.nextId(), 'session', 60_000);
    let idle = false;
    const idleNow = pending.whenIdle().then(() => (idle = true));
    pending.settle(2, 'one');
    assert.equal(await first, 'one');
    assert.equal(idle, false, 'one call is still pending');
    pending.fail(4, new RpcError(ErrorCode.NETWORK, 'gone'));
    await assert.rejects(second, { code: ErrorCode.NETWORK });
    await idleNow;
    assert.equal(idle, true);
    assert.equal(wheel.size, 0, 'no timer left behind');
  });

  it('resolves every waiter when failAll empties the table', async () => {
    const pending = new PendingCalls<string>(new TimerWheel());
    const call = pending.add(pending.nextId(), 'session', 60_000).catch((err: RpcError) => err.code);
    const waiters = [pending.whenIdle(), pending.whenIdle()];
    pending.failAll(new RpcError(ErrorCode.CLIENT_CLOSED, 'closed'));
    await Promise.all(waiters);
    assert.equal(await call, ErrorCode.CLIENT_CLOSED);
  });
});

describe('PendingCalls.addMapped', () => {
  it('resolves with the mapped response and leaves no timer', async () => {
    const wheel = new TimerWheel();
    const pending = new PendingCalls<string>(wheel);
    const call = pending.addMapped(pending.nextId(), 'session', 60_000, undefined, (response) => response.length);
    assert.equal(pending.settle(2, 'four'), true);
    assert.equal(await call, 4);
    assert.equal(wheel.size, 0);
  });

  it('rejects with what the mapper threw, and the entry is gone', async () => {
    const pending = new PendingCalls<string>(new TimerWheel());
    const call = pending.addMapped(pending.nextId(), 'session', 60_000, undefined, () => {
      throw new RpcError(ErrorCode.SERVICE_ERROR, 'remote failure');
    });
    pending.settle(2, 'ignored');
    await assert.rejects(call, { code: ErrorCode.SERVICE_ERROR, message: 'remote failure' });
    assert.equal(pending.size, 0);
    assert.equal(pending.settle(2, 'late'), false, 'a second response is dropped');
  });

  it('never calls the mapper for a call that failed before its response', async () => {
    const pending = new PendingCalls<string>(new TimerWheel());
    let mapped = 0;
    const call = pending.addMapped(pending.nextId(), 'session', 60_000, undefined, () => ++mapped);
    pending.failOwner('session', new RpcError(ErrorCode.NETWORK, 'closed'));
    await assert.rejects(call, { code: ErrorCode.NETWORK });
    pending.settle(2, 'late');
    assert.equal(mapped, 0);
  });
});
