import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../common/rpc-error.js';
import { RpcClient } from '../../rpc/consumer/rpc-client.js';
import { DemoService, startDemoProvider } from './rpc-fixture.js';

describe('RPC over WebSocket', () => {
  it('carries the same Dubbo frames as binary messages', async () => {
    const provider = await startDemoProvider({ transport: 'ws', path: '/dubbo' });
    const client = new RpcClient();
    try {
      const demo = client.refer(DemoService, { url: `ws://127.0.0.1:${provider.server.port}/dubbo`, version: '1.0.0' });
      assert.equal(await demo.sayHello('ws'), 'Hello ws');
      const sums = await Promise.all(Array.from({ length: 200 }, (_, i) => demo.add(i, i)));
      assert.deepEqual(sums, Array.from({ length: 200 }, (_, i) => 2 * i));
      await assert.rejects(demo.fail('over ws'), (e) => isRpcError(e, ErrorCode.SERVICE_ERROR));
    } finally {
      await client.close();
      await provider.server.stop({ graceMs: 0 });
    }
  });

  it('also accepts transport: "ws" on a dubbo:// URL', async () => {
    const provider = await startDemoProvider({ transport: 'ws' });
    const client = new RpcClient();
    try {
      const demo = client.refer(DemoService, { url: provider.url, transport: 'ws', version: '1.0.0' });
      assert.equal(await demo.add(1, 1), 2);
    } finally {
      await client.close();
      await provider.server.stop({ graceMs: 0 });
    }
  });
});
