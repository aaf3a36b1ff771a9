/**
 * Governance rules written into a real ZooKeeper while real calls flow
 * between a consumer and three providers on 127.0.0.1-3 (scenarios of
 * docs/governance.md): condition rules in the config-center form, registry
 * override URLs, tag routing, and a malformed rule that must be ignored.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '../../../common/rpc-error.js';
import { createRegistry } from '../../../registry/index.js';
import type { Registry } from '../../../registry/registry.js';
import { ServiceUrl } from '../../../registry/service-url.js';
import { RpcClient } from '../../../rpc/consumer/rpc-client.js';
import { governanceRulesOf } from '../../../rpc/governance/rules-of-proxy.js';
import { startServer, type TestServer } from '../../registry/helpers/servers.js';
import {
  CallFlow,
  type ConfigWriter,
  Demo,
  type DemoProxy,
  type Consumer,
  conditionRule,
  type Providers,
  SERVICE_KEY,
  startConsumer,
  startProviders,
  tagged,
  zookeeperWriter,
} from './governance-network-fixture.js';

/** Generous: the machine is shared; the measured times are printed. */
const SETTLE_MS = 5000;

describe('governance through a real ZooKeeper', () => {
  let zk: TestServer;
  let registryUrl: string;
  let providers: Providers;
  let consumer: Consumer;
  let writer: ConfigWriter;
  let operator: Registry;
  let A1: string;
  let A2: string;
  let A3: string;
  let B4: string;

  before(async () => {
    zk = await startServer('zookeeper');
    registryUrl = `zookeeper://${zk.address}`;
    // warmup 0: weights apply in full at once (no uptime scaling), so shares are predictable.
    providers = await startProviders(registryUrl, [{ region: 'hz', warmup: '0' }, { region: 'sh', warmup: '0' }, { warmup: '0' }, { 'dubbo.tag': 'gray', warmup: '0' }]);
    [A1, A2, A3, B4] = providers.addresses as [string, string, string, string];
    consumer = startConsumer(registryUrl);
    writer = await zookeeperWriter(zk.address);
    operator = createRegistry(registryUrl);
  });

  after(async () => {
    await consumer?.client.close();
    await providers?.stop();
    await operator?.close();
    await writer?.close();
    await zk?.dispose();
  });

  it('a condition rule added, changed and deleted while calls flow: no failed call, the selection follows', async () => {
    const flow = new CallFlow(consumer.demo);
    try {
      await flow.until([A1, A2, A3], SETTLE_MS);
      await writer.put(`${SERVICE_KEY}.condition-router`, conditionRule(['=> region = hz']));
      const added = await flow.until([A1], SETTLE_MS);
      const ungoverned = new RpcClient({ registry: registryUrl, application: 'shop-web', governance: { enabled: false } });
      try {
        const demo = ungoverned.refer(Demo, { retries: 0 }) as unknown as DemoProxy;
        const seen = new Set<string>();
        for (let i = 0; i < 40; i++) seen.add(await demo.whoAmI());
        assert.deepEqual([...seen].sort(), [A1, A2, A3, B4].sort(), 'a client with governance disabled ignores the rule and the tags');
      } finally {
        await ungoverned.close();
      }
      await writer.put(`${SERVICE_KEY}.condition-router`, conditionRule(['=> region = sh']));
      const changed = await flow.until([A2], SETTLE_MS);
      assert.deepEqual(Object.keys(governanceRulesOf(consumer.demo)?.documents ?? {}), [`${SERVICE_KEY}.condition-router`]);
      assert.match(governanceRulesOf(consumer.demo)!.documents[`${SERVICE_KEY}.condition-router`]!, /region = sh/);
      await writer.remove(`${SERVICE_KEY}.condition-router`);
      const deleted = await flow.until([A1, A2, A3], SETTLE_MS);
      console.log(`# rule applied after ${added.toFixed(0)} ms, changed after ${changed.toFixed(0)} ms, removed after ${deleted.toFixed(0)} ms (each incl. 20 calls)`);
      assert.deepEqual(flow.failures, []);
      for (const ms of [added, changed, deleted]) assert.ok(ms < 2000, `the selection took ${ms} ms to follow the rule`);
    } finally {
      await flow.stop();
    }
  });

  it('a malformed rule is reported and ignored; the previous rule stays', async () => {
    const flow = new CallFlow(consumer.demo);
    try {
      await writer.put(`${SERVICE_KEY}.condition-router`, conditionRule(['=> region = sh']));
      await flow.until([A2], SETTLE_MS);
      for (const bad of ['conditions: [unclosed', 'conditons: ["=> region = hz"]', conditionRule(['=> region = = hz'])]) {
        const reported = consumer.nextRuleError();
        await writer.put(`${SERVICE_KEY}.condition-router`, bad);
        const [source, error] = await reported;
        assert.equal(source, `${SERVICE_KEY}.condition-router`);
        assert.equal(error.code, ErrorCode.INVALID_ARGUMENT);
        await flow.until([A2], SETTLE_MS);
      }
      await writer.remove(`${SERVICE_KEY}.condition-router`);
      await flow.until([A1, A2, A3], SETTLE_MS);
      assert.deepEqual(flow.failures, []);
    } finally {
      await flow.stop();
    }
  });

  it('registry override URLs disable a provider and reweigh another; deleting them restores all', async () => {
    const [hz, sh] = [A1, A2].map((address) => address.split(':'));
    const disable = ServiceUrl.parse(`override://${sh![0]}:${sh![1]}/com.example.DemoService?category=configurators&dynamic=false&enabled=true&disabled=true`);
    const weigh = ServiceUrl.parse(`override://${hz![0]}:${hz![1]}/com.example.DemoService?category=configurators&dynamic=false&enabled=true&weight=300`);
    const flow = new CallFlow(consumer.demo);
    try {
      await flow.until([A1, A2, A3], SETTLE_MS);
      await operator.register(disable);
      await flow.until([A1, A3], SETTLE_MS);
      await operator.register(weigh);
      await flow.until([A1, A3], SETTLE_MS);
      const start = flow.answers.length;
      while (flow.answers.length < start + 400) await flow.until([A1, A3], SETTLE_MS, 1);
      const share = flow.answers.slice(start, start + 400).filter((answer) => answer === A1).length / 400;
      console.log(`# A1 answered ${(share * 100).toFixed(1)} % of 400 calls at weight 300 : 100`);
      assert.ok(share > 0.65 && share < 0.85, `A1 share ${share}`);
      await operator.unregister(disable);
      await operator.unregister(weigh);
      await flow.until([A1, A2, A3], SETTLE_MS);
      assert.deepEqual(flow.failures, []);
    } finally {
      await flow.stop();
    }
  });

  it('routes by static tag, falls back to untagged providers unless forced, and obeys a tag-router rule', async () => {
    assert.equal(await tagged(consumer.demo, 'gray').whoAmI(), B4);
    const fallback = new Set<string>();
    for (let i = 0; i < 40; i++) fallback.add(await tagged(consumer.demo, 'blue').whoAmI());
    assert.deepEqual([...fallback].sort(), [A1, A2, A3].sort());
    await assert.rejects(tagged(consumer.demo, 'blue', true).whoAmI(), { code: ErrorCode.NO_PROVIDER });

    const flow = new CallFlow(tagged(consumer.demo, 'canary'));
    try {
      await writer.put('shop-provider.tag-router', `force: false\nenabled: true\nkey: shop-provider\ntags:\n  - name: canary\n    addresses: ["${A3}"]`);
      await flow.until([A3], SETTLE_MS);
      const untagged = new Set<string>();
      for (let i = 0; i < 30; i++) untagged.add(await consumer.demo.whoAmI());
      assert.deepEqual([...untagged].sort(), [A1, A2].sort(), 'untagged calls avoid the addresses the rule names');
      assert.equal(await tagged(consumer.demo, 'gray').whoAmI(), B4, 'a tag the rule does not name still uses static tags');
      await writer.remove('shop-provider.tag-router');
      await flow.until([A1, A2, A3], SETTLE_MS);
      assert.deepEqual(flow.failures, []);
    } finally {
      await flow.stop();
    }
  });

  it('a side: provider configurator makes the provider re-register its weight; removing it restores the registered one', async () => {
    const reference = ServiceUrl.parse('consumer://127.0.0.1/com.example.DemoService?side=consumer');
    const registeredWeight = async () => (await operator.lookup(reference)).find((url) => `${url.host}:${url.port}` === A1)?.params.weight;
    const rule = `configVersion: v2.7\nscope: service\nkey: com.example.DemoService\nenabled: true\nconfigs:\n  - type: weight\n    enabled: true\n    side: provider\n    addresses: ["${A1}"]\n    parameters: {weight: "300"}`;
    const flow = new CallFlow(consumer.demo);
    try {
      await writer.put(`${SERVICE_KEY}.configurators`, rule);
      await until(async () => ((await registeredWeight()) === '300' ? true : undefined));
      await flow.until([A1, A2, A3], SETTLE_MS);
      const start = flow.answers.length;
      while (flow.answers.length < start + 500) await flow.until([A1, A2, A3], SETTLE_MS, 1);
      const share = flow.answers.slice(start, start + 500).filter((answer) => answer === A1).length / 500;
      console.log(`# A1 answered ${(share * 100).toFixed(1)} % of 500 calls at registered weights 300 : 100 : 100`);
      assert.ok(share > 0.5 && share < 0.7, `A1 share ${share}`);
      await writer.remove(`${SERVICE_KEY}.configurators`);
      await until(async () => ((await registeredWeight()) === '100' ? true : undefined));
      assert.deepEqual(flow.failures, []);
    } finally {
      await flow.stop();
    }
  });

  it('scenario 10: a configurator shortens the consumer timeout; mock force answers without a call; fail answers after a failure', async () => {
    await writer.put('shop-web.configurators', 'configVersion: v3.0\nscope: application\nkey: shop-web\nenabled: true\nconfigs:\n  - side: consumer\n    addresses: ["0.0.0.0"]\n    parameters: {timeout: "50"}');
    const timedOut = await until(async () => {
      const started = performance.now();
      try {
        await consumer.demo.nap(200);
        return undefined;
      } catch (err) {
        return { code: (err as { code?: string }).code, ms: performance.now() - started };
      }
    });
    assert.equal(timedOut.code, ErrorCode.TIMEOUT);
    assert.ok(timedOut.ms < 180, `timed out after ${timedOut.ms} ms`);

    const mock = ServiceUrl.parse('override://0.0.0.0/com.example.DemoService?category=configurators&dynamic=false&enabled=true&application=shop-web&mock=force%3Areturn+null');
    await operator.register(mock);
    await until(async () => ((await consumer.demo.whoAmI()) === null ? true : undefined));
    const before = providers.served.count;
    for (let i = 0; i < 10; i++) assert.equal(await consumer.demo.nap(200), null);
    assert.equal(providers.served.count, before, 'no call reached a provider');
    await operator.unregister(mock);

    const fail = mock.with({ params: { mock: 'fail:return null' } });
    await operator.register(fail);
    await until(async () => ((await consumer.demo.nap(200).catch(() => 'failed')) === null ? true : undefined));
    assert.match(await consumer.demo.whoAmI(), /^127\.0\.0\.\d:\d+$/, 'a call that works is answered by a provider');
    await operator.unregister(fail);
    await writer.remove('shop-web.configurators');
    await until(async () => ((await consumer.demo.nap(200).catch(() => undefined)) ? true : undefined));
  });
});

/** Repeats `attempt` until it gives a value, within SETTLE_MS. */
async function until<T>(attempt: () => Promise<T | undefined>): Promise<T> {
  const deadline = performance.now() + SETTLE_MS;
  while (performance.now() < deadline) {
    const value = await attempt();
    if (value !== undefined) return value;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`nothing changed within ${SETTLE_MS} ms`);
}
