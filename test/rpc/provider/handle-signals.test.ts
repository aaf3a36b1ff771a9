/**
 * RpcServer's `handleSignals` option, in this process: the options it refuses,
 * the grace it stops with on SIGTERM / SIGINT, and when it raises the signal
 * again. `process.emit(name, name)` runs the handlers as a delivered signal does; the
 * re-raise goes through `process.kill`, replaced by a recorder for the test so
 * the runner's process survives (test/rpc/provider/provider-signal.test.ts
 * checks the real exit in a child process).
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ErrorCode, isRpcError, type RpcError } from '../../../common/rpc-error.js';
import { RpcClient } from '../../../rpc/consumer/rpc-client.js';
import { RpcContext } from '../../../rpc/context.js';
import { type RpcServerOptions, RpcServer } from '../../../rpc/provider/rpc-server.js';
import { defineService } from '../../../rpc/service.js';
import { until } from '../rpc-fixture.js';

const Plain = defineService('org.example.Plain', { who: { params: [], returns: 'java.lang.String' } });

type SignalName = 'SIGTERM' | 'SIGINT';
const SIGNALS: SignalName[] = ['SIGTERM', 'SIGINT'];

/** The listeners the test runner had, set aside so each test sees only its own. */
let setAside: Map<SignalName, Array<(...args: unknown[]) => void>>;
let kills: Array<[number, string | number | undefined]>;
/** Servers a test started, stopped after it even when it failed half-way. */
const started: RpcServer[] = [];
const realKill = process.kill;

beforeEach(() => {
  setAside = new Map();
  for (const name of SIGNALS) {
    setAside.set(name, process.rawListeners(name) as Array<(...args: unknown[]) => void>);
    process.removeAllListeners(name);
  }
  kills = [];
  process.kill = ((pid: number, signal?: string | number) => {
    kills.push([pid, signal]);
    return true;
  }) as typeof process.kill;
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((server) => server.stop({ graceMs: 0 })));
  process.kill = realKill;
  for (const name of SIGNALS) {
    process.removeAllListeners(name);
    for (const listener of setAside.get(name)!) process.on(name, listener);
  }
});

/** A started server on a free port whose info lines are recorded. */
async function startServer(handleSignals: RpcServerOptions['handleSignals']) {
  const infos: Array<[object, string]> = [];
  const server = new RpcServer({ port: 0, handleSignals, logger: { info: (fields, message) => infos.push([fields, message]) } });
  started.push(server);
  server.addService(Plain, { who: () => 'x' });
  await server.start();
  return { server, infos };
}

function refused(handleSignals: RpcServerOptions['handleSignals'], got: string): void {
  assert.throws(
    () => new RpcServer({ handleSignals }),
    (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT) && e.message === `RpcServer: handleSignals.graceMs must be a number >= 0, got ${got}`,
    String(got),
  );
}

describe('RpcServer handleSignals', () => {
  it('refuses a grace that is negative, not finite or not a number, at construction', () => {
    refused({ graceMs: -1 }, '-1');
    refused({ graceMs: Number.NaN }, 'NaN');
    refused({ graceMs: Number.POSITIVE_INFINITY }, 'Infinity');
    refused({ graceMs: '5' as never }, '5');
    new RpcServer({ handleSignals: { graceMs: 0 } });
  });

  it('listens to no signal when absent or false', async () => {
    for (const handleSignals of [undefined, false]) {
      const { server } = await startServer(handleSignals);
      assert.deepEqual(
        SIGNALS.map((name) => process.listenerCount(name)),
        [0, 0],
        String(handleSignals),
      );
      await server.stop({ graceMs: 0 });
    }
  });

  it('stops on SIGTERM with a 5000 ms grace by default, and leaves the signal to another listener', async () => {
    for (const handleSignals of [true, {}] as const) {
      const { server, infos } = await startServer(handleSignals);
      const other = () => {};
      process.on('SIGTERM', other);
      assert.deepEqual(
        SIGNALS.map((name) => process.listenerCount(name)),
        [2, 1],
      );
      process.emit('SIGTERM', 'SIGTERM');
      assert.deepEqual(infos, [[{ signal: 'SIGTERM' }, 'SIGTERM: stopping within 5000 ms']], JSON.stringify(handleSignals));
      await until(() => server.closing, 'the server to start closing');
      await server.stop();
      assert.deepEqual(
        SIGNALS.map((name) => process.listenerCount(name)),
        [1, 0],
        'only the other listener is left',
      );
      assert.deepEqual(kills, [], 'another listener handles the signal');
      process.removeListener('SIGTERM', other);
    }
  });

  it('stops on SIGINT with the grace given, then raises SIGINT again when nobody else listens', async () => {
    const { server, infos } = await startServer({ graceMs: 250 });
    process.emit('SIGINT', 'SIGINT');
    assert.deepEqual(infos, [[{ signal: 'SIGINT' }, 'SIGINT: stopping within 250 ms']]);
    await until(() => server.closing, 'the server to start closing');
    await server.stop();
    assert.deepEqual(kills, [[process.pid, 'SIGINT']]);
    assert.deepEqual(
      SIGNALS.map((name) => process.listenerCount(name)),
      [0, 0],
    );
  });

  it('gives calls in flight the grace of handleSignals, not the default one', async () => {
    const server = new RpcServer({ port: 0, handleSignals: { graceMs: 0 } });
    started.push(server);
    const reasons: string[] = [];
    let entered = false;
    server.addService(Plain, {
      who: () => {
        entered = true;
        const signal = RpcContext.current()!.signal!;
        return new Promise<string>((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            reasons.push((signal.reason as RpcError).message);
            reject(signal.reason);
          });
        });
      },
    });
    await server.start();
    const client = new RpcClient({ timeoutMs: 60_000 });
    try {
      const pending = client
        .refer(Plain, { url: `dubbo://127.0.0.1:${server.port}` })
        .who()
        .catch((err: unknown) => err);
      await until(() => entered, 'the call to reach the provider');
      process.emit('SIGTERM', 'SIGTERM');
      await server.stop();
      assert.deepEqual(reasons, ['the server stopped; its 0 ms grace ended']);
      await pending;
    } finally {
      await client.close({ graceMs: 0 });
    }
  });
});
