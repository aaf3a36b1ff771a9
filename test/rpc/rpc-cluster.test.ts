import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RpcClient } from '../../rpc/client.js';
import { RpcContext } from '../../rpc/context.js';
import { RpcServer } from '../../rpc/server.js';
import { defineService } from '../../rpc/service.js';

// A read: idempotent, so a call caught on the connection of the provider being stopped
// (written before the consumer saw the close) is re-sent to the other one.
const Where = defineService('test.Where', { name: { params: [], returns: 'java.lang.String', idempotent: true } });

async function startNamed(name: string): Promise<RpcServer> {
  const server = new RpcServer({ port: 0 });
  server.addService(Where, { name: () => `${name}@${RpcContext.current()!.localAddress}` });
  await server.start();
  return server;
}

describe('references over several providers', () => {
  it('spreads calls with the load balancer and fails over when a provider stops', async () => {
    const a = await startNamed('a');
    const b = await startNamed('b');
    const client = new RpcClient();
    try {
      const where = client.refer(Where, {
        url: `dubbo://127.0.0.1:${a.port},dubbo://127.0.0.1:${b.port}`,
        loadbalance: 'roundrobin',
      });
      const names = await Promise.all(Array.from({ length: 10 }, async () => (await where.name()) ?? ''));
      const counts = { a: names.filter((n) => n.startsWith('a@')).length, b: names.filter((n) => n.startsWith('b@')).length };
      assert.deepEqual(counts, { a: 5, b: 5 });

      await a.stop({ graceMs: 0 });
      const after = await Promise.all(Array.from({ length: 6 }, async () => (await where.name()) ?? ''));
      assert.ok(after.every((n) => n.startsWith('b@')), `all calls failed over to b: ${after.join(', ')}`);
    } finally {
      await client.close();
      await a.stop();
      await b.stop({ graceMs: 0 });
    }
  });

  it('finds providers through a registry (a direct dubbo:// list)', async () => {
    const a = await startNamed('a');
    const client = new RpcClient({ registry: `dubbo://127.0.0.1:${a.port}` });
    try {
      const where = client.refer(Where, {});
      // The first call waits for the registry's first provider list.
      const name = await where.name();
      assert.match(name ?? '', /^a@/);
    } finally {
      await client.close();
      await a.stop({ graceMs: 0 });
    }
  });
});
