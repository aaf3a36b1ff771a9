import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { ErrorCode, isRpcError, RpcError } from '../../../common/rpc-error.js';
import { checkFilters, composeFilters, createFilter, type Filter, filterNames, type Next } from '../../../rpc/filter.js';
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

describe('filters built by name (the keys a Dubbo URL or an options object uses)', () => {
  it('lists every built-in under its Dubbo key', () => {
    for (const name of ['echo', 'token', 'accesslog', 'tps', 'execute', 'actives', 'generic_service', 'shutdown', 'metrics']) {
      assert.ok(filterNames().includes(name), name);
    }
  });
  it('names the unknown filter in the error', () => {
    assert.throws(() => createFilter('nope'), (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT) && /unknown filter: nope/.test(e.message));
  });
  it('refuses a filter that is not a function when the filters are given, naming what it got', () => {
    assert.throws(() => checkFilters([echoFilter(), 'token' as unknown as Filter]), (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT) && /got string/.test(e.message));
    const filters = [echoFilter()];
    assert.equal(checkFilters(filters), filters);
  });
  it('accesslog records through the sink it is given', async () => {
    const entries: AccessLogEntry[] = [];
    await composeFilters([createFilter('accesslog', { sink: (e: AccessLogEntry) => entries.push(e) })], service)(call('m'));
    assert.deepEqual(entries.map((e) => e.method), ['m']);
  });
  it('tps counts calls per window', async () => {
    const chain = composeFilters([createFilter('tps', { rate: 1 })], service);
    await chain(call('m'));
    await assert.rejects(chain(call('m')), (e) => isRpcError(e, ErrorCode.LIMIT_EXCEEDED));
  });
  it('execute limits calls in flight', async () => {
    const held = gate();
    const chain = composeFilters([createFilter('execute', { max: 1 })], held.next);
    const first = chain(call('m'));
    await assert.rejects(chain(call('m')), (e) => isRpcError(e, ErrorCode.LIMIT_EXCEEDED));
    held.release();
    await first;
  });
  it('generic_service unwraps $invoke', async () => {
    assert.equal(await composeFilters([createFilter('generic_service')], service)(call('$invoke', ['hi', [], [1]])), 'called hi(1)');
  });
  it('shutdown uses the tracker it is given, or one of its own', async () => {
    const tracker = new ShutdownTracker();
    const held = gate();
    const pending = composeFilters([createFilter('shutdown', tracker)], held.next)(call('m'));
    assert.equal(tracker.active, 1);
    held.release();
    await pending;
    assert.equal(await composeFilters([createFilter('shutdown')], service)(call('m')), 'called m()');
  });
  it('metrics counts in the registry it is given', async () => {
    const registry = new Registry();
    await composeFilters([createFilter('metrics', { registry })], service)(call('m'));
    assert.match(await registry.metrics(), /rpc_calls_total\{side="provider",service="demo.Svc",method="m",outcome="OK"\} 1/);
  });
});

describe('accessLogFilter, more', () => {
  it('measures how long the call took', async () => {
    const entries: AccessLogEntry[] = [];
    const slow: Next = () => new Promise((resolve) => setTimeout(() => resolve('late'), 30));
    const before = performance.now();
    await composeFilters([accessLogFilter({ sink: (e) => entries.push(e) })], slow)(call('m'));
    const elapsed = performance.now() - before;
    const [entry] = entries;
    assert.ok(entry && entry.durationMs >= 20 && entry.durationMs <= elapsed, `durationMs ${entry?.durationMs}, call took ${elapsed}`);
    assert.ok(Math.abs(entry.startedAt - Date.now()) < 10_000);
  });
  it('records a failure that is not an RpcError as ERROR', async () => {
    const entries: AccessLogEntry[] = [];
    const broken: Next = async () => {
      throw new TypeError('bug');
    };
    await assert.rejects(composeFilters([accessLogFilter({ sink: (e) => entries.push(e) })], broken)(call('m')), TypeError);
    assert.deepEqual(entries.map((e) => e.outcome), ['ERROR']);
  });
  it('writes one JSON line on console.info by default', async (t) => {
    const lines: unknown[] = [];
    t.mock.method(console, 'info', (line: unknown) => lines.push(line));
    await composeFilters([accessLogFilter()], service)(call('m'));
    assert.equal(lines.length, 1);
    assert.equal(JSON.parse(String(lines[0])).method, 'm');
  });
});

describe('tpsLimitFilter, more', () => {
  it('refuses bad options with INVALID_ARGUMENT, never a TypeError', () => {
    const bad = [undefined, {}, { rate: 1.5 }, { rate: -1 }, { rate: 1, intervalMs: 0 }, { rate: 1, intervalMs: -5 }, { rate: 1, intervalMs: Number.NaN }];
    for (const options of bad) {
      assert.throws(() => tpsLimitFilter(options as never), (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT) && /integer rate/.test(e.message), JSON.stringify(options));
    }
  });
  it('names the limit and the method in the error', async () => {
    const chain = composeFilters([tpsLimitFilter({ rate: 1, intervalMs: 60_000 })], service);
    await chain(call('m'));
    await assert.rejects(chain(call('m')), (e) => isRpcError(e, ErrorCode.LIMIT_EXCEEDED) && e.message.includes('1/60000ms') && e.message.includes('demo.Svc#m'));
  });
  it('counts the whole service together with perMethod: false', async () => {
    const chain = composeFilters([tpsLimitFilter({ rate: 2, perMethod: false })], service);
    await chain(call('a'));
    await chain(call('b'));
    await assert.rejects(chain(call('c')), (e) => isRpcError(e, ErrorCode.LIMIT_EXCEEDED) && /for demo\.Svc$/.test(e.message));
  });
});

