/**
 * The configurator and condition scenarios again through a real etcd: the
 * same keys as ZooKeeper (`/dubbo/<iface>/configurators/…` and
 * `/dubbo/config/dubbo/<key>`), read through prefix and exact-key watches.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '../../../common/rpc-error.js';
import { createRegistry } from '../../../registry/index.js';
import type { Registry } from '../../../registry/registry.js';
import { ServiceUrl } from '../../../registry/service-url.js';
import { startServer, type TestServer } from '../../registry/helpers/servers.js';
import { CallFlow, type ConfigWriter, type Consumer, conditionRule, etcdWriter, type Providers, SERVICE_KEY, startConsumer, startProviders } from './governance-network-fixture.js';

const SETTLE_MS = 5000;

describe('governance through a real etcd', () => {
  let etcd: TestServer;
  let registryUrl: string;
  let providers: Providers;
  let consumer: Consumer;
  let writer: ConfigWriter;
  let operator: Registry;
  let A1: string;
  let A2: string;
  let A3: string;

  before(async () => {
    etcd = await startServer('etcd');
    registryUrl = `etcd://${etcd.address}`;
    providers = await startProviders(registryUrl, [{ region: 'hz', warmup: '0' }, { region: 'sh', warmup: '0' }, { warmup: '0' }]);
    [A1, A2, A3] = providers.addresses as [string, string, string];
    consumer = startConsumer(registryUrl);
    writer = etcdWriter(etcd.address);
    operator = createRegistry(registryUrl);
  });

  after(async () => {
    await consumer?.client.close();
    await providers?.stop();
    await operator?.close();
    await writer?.close();
    await etcd?.dispose();
  });

  it('condition rules: per-condition fallback, a block rule, change and delete while calls flow', async () => {
    const flow = new CallFlow(consumer.demo);
    try {
      await flow.until([A1, A2, A3], SETTLE_MS);
      const port3 = A3.split(':')[1];
      await writer.put(`${SERVICE_KEY}.condition-router`, conditionRule(['method = whoAmI => region = hz', `=> port = ${port3}`]));
      await flow.until([A1], SETTLE_MS);
      await writer.put(`${SERVICE_KEY}.condition-router`, conditionRule(['=> region != sh']));
      await flow.until([A1], SETTLE_MS);
      await writer.put(`${SERVICE_KEY}.condition-router`, conditionRule(['=> region = bj']));
      await flow.until([A1, A2, A3], SETTLE_MS);
      const reported = consumer.nextRuleError();
      await writer.put(`${SERVICE_KEY}.condition-router`, 'conditions: [');
      assert.equal((await reported)[1].code, ErrorCode.INVALID_ARGUMENT);
      await writer.remove(`${SERVICE_KEY}.condition-router`);
      await flow.until([A1, A2, A3], SETTLE_MS);
      assert.deepEqual(flow.failures, []);
    } finally {
      await flow.stop();
    }
    await writer.put(`${SERVICE_KEY}.condition-router`, conditionRule(['host = 127.0.1.9 =>']));
    try {
      await waitForFailure(consumer, ErrorCode.NO_PROVIDER);
    } finally {
      await writer.remove(`${SERVICE_KEY}.condition-router`);
    }
    const recovered = new CallFlow(consumer.demo);
    await recovered.until([A1, A2, A3], SETTLE_MS).finally(() => recovered.stop());
  });

  it('configurators: a registry override and a config-center document disable providers; removing them restores all', async () => {
    const flow = new CallFlow(consumer.demo);
    try {
      await flow.until([A1, A2, A3], SETTLE_MS);
      const disable = ServiceUrl.parse(`override://${A2}/com.example.DemoService?category=configurators&dynamic=false&enabled=true&disabled=true`);
      await operator.register(disable);
      await flow.until([A1, A3], SETTLE_MS);
      await writer.put(`${SERVICE_KEY}.configurators`, `scope: service\nkey: com.example.DemoService\nenabled: true\nconfigs:\n  - side: consumer\n    addresses: ["0.0.0.0"]\n    providerAddresses: ["${A3}"]\n    parameters: {disabled: "true"}`);
      await flow.until([A1], SETTLE_MS);
      await operator.unregister(disable);
      await flow.until([A1, A2], SETTLE_MS);
      await writer.remove(`${SERVICE_KEY}.configurators`);
      await flow.until([A1, A2, A3], SETTLE_MS);
      assert.deepEqual(flow.failures, []);
    } finally {
      await flow.stop();
    }
  });
});

/** Calls until one fails with `code` (the block rule reaches the consumer), within SETTLE_MS. */
async function waitForFailure(consumer: Consumer, code: string): Promise<void> {
  const deadline = performance.now() + SETTLE_MS;
  while (performance.now() < deadline) {
    try {
      await consumer.demo.whoAmI();
    } catch (err) {
      assert.equal((err as { code?: string }).code, code);
      return;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.fail(`no call failed with ${code} within ${SETTLE_MS} ms`);
}
