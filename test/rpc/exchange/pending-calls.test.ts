import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError, RpcError } from '../../../common/rpc-error.js';
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
    assert.equal(pending.fail(4, new RpcError(ErrorCode.NETWORK, 'gone')), true, 'the call was still pending');
    await assert.rejects(second, { code: ErrorCode.NETWORK });
    await idleNow;
    assert.equal(idle, true);
    assert.equal(wheel.size, 0, 'no timer left behind');
  });

  it('resolves again each time the table empties', async () => {
    const pending = new PendingCalls<string>(new TimerWheel());
    for (let round = 0; round < 3; round++) {
      const id = pending.nextId();
      const call = pending.add(id, 'session', 60_000);
      const idle = pending.whenIdle();
      assert.equal(pending.settle(id, `round ${round}`), true);
      assert.equal(await call, `round ${round}`);
      await idle;
    }
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

describe('PendingCalls entries', () => {
  it('hands out even ids 2, 4, 6, ... and wraps to 2 before they stop being safe integers', () => {
    const pending = new PendingCalls<string>(new TimerWheel());
    assert.deepEqual([pending.nextId(), pending.nextId(), pending.nextId()], [2, 4, 6]);
    // Jump near the end instead of calling nextId 2^52 times.
    Reflect.set(pending, 'lastId', Number.MAX_SAFE_INTEGER - 3);
    assert.equal(pending.nextId(), Number.MAX_SAFE_INTEGER - 1);
    assert.equal(pending.nextId(), 2);
  });

  it('rejects with TIMEOUT after timeoutMs, drops the late response and counts it', async () => {
    const wheel = new TimerWheel({ tickMs: 5 });
    const pending = new PendingCalls<string>(wheel);
    const started = performance.now();
    // The wheel's interval is unref'd: hold the event loop open while only the wheel is waited on.
    const keepAlive = setTimeout(() => {}, 5000);
    await assert.rejects(pending.add(pending.nextId(), 'session', 30), (e) => isRpcError(e, ErrorCode.TIMEOUT) && /request 2 within 30 ms/.test(e.message));
    clearTimeout(keepAlive);
    assert.ok(performance.now() - started < 1500);
    assert.equal(pending.size, 0);
    assert.equal(pending.settle(2, 'late'), false);
    assert.equal(pending.droppedResponses, 1);
    assert.equal(pending.fail(2, new RpcError(ErrorCode.NETWORK, 'gone')), false, 'nothing left to fail');
    assert.equal(wheel.size, 0);
  });

  it('rejects with CANCELLED when the signal aborts, or at once when it already had, keeping the reason as the cause', async () => {
    const pending = new PendingCalls<string>(new TimerWheel());
    const controller = new AbortController();
    const call = pending.add(pending.nextId(), 'session', 60_000, controller.signal);
    const reason = new Error('user gave up');
    controller.abort(reason);
    await assert.rejects(call, (e) => isRpcError(e, ErrorCode.CANCELLED) && e.cause === reason && e.message === 'call cancelled by its AbortSignal');
    await assert.rejects(pending.add(pending.nextId(), 'session', 60_000, controller.signal), (e) => isRpcError(e, ErrorCode.CANCELLED));
    assert.equal(pending.size, 0);
  });

  it('fails only the calls of the owner that failed', async () => {
    const pending = new PendingCalls<string>(new TimerWheel());
    const onA = pending.add(pending.nextId(), 'session A', 60_000);
    const onB = pending.add(pending.nextId(), 'session B', 60_000);
    pending.failOwner('session A', new RpcError(ErrorCode.NETWORK, 'A closed'));
    await assert.rejects(onA, { code: ErrorCode.NETWORK, message: 'A closed' });
    assert.equal(pending.size, 1);
    assert.equal(pending.settle(4, 'b'), true);
    assert.equal(await onB, 'b');
  });

  it('rejects a call whose timeoutMs the wheel refuses, and keeps nothing of it', async () => {
    const pending = new PendingCalls<string>(new TimerWheel());
    await assert.rejects(pending.add(pending.nextId(), 'session', Number.NaN), (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT));
    assert.equal(pending.size, 0);
    await pending.whenIdle();
  });
});
