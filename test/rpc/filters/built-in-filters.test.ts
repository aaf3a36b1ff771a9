import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { ErrorCode, isRpcError } from '../../../common/rpc-error.js';
import { composeFilters, createFilter, type Next } from '../../../rpc/filter.js';
import {
  type AccessLogEntry,
  accessLogFilter,
  concurrencyLimitFilter,
  echoFilter,
  genericFilter,
  gracefulShutdownFilter,
  metricsFilter,
  tokenFilter,
  tpsLimitFilter,
} from '../../../rpc/filters/index.js';
import { RpcInvocation } from '../../../rpc/rpc-invocation.js';
import { ShutdownTracker } from '../../../rpc/shutdown-tracker.js';

const call = (methodName: string, args: unknown[] = [], attachments: Record<string, unknown> = {}) =>
  new RpcInvocation({ interfaceName: 'demo.Svc', methodName, args, attachments });

const service: Next = async (invocation) => `called ${invocation.methodName}(${invocation.args.join(',')})`;

/** A terminal that stays pending until released, to hold calls in flight. */
function gate(): { next: Next; release: () => void } {
  let release!: () => void;
  const opened = new Promise<void>((resolve) => (release = resolve));
  return { next: async () => opened.then(() => 'done'), release };
}

describe('echoFilter', () => {
  it('answers $echo with its argument without calling the service', async () => {
    const chain = composeFilters([echoFilter()], async () => assert.fail('service reached'));
    assert.deepEqual(await chain(call('$echo', [{ a: 1 }])), { a: 1 });
  });
  it('passes other methods through', async () => {
    assert.equal(await composeFilters([echoFilter()], service)(call('hi', [1])), 'called hi(1)');
  });
  it('passes $echo with other than one argument through, as Java EchoFilter does', async () => {
    const chain = composeFilters([echoFilter()], service);
    assert.equal(await chain(call('$echo', [])), 'called $echo()');
    assert.equal(await chain(call('$echo', [1, 2])), 'called $echo(1,2)');
  });
  it('is registered under the name echo', async () => {
    assert.equal(await composeFilters([createFilter('echo')], service)(call('$echo', ['x'])), 'x');
  });
});

describe('tokenFilter', () => {
  const chain = composeFilters([tokenFilter('s3cret')], service);
  it('lets a call with the right token through', async () => {
    assert.equal(await chain(call('hi', [], { token: 's3cret' })), 'called hi()');
  });
  it('rejects a wrong or missing token with UNAUTHORIZED, naming the method', async () => {
    await assert.rejects(chain(call('hi', [], { token: 'nope!!' })), (e) => isRpcError(e, ErrorCode.UNAUTHORIZED) && /demo\.Svc\.hi/.test(e.message));
    await assert.rejects(chain(call('hi')), (e) => isRpcError(e, ErrorCode.UNAUTHORIZED));
  });
  it('rejects wrong tokens of every other length, and non-string tokens, with UNAUTHORIZED', async () => {
    // 's3cr€t' has the six characters of 's3cret' but eight UTF-8 bytes.
    for (const token of ['', 's', 's3cre', 's3cret!', 's3cret-and-much-longer', 's3cr€t', 's3cret\u0000', 42, null, ['s3cret'], { toString: () => 's3cret' }]) {
      await assert.rejects(chain(call('hi', [], { token })), (e) => isRpcError(e, ErrorCode.UNAUTHORIZED), `token ${JSON.stringify(token)}`);
    }
  });
  it('refuses an empty or non-string configured token', () => {
    assert.throws(() => tokenFilter(''), (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT) && /non-empty token/.test(e.message));
    assert.throws(() => tokenFilter(42 as unknown as string), (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT));
  });
  it('is registered under the name token', async () => {
    const byName = composeFilters([createFilter('token', 'key')], service);
    assert.equal(await byName(call('hi', [], { token: 'key' })), 'called hi()');
    await assert.rejects(byName(call('hi', [], { token: 'other' })), (e) => isRpcError(e, ErrorCode.UNAUTHORIZED));
  });
});

describe('accessLogFilter', () => {
  it('writes one record per call with the outcome', async () => {
    const entries: AccessLogEntry[] = [];
    const chain = composeFilters([accessLogFilter({ sink: (e) => entries.push(e) }), tokenFilter('t')], service);
    await chain(call('ok', [], { token: 't' }));
    await assert.rejects(chain(call('bad')), (e) => isRpcError(e, ErrorCode.UNAUTHORIZED));
    assert.deepEqual(entries.map((e) => [e.method, e.outcome]), [['ok', 'OK'], ['bad', ErrorCode.UNAUTHORIZED]]);
    assert.ok(entries.every((e) => e.service === 'demo.Svc' && e.durationMs >= 0));
  });
  it('does not fail the call when the sink throws', async () => {
    const chain = composeFilters([accessLogFilter({ sink: () => { throw new Error('disk full'); } })], service);
    assert.equal(await chain(call('x')), 'called x()');
  });
});

