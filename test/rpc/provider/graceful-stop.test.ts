import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../../common/rpc-error.js';
import { RpcClient } from '../../../rpc/consumer/rpc-client.js';
import { DemoService, startDemoProvider, until } from '../rpc-fixture.js';

describe('RpcServer.stop', () => {
  it('finishes calls in flight and refuses new ones with SERVER_SHUTTING_DOWN', async () => {
    const provider = await startDemoProvider();
    const client = new RpcClient({ timeoutMs: 30_000 });
    try {
      const demo = client.refer(DemoService, { url: provider.url, version: '1.0.0', retries: 0 });
      const inFlight = Array.from({ length: 50 }, (_, i) => demo.slow(`call ${i}`));
      await until(() => provider.gate.entered === 50, 'the 50 calls to reach the provider');
      const stopped = provider.server.stop({ graceMs: 30_000 });
      await until(() => provider.server.closing, 'the server to start closing');
      await assert.rejects(demo.sayHello('too late'), (e) => isRpcError(e, ErrorCode.SERVER_SHUTTING_DOWN));
      provider.gate.release();
      const results = await Promise.all(inFlight);
      assert.deepEqual(results, Array.from({ length: 50 }, (_, i) => `slow call ${i}`));
      await stopped;
      assert.equal(provider.server.activeCalls, 0);
      await assert.rejects(demo.sayHello('after stop'), (e) => isRpcError(e, ErrorCode.NETWORK));
    } finally {
      await client.close();
      await provider.server.stop();
    }
  });

  it('closes after graceMs even when a call never ends', async () => {
    const provider = await startDemoProvider();
    const client = new RpcClient({ timeoutMs: 30_000 });
    try {
      const demo = client.refer(DemoService, { url: provider.url, version: '1.0.0', retries: 0 });
      const stuck = demo.slow('stuck').then(
        () => assert.fail('the stuck call cannot succeed'),
        (err: unknown) => err,
      );
      await until(() => provider.gate.entered === 1, 'the call to reach the provider');
      await provider.server.stop({ graceMs: 20 });
      assert.ok(isRpcError(await stuck, ErrorCode.NETWORK));
    } finally {
      provider.gate.release();
      await client.close();
    }
  });
});