describe('concurrencyLimitFilter, more', () => {
  it('refuses bad options with INVALID_ARGUMENT, never a TypeError', () => {
    for (const options of [undefined, {}, { max: 0 }, { max: 1.5 }, { max: -2 }, { max: '3' }]) {
      assert.throws(() => concurrencyLimitFilter(options as never), (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT) && /integer max/.test(e.message), JSON.stringify(options));
    }
  });
  it('counts methods separately by default, naming the method in the error', async () => {
    const held = gate();
    const chain = composeFilters([concurrencyLimitFilter({ max: 1 })], held.next);
    const first = chain(call('a'));
    await assert.rejects(chain(call('a')), (e) => isRpcError(e, ErrorCode.LIMIT_EXCEEDED) && /more than 1 calls in flight for demo\.Svc#a/.test(e.message));
    const other = chain(call('b'));
    held.release();
    assert.deepEqual(await Promise.all([first, other]), ['done', 'done']);
  });
  it('counts the whole service together with perMethod: false', async () => {
    const held = gate();
    const chain = composeFilters([concurrencyLimitFilter({ max: 1, perMethod: false })], held.next);
    const first = chain(call('a'));
    await assert.rejects(chain(call('b')), (e) => isRpcError(e, ErrorCode.LIMIT_EXCEEDED) && /for demo\.Svc$/.test(e.message));
    held.release();
    await first;
  });
  it('keeps counting the calls still in flight when one of several ends', async () => {
    const first = gate();
    const second = gate();
    let turn = 0;
    const next: Next = (invocation) => (turn++ === 0 ? first.next(invocation) : turn === 2 ? second.next(invocation) : service(invocation));
    const chain = composeFilters([concurrencyLimitFilter({ max: 2 })], next);
    const a = chain(call('m'));
    const b = chain(call('m'));
    first.release();
    await a;
    // One call (b) is still in flight: one more is admitted, the next is over the limit.
    const c = chain(call('m'));
    await assert.rejects(chain(call('m')), (e) => isRpcError(e, ErrorCode.LIMIT_EXCEEDED));
    second.release();
    await Promise.all([b, c]);
  });
});

describe('genericFilter, more', () => {
  const echoInvocation: Next = async (invocation) => ({ method: invocation.methodName, types: invocation.parameterTypes, args: invocation.args });
  const chain = composeFilters([genericFilter()], echoInvocation);
  it('passes the parameter types on, as strings', async () => {
    assert.deepEqual(await chain(call('$invoke', ['hi', ['java.lang.String', 'int'], ['a', 1]])), { method: 'hi', types: ['java.lang.String', 'int'], args: ['a', 1] });
  });
  it('treats null or missing type and argument lists as empty', async () => {
    assert.deepEqual(await chain(call('$invoke', ['hi', null, null])), { method: 'hi', types: [], args: [] });
    assert.deepEqual(await chain(call('$invoke', ['hi', undefined, undefined])), { method: 'hi', types: [], args: [] });
    assert.deepEqual(await chain(call('$invoke', ['hi', ['int'], null])), { method: 'hi', types: ['int'], args: [] });
  });
  it('unwraps $invokeAsync the same way', async () => {
    assert.deepEqual(await chain(call('$invokeAsync', ['hi', [], [2]])), { method: 'hi', types: [], args: [2] });
  });
  it('refuses a generic call of another $-method, or with a list that is not one, saying what is wrong', async () => {
    await assert.rejects(chain(call('$invoke', ['$echo', [], [1]])), (e) => isRpcError(e, ErrorCode.BAD_REQUEST) && /method name, a type list/.test(e.message));
    assert.deepEqual(await chain(call('$invoke', ['get$', [], []])), { method: 'get$', types: [], args: [] });
    await assert.rejects(chain(call('$invoke', ['hi', ['int'], 'x'])), (e) => isRpcError(e, ErrorCode.BAD_REQUEST) && /must be lists/.test(e.message));
    await assert.rejects(chain(call('$invoke', ['hi', 'int', [1]])), (e) => isRpcError(e, ErrorCode.BAD_REQUEST) && /must be lists/.test(e.message));
  });
});

describe('gracefulShutdownFilter, more', () => {
  it('leaves the tracker when the rest of the chain throws at once', async () => {
    const tracker = new ShutdownTracker();
    const throwsNow: Next = () => {
      throw new RpcError(ErrorCode.BAD_REQUEST, 'sync');
    };
    await assert.rejects(composeFilters([gracefulShutdownFilter(tracker)], throwsNow)(call('m')), (e) => isRpcError(e, ErrorCode.BAD_REQUEST));
    assert.equal(tracker.active, 0);
  });
});

describe('metricsFilter, more', () => {
  it('counts a failure that is not an RpcError as ERROR, on the side it is given', async () => {
    const registry = new Registry();
    const broken: Next = async () => {
      throw new TypeError('bug');
    };
    await assert.rejects(composeFilters([metricsFilter({ registry, side: 'consumer' })], broken)(call('m')), TypeError);
    assert.match(await registry.metrics(), /rpc_calls_total\{side="consumer",service="demo.Svc",method="m",outcome="ERROR"\} 1/);
  });
});
