/**
 * ProviderSignals on its own: every signal leaves the table exactly once (no
 * leak), and each abort reaches only the calls it concerns. Sessions are
 * stand-ins here: the table only reads `closed` and uses them as keys.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, RpcError } from '../../../common/rpc-error.js';
import { ProviderSignals } from '../../../rpc/provider/provider-signals.js';
import type { Session } from '../../../transport/session-contract.js';
import { TimerWheel } from '../../../transport/timer-wheel.js';

const session = (closed = false) => ({ closed }) as unknown as Session;
const reasonOf = (signal: AbortSignal) => (signal.reason as RpcError).code;

describe('ProviderSignals', () => {
  it('forgets a call when it ends, cancelling its deadline', () => {
    const wheel = new TimerWheel();
    const signals = new ProviderSignals(wheel);
    const call = signals.open(session(), 60_000);
    assert.equal(signals.size, 1);
    assert.equal(wheel.size, 1);
    signals.close(call);
    assert.equal(signals.size, 0);
    assert.equal(wheel.size, 0);
    assert.equal(call.signal.aborted, false);
  });

  it('keeps the other calls of a session when one ends, and aborts them when the session closes', () => {
    const signals = new ProviderSignals(new TimerWheel());
    const s = session();
    const [ended, running] = [signals.open(s, undefined), signals.open(s, undefined)];
    signals.close(ended);
    assert.equal(signals.size, 1);
    signals.abortSession(s);
    assert.equal(reasonOf(running.signal), ErrorCode.NETWORK);
    assert.equal(ended.signal.aborted, false);
    assert.equal(signals.size, 0);
  });

  it('aborts only the calls of a closed session (NETWORK), then the rest at grace end', () => {
    const signals = new ProviderSignals(new TimerWheel());
    const [a, b] = [session(), session()];
    const onA = [signals.open(a, undefined), signals.open(a, undefined)];
    const onB = signals.open(b, undefined);
    signals.abortSession(a);
    assert.deepEqual(onA.map((call) => reasonOf(call.signal)), [ErrorCode.NETWORK, ErrorCode.NETWORK]);
    assert.equal((onA[0]!.signal.reason as RpcError).message, "the caller's connection closed");
    assert.equal(onB.signal.aborted, false);
    assert.equal(signals.size, 1);
    signals.abortAll(new RpcError(ErrorCode.SERVER_SHUTTING_DOWN, 'grace ended'));
    assert.equal(reasonOf(onB.signal), ErrorCode.SERVER_SHUTTING_DOWN);
    assert.equal(signals.size, 0);
  });

  it('aborts at the deadline with TIMEOUT and forgets the call', async () => {
    const wheel = new TimerWheel({ tickMs: 5 });
    const signals = new ProviderSignals(wheel);
    const call = signals.open(session(), 50);
    const started = performance.now();
    const keepAlive = setTimeout(() => {}, 5000);
    await new Promise((resolve) => call.signal.addEventListener('abort', resolve));
    clearTimeout(keepAlive);
    assert.ok(performance.now() - started >= 45);
    assert.equal(reasonOf(call.signal), ErrorCode.TIMEOUT);
    assert.equal((call.signal.reason as RpcError).message, "the caller's 50 ms deadline passed");
    assert.equal(signals.size, 0);
  });

  it('hands out an aborted signal, and keeps nothing, for a session already closed', () => {
    const signals = new ProviderSignals(new TimerWheel());
    const call = signals.open(session(true), 1000);
    assert.equal(reasonOf(call.signal), ErrorCode.NETWORK);
    assert.equal(signals.size, 0);
  });
});
