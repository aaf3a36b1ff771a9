/**
 * The cluster over real providers: three RpcServers on 127.0.0.1 and one
 * RpcClient reference listing them, checking that balancing and failover hold
 * over real sockets, not only over in-process invokers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RpcClient } from '../../../rpc/consumer/rpc-client.js';
import { RpcServer } from '../../../rpc/provider/rpc-server.js';
import { defineService } from '../../../rpc/service.js';

const WhoService = defineService('org.example.cluster.WhoService', {
  who: { params: ['java.lang.String'], returns: 'int' },
});

async function startProvider(): Promise<RpcServer> {
  const server = new RpcServer({ host: '127.0.0.1', port: 0 });
  server.addService(WhoService, { who: async () => server.port });
  await server.start();
  return server;
}

describe('cluster over real providers', () => {
  let servers: RpcServer[] = [];
  let client: RpcClient;

  before(async () => {
    servers = await Promise.all([startProvider(), startProvider(), startProvider()]);
    client = new RpcClient({ application: 'cluster-test' });
  });

  after(async () => {
    await client.close({ graceMs: 0 });
    await Promise.all(servers.map((server) => server.stop({ graceMs: 0 })));
  });

  const urls = () => servers.map((server) => `dubbo://127.0.0.1:${server.port}`).join(',');

  it('round-robins 300 calls exactly 100 per provider', async () => {
    const who = client.refer(WhoService, { url: urls(), loadbalance: 'roundrobin', timeoutMs: 3000 });
    const counts = new Map<number, number>();
    for (let i = 0; i < 300; i++) {
      const port = (await who.who('x')) as number;
      counts.set(port, (counts.get(port) ?? 0) + 1);
    }
    assert.deepEqual([...counts.values()], [100, 100, 100]);
  });

  it('keeps every call succeeding while one provider stops mid-stream (failover)', async () => {
    const who = client.refer(WhoService, { url: urls(), cluster: 'failover', retries: 2, timeoutMs: 3000 });
    const victim = servers[1]!;
    const victimPort = victim.port;
    let stopped: Promise<void> | undefined;
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 1500; i++) {
      calls.push(who.who(String(i)));
      if (i === 500) stopped = victim.stop({ graceMs: 0 });
      if (i % 50 === 0) await Promise.all(calls.slice(-50));
    }
    const results = await Promise.allSettled(calls);
    await stopped;
    const failures = results.filter((result) => result.status === 'rejected');
    assert.equal(failures.length, 0, `first failure: ${(failures[0] as PromiseRejectedResult | undefined)?.reason}`);
    const answeredBy = (from: number, to: number) => results.slice(from, to).map((result) => (result as PromiseFulfilledResult<number>).value);
    assert.ok(answeredBy(0, 500).includes(victimPort), 'the victim never served before it stopped');
    assert.ok(!answeredBy(1000, 1500).includes(victimPort), 'the stopped provider still answered');
  });
});
