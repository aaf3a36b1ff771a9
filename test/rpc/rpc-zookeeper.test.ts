/**
 * RpcServer and RpcClient through a real ZooKeeper (started on a free
 * loopback port by the registry tests' helper, scripts/services): the
 * provider registers on start, the consumer discovers it, and stop()
 * unregisters before closing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../common/rpc-error.js';
import { createRegistry } from '../../registry/index.js';
import { RpcClient } from '../../rpc/consumer/rpc-client.js';
import { RpcServer } from '../../rpc/provider/rpc-server.js';
import { defineService } from '../../rpc/service.js';
import { startServer, type TestServer } from '../registry/helpers/servers.js';

const Hello = defineService('org.example.zk.HelloService', { hi: { params: ['java.lang.String'], returns: 'java.lang.String' } });

describe('RPC through a ZooKeeper registry', () => {
  let zk: TestServer;
  let registryUrl: string;

  before(async () => {
    zk = await startServer('zookeeper');
    registryUrl = `zookeeper://${zk.address}`;
  });
  after(async () => {
    await zk?.dispose();
  });

  it('registers on start, is found by the consumer, and unregisters on stop', async () => {
    const server = new RpcServer({ port: 0, registry: registryUrl, application: 'zk-provider' });
    server.addService(Hello, { hi: (name) => `hi ${name}` }, { version: '1.0.0' });
    await server.start();
    const client = new RpcClient({ registry: registryUrl, application: 'zk-consumer' });
    const observer = createRegistry(registryUrl);
    try {
      const hello = client.refer(Hello, { version: '1.0.0', retries: 0 });
      assert.equal(await hello.hi('zk'), 'hi zk');

      const [url] = server.serviceUrls();
      const listed = await observer.lookup(url!);
      assert.ok(listed.some((provider) => provider.port === server.port), 'the provider URL is in ZooKeeper');

      await server.stop({ graceMs: 1000 });
      const afterStop = await observer.lookup(url!);
      assert.ok(!afterStop.some((provider) => provider.port === server.port), 'stop() removed the provider URL');
      await assert.rejects(hello.hi('gone'), (e) => isRpcError(e) && [ErrorCode.NO_PROVIDER, ErrorCode.NETWORK].includes(e.code as never));
    } finally {
      await observer.close();
      await client.close();
      await server.stop();
    }
  });
});
