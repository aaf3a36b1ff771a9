import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError, RpcError } from '../../common/rpc-error.js';
import { parseDurationMs, unavailable, withDeadline } from '../../registry/deadline.js';

describe('withDeadline', () => {
  it('settles with the work when the work settles first', async () => {
    assert.equal(await withDeadline(Promise.resolve(7), 3_600_000, 'lookup'), 7);
    const failure = new Error('refused');
    await assert.rejects(withDeadline(Promise.reject(failure), 3_600_000, 'lookup'), (err) => err === failure);
  });

  it('fails with REGISTRY_UNAVAILABLE, naming the call and the bound, when the work never settles', async () => {
    // The deadline's timer does not hold the process open (it is unref'd); this one does, so the
    // test process waits for the deadline instead of ending with the promise pending.
    const keepAlive = setInterval(() => {}, 1000);
    try {
      await assert.rejects(withDeadline(new Promise(() => {}), 5, 'getChildren /dubbo'), (err) => {
        assert.ok(isRpcError(err, ErrorCode.REGISTRY_UNAVAILABLE));
        assert.equal(err.message, 'getChildren /dubbo: no answer within 5 ms');
        return true;
      });
    } finally {
      clearInterval(keepAlive);
    }
  });

  it('clears its timer once the work settles', async () => {
    const timers = new Set<number>();
    const cleared = new Set<number>();
    const hook = createHook({
      init: (id, type) => void (type === 'Timeout' && timers.add(id)),
      destroy: (id) => void (timers.has(id) && cleared.add(id)),
    }).enable();
    try {
      await withDeadline(Promise.resolve('done'), 3_600_000, 'exists');
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      hook.disable();
    }
    assert.ok(timers.size > 0, 'a timer was set');
    assert.deepEqual([...cleared], [...timers]);
  });
});

describe('unavailable', () => {
  it('passes an RpcError through unchanged', () => {
    const closed = new RpcError(ErrorCode.REGISTRY_CLOSED, 'closed');
    assert.equal(unavailable(closed, 'register'), closed);
  });

  it('wraps a client error as REGISTRY_UNAVAILABLE with its message and cause', () => {
    const cause = new Error('ECONNREFUSED');
    const err = unavailable(cause, 'connect 127.0.0.1:2181');
    assert.ok(isRpcError(err, ErrorCode.REGISTRY_UNAVAILABLE));
    assert.equal(err.message, 'connect 127.0.0.1:2181: ECONNREFUSED');
    assert.equal(err.cause, cause);
  });

  it('wraps a thrown non-Error by its text', () => {
    const err = unavailable('session expired', 'watch');
    assert.ok(isRpcError(err, ErrorCode.REGISTRY_UNAVAILABLE));
    assert.equal(err.message, 'watch: session expired');
  });
});

describe('parseDurationMs', () => {
  it('gives the fallback when the param is absent or empty', () => {
    assert.equal(parseDurationMs(undefined, 1234, 'timeout'), 1234);
    assert.equal(parseDurationMs('', 1234, 'timeout'), 1234);
  });

  it('reads plain milliseconds and Go-style ms, s and m, with fractions and blanks around', () => {
    const cases: Array<[string, number]> = [
      ['250', 250],
      ['250ms', 250],
      ['2s', 2000],
      ['1.25s', 1250],
      ['1m', 60_000],
      ['0.5m', 30_000],
      [' 3s ', 3000],
      ['1.4', 1],
    ];
    for (const [text, ms] of cases) assert.equal(parseDurationMs(text, 1, 'timeout'), ms, text);
  });

  it('refuses text that is no duration with BAD_URL naming the param', () => {
    for (const text of ['abc', '5x', '5 s', '1.s', '1.5h', '-1s', 's']) {
      assert.throws(
        () => parseDurationMs(text, 1, 'retry.delay'),
        (err) => isRpcError(err, ErrorCode.BAD_URL) && err.message === `bad duration for 'retry.delay': ${text}`,
        text,
      );
    }
  });

  it('refuses a duration that rounds to zero', () => {
    for (const text of ['0', '0s', '0.4']) {
      assert.throws(
        () => parseDurationMs(text, 1, 'timeout'),
        (err) => isRpcError(err, ErrorCode.BAD_URL) && err.message === `'timeout' must be positive: ${text}`,
        text,
      );
    }
  });
});
