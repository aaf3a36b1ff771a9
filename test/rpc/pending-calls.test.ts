import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import { PendingCalls } from '../../rpc/pending-calls.js';
import { TimerWheel } from '../../transport/timer-wheel.js';

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
