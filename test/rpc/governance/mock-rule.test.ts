import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, RpcError } from '../../../common/rpc-error.js';
import { ConfiguredInvoker } from '../../../rpc/governance/configured-invoker.js';
import { parseMockRule } from '../../../rpc/governance/mock-rule.js';
import { failsWith, invocation, TestInvoker } from '../cluster/test-invoker.js';

describe('mock values', () => {
  it('reads force and fail with return values, legacy URL-encoded too', async () => {
    const cases: [string, boolean, unknown][] = [
      ['force:return null', true, null],
      ['force%3Areturn+null', true, null],
      ['fail:return true', false, true],
      ['return "busy"', false, 'busy'],
      ["force:return 'x y'", true, 'x y'],
      ['force:return {"a":[1,2]}', true, { a: [1, 2] }],
      ['force:return 42', true, 42],
      ['true', false, null],
      ['force:return empty', true, null],
    ];
    for (const [text, force, value] of cases) {
      const rule = parseMockRule(text);
      assert.equal(rule?.force, force, text);
      assert.deepEqual(await rule!.answer('m'), value, text);
    }
  });

  it('is off for empty and false, throws a SERVICE_ERROR for throw, refuses nonsense', async () => {
    assert.equal(parseMockRule(''), undefined);
    assert.equal(parseMockRule('false'), undefined);
    await assert.rejects(parseMockRule('force:throw com.example.Busy')!.answer('m'), (err) => err instanceof RpcError && err.code === ErrorCode.SERVICE_ERROR && err.remoteType === 'com.example.Busy');
    assert.throws(() => parseMockRule('force:explode'), { code: ErrorCode.INVALID_ARGUMENT });
    assert.throws(() => parseMockRule('force:return {broken'), { code: ErrorCode.INVALID_ARGUMENT });
    const proto = await parseMockRule('force:return {"__proto__": {"polluted": 1}}')!.answer('m');
    assert.equal(Object.getPrototypeOf(proto), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

/** `inner` as the rules that wrote `written` on it show it. */
function configured(inner: TestInvoker, written: Record<string, string>): ConfiguredInvoker {
  return new ConfiguredInvoker(inner.url.with({ params: written }), inner, written);
}

describe('ConfiguredInvoker', () => {
  it('force mock answers without calling the provider', async () => {
    const inner = new TestInvoker(1);
    const view = configured(inner, { mock: 'force:return null' });
    assert.equal(await view.invoke(invocation()), null);
    assert.equal(inner.calls, 0);
  });

  it('fail mock answers only when the call fails for a non-business reason', async () => {
    const network = new TestInvoker(1, failsWith(ErrorCode.NETWORK));
    assert.equal(await configured(network, { mock: 'fail:return "fallback"' }).invoke(invocation()), 'fallback');
    const business = new TestInvoker(2, failsWith(ErrorCode.SERVICE_ERROR));
    await assert.rejects(configured(business, { mock: 'fail:return null' }).invoke(invocation()), { code: ErrorCode.SERVICE_ERROR });
    const healthy = new TestInvoker(3);
    assert.equal(await configured(healthy, { mock: 'fail:return null' }).invoke(invocation()), 3);
  });

  it('a configured timeout replaces the call timeout, a method one first', async () => {
    let seen: number | undefined;
    let deadlineLeft: number | undefined;
    const inner = new TestInvoker(1, async (call) => {
      seen = call.timeoutMs;
      deadlineLeft = call.deadline === undefined ? undefined : call.deadline - performance.now();
      return 'ok';
    });
    await configured(inner, { timeout: '50' }).invoke(invocation('echo', [], { timeoutMs: 3000, deadline: performance.now() + 3000 }));
    assert.equal(seen, 50);
    assert.ok(deadlineLeft !== undefined && deadlineLeft <= 50, `the deadline moved to the configured timeout (${deadlineLeft} ms left)`);
    await configured(inner, { timeout: '50', 'echo.timeout': '70' }).invoke(invocation('echo', [], { timeoutMs: 3000 }));
    assert.equal(seen, 70);
    await configured(inner, { weight: '5' }).invoke(invocation('echo', [], { timeoutMs: 3000 }));
    assert.equal(seen, 3000);
  });
});
