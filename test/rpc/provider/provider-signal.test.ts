/**
 * `RpcContext.current().signal` on the provider: aborted at the caller's
 * deadline, when the caller's connection closes, and when a graceful stop's
 * grace ends — with real consumers and providers on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError, type RpcError } from '../../../common/rpc-error.js';
import { RpcClient } from '../../../rpc/consumer/rpc-client.js';
import { RpcContext } from '../../../rpc/context.js';
import { withCallOptions } from '../../../rpc/consumer/proxy.js';
import { RpcServer } from '../../../rpc/provider/rpc-server.js';
import { defineService } from '../../../rpc/service.js';

const Jobs = defineService('com.example.Jobs', {
  waitForAbort: { params: [], returns: 'java.lang.String' },
  quick: { params: [], returns: 'java.lang.String' },
});

interface Abort {
  reason: RpcError;
  /** Ms from the method's start to the abort. */
  afterMs: number;
}

/** A provider whose `waitForAbort` hangs until its signal aborts, then reports how and when. */
async function startJobs() {
  const server = new RpcServer({ port: 0 });
  const aborts: Abort[] = [];
  let entered = 0;
  const waiters: Array<() => void> = [];
  server.addService(Jobs, {
    waitForAbort: () => {
      const started = performance.now();
      const signal = RpcContext.current()!.signal!;
      entered++;
      for (const wake of waiters.splice(0)) wake();
      return new Promise<string>((_resolve, reject) => {
        signal.addEventListener('abort', () => {
          aborts.push({ reason: signal.reason as RpcError, afterMs: performance.now() - started });
          reject(signal.reason);
        });
      });
    },
    quick: () => 'done',
  });
  await server.start();
  const url = `dubbo://127.0.0.1:${server.port}`;
  const untilEntered = (count: number) => (entered >= count ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(() => entered >= count && resolve())));
  return { server, url, aborts, untilEntered };
}

describe('the provider signal', () => {
  it("aborts with TIMEOUT soon after the caller's deadline", async () => {
    const jobs = await startJobs();
    const client = new RpcClient();
    try {
      const proxy = withCallOptions(client.refer(Jobs, { url: jobs.url }), { timeoutMs: 300 });
      await assert.rejects(proxy.waitForAbort(), (e) => isRpcError(e, ErrorCode.TIMEOUT));
      while (jobs.aborts.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      const [abort] = jobs.aborts;
      assert.equal(abort!.reason.code, ErrorCode.TIMEOUT);
      assert.ok(abort!.afterMs > 200 && abort!.afterMs < 300 + 200, `aborted after ${Math.round(abort!.afterMs)} ms`);
    } finally {
      await client.close({ graceMs: 0 });
      await jobs.server.stop({ graceMs: 0 });
    }
  });

  it("aborts with NETWORK when the caller's connection closes", async () => {
    const jobs = await startJobs();
    const client = new RpcClient({ timeoutMs: 60_000 });
    try {
      const pending = client.refer(Jobs, { url: jobs.url }).waitForAbort().catch((err: unknown) => err);
      await jobs.untilEntered(1);
      await client.close({ graceMs: 0 });
      assert.ok(isRpcError(await pending, ErrorCode.CLIENT_CLOSED));
      while (jobs.aborts.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.equal(jobs.aborts[0]!.reason.code, ErrorCode.NETWORK);
    } finally {
      await jobs.server.stop({ graceMs: 0 });
    }
  });

  it("aborts with SERVER_SHUTTING_DOWN when a graceful stop's grace ends, and stop() returns", async () => {
    const jobs = await startJobs();
    const client = new RpcClient({ timeoutMs: 60_000 });
    try {
      const pending = client.refer(Jobs, { url: jobs.url }).waitForAbort().catch((err: unknown) => err);
      await jobs.untilEntered(1);
      const started = performance.now();
      await jobs.server.stop({ graceMs: 200 });
      assert.ok(performance.now() - started < 200 + 1000, 'stop() ended soon after its grace');
      assert.equal(jobs.aborts[0]?.reason.code, ErrorCode.SERVER_SHUTTING_DOWN);
      assert.equal(jobs.aborts[0]?.reason.message, 'the server stopped; its 200 ms grace ended');
      assert.ok(isRpcError(await pending));
    } finally {
      await client.close({ graceMs: 0 });
      await jobs.server.stop({ graceMs: 0 });
    }
  });
});