describe('tpsLimitFilter', () => {
  it('allows `rate` calls per window then rejects with LIMIT_EXCEEDED', async () => {
    const chain = composeFilters([tpsLimitFilter({ rate: 3, intervalMs: 60_000 })], service);
    for (let i = 0; i < 3; i++) await chain(call('m'));
    await assert.rejects(chain(call('m')), (e) => isRpcError(e, ErrorCode.LIMIT_EXCEEDED));
    assert.equal(await chain(call('other')), 'called other()', 'methods are counted separately');
  });
  it('opens a new window once the interval has passed', async () => {
    const chain = composeFilters([tpsLimitFilter({ rate: 1, intervalMs: 20 })], service);
    await chain(call('m'));
    await assert.rejects(chain(call('m')), (e) => isRpcError(e, ErrorCode.LIMIT_EXCEEDED));
    const deadline = Date.now() + 2000;
    let result: unknown;
    while (result === undefined && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      result = await chain(call('m')).catch(() => undefined);
    }
    assert.equal(result, 'called m()');
  });
  it('validates its options', () => {
    assert.throws(() => tpsLimitFilter({ rate: 0 }), (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT));
  });
});

describe('concurrencyLimitFilter', () => {
  it('rejects the call over `max` in flight and admits again once one ends', async () => {
    const held = gate();
    const chain = composeFilters([concurrencyLimitFilter({ max: 2 })], held.next);
    const first = [chain(call('m')), chain(call('m'))];
    await assert.rejects(chain(call('m')), (e) => isRpcError(e, ErrorCode.LIMIT_EXCEEDED));
    held.release();
    assert.deepEqual(await Promise.all(first), ['done', 'done']);
    assert.equal(await chain(call('m')), 'done');
  });
  it('is registered as execute and actives', () => {
    assert.equal(typeof createFilter('execute', { max: 1 }), 'function');
    assert.equal(typeof createFilter('actives', { max: 1 }), 'function');
  });
});

describe('genericFilter', () => {
  const chain = composeFilters([genericFilter()], service);
  it('turns $invoke(method, types, args) into a call of method', async () => {
    assert.equal(await chain(call('$invoke', ['sayHello', ['java.lang.String'], ['bob']])), 'called sayHello(bob)');
  });
  it('rejects a malformed $invoke with BAD_REQUEST', async () => {
    await assert.rejects(chain(call('$invoke', ['sayHello'])), (e) => isRpcError(e, ErrorCode.BAD_REQUEST));
    await assert.rejects(chain(call('$invoke', [42, [], []])), (e) => isRpcError(e, ErrorCode.BAD_REQUEST));
    await assert.rejects(chain(call('$invoke', ['m', 'x', 'y'])), (e) => isRpcError(e, ErrorCode.BAD_REQUEST));
  });
});

describe('gracefulShutdownFilter', () => {
  it('lets calls in flight finish, refuses new ones, and drains on the last one', async () => {
    const tracker = new ShutdownTracker();
    const held = gate();
    const chain = composeFilters([gracefulShutdownFilter(tracker)], held.next);
    const inFlight = chain(call('m'));
    assert.equal(tracker.active, 1);
    const drained = tracker.drain(60_000);
    await assert.rejects(chain(call('m')), (e) => isRpcError(e, ErrorCode.SERVER_SHUTTING_DOWN));
    held.release();
    assert.equal(await inFlight, 'done');
    assert.equal(await drained, true);
    assert.equal(tracker.active, 0);
  });
  it('gives up after graceMs when a call never ends', async () => {
    const tracker = new ShutdownTracker(ErrorCode.CLIENT_CLOSED);
    const held = gate();
    const pending = composeFilters([gracefulShutdownFilter(tracker)], held.next)(call('m'));
    assert.equal(await tracker.drain(10), false);
    held.release();
    await pending;
  });
});

describe('metricsFilter', () => {
  it('counts calls by outcome in the given registry', async () => {
    const registry = new Registry();
    const chain = composeFilters([metricsFilter({ registry, side: 'provider' }), tokenFilter('t')], service);
    await chain(call('m', [], { token: 't' }));
    await assert.rejects(chain(call('m')), (e) => isRpcError(e, ErrorCode.UNAUTHORIZED));
    const text = await registry.metrics();
    assert.match(text, /rpc_calls_total\{side="provider",service="demo.Svc",method="m",outcome="OK"\} 1/);
    assert.match(text, /rpc_calls_total\{[^}]*outcome="UNAUTHORIZED"\} 1/);
    assert.match(text, /rpc_call_duration_seconds_count\{side="provider",service="demo.Svc",method="m"\} 2/);
    metricsFilter({ registry }); // a second filter on the same registry reuses the metrics
  });
});

describe('composeFilters', () => {
  it('runs filters as an onion: the first added is outermost', async () => {
    const order: string[] = [];
    const layer = (name: string) => async (inv: RpcInvocation, next: Next) => {
      order.push(`>${name}`);
      const result = await next(inv);
      order.push(`<${name}`);
      return result;
    };
    await composeFilters([layer('a') as never, layer('b') as never], service)(call('m'));
    assert.deepEqual(order, ['>a', '>b', '<b', '<a']);
  });
  it('throws INVALID_ARGUMENT for an unknown filter name', () => {
    assert.throws(() => createFilter('nope'), (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT));
  });
});
