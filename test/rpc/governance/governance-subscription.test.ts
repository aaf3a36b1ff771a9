/**
 * Rule watches that cannot start — the registry is down when the reference
 * subscribes — are reported once and tried again with backoff, so the rules
 * written once the registry is back are obeyed (real ZooKeeper and etcd,
 * stopped and started by the test).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, type RpcError } from '../../../common/rpc-error.js';
import { createRegistry } from '../../../registry/index.js';
import type { Registry } from '../../../registry/registry.js';
import { ServiceUrl } from '../../../registry/service-url.js';
import { GovernanceRules } from '../../../rpc/governance/governance-rules.js';
import { GovernanceSubscription, RETRY_MAX_MS } from '../../../rpc/governance/governance-subscription.js';
import { type ServerKind, startServer, type TestServer } from '../../registry/helpers/servers.js';
import { consumer, DEMO } from './governance-fixture.js';
import { conditionRule, type ConfigWriter, etcdWriter, SERVICE_KEY, until, zookeeperWriter } from './governance-network-fixture.js';

/** A retry comes at most 1.5 × RETRY_MAX_MS after the last failure; a few of them fit well inside. */
const RECOVER_MS = 20_000;

for (const kind of ['zookeeper', 'etcd'] as ServerKind[]) {
  describe(`rule watches while ${kind} is down at subscribe time`, () => {
    let server: TestServer;
    let registry: Registry | undefined;
    let operator: Registry | undefined;
    let writer: ConfigWriter | undefined;

    before(async () => {
      server = await startServer(kind);
      await server.stop();
    });

    after(async () => {
      await registry?.close();
      await operator?.close();
      await writer?.close();
      await server?.dispose();
    });

    it('reports each watch once, retries with backoff, and obeys the rules written after the registry is back', async () => {
      const errors: [string, RpcError][] = [];
      // A short session timeout: a ZooKeeper client that never reached a server is replaced after one (registry/zookeeper-connection.ts).
      registry = createRegistry(`${kind}://${server.address}?timeout=1s&session.timeout=4s`);
      const rules = new GovernanceRules(consumer(), { side: 'consumer', host: '127.0.1.9', application: 'shop-web' }, (source, error) => errors.push([source, error]));
      const subscription = new GovernanceSubscription(rules, [registry], (source, error) => errors.push([source, error]));
      try {
        await subscription.ready();
        const sources = errors.map(([source]) => source);
        assert.ok(sources.includes(`${SERVICE_KEY}.condition-router`), `reported: ${sources.join(', ')}`);
        assert.ok(sources.includes(`${kind} configurators`), `reported: ${sources.join(', ')}`);
        assert.equal(new Set(sources).size, sources.length, 'each watch is reported once');
        for (const [, error] of errors) assert.equal(error.code, ErrorCode.REGISTRY_UNAVAILABLE);
        const reported = errors.length;

        await server.start();
        writer = kind === 'zookeeper' ? await zookeeperWriter(server.address) : etcdWriter(server.address);
        operator = createRegistry(`${kind}://${server.address}`);
        const text = conditionRule(['=> region = hz']);
        await writer.put(`${SERVICE_KEY}.condition-router`, text);
        const disable = ServiceUrl.parse(`override://127.0.0.2:20880/${DEMO}?category=configurators&dynamic=false&enabled=true&disabled=true`);
        await operator.register(disable);
        const started = performance.now();
        await until(() => (rules.rulesInEffect().documents[`${SERVICE_KEY}.condition-router`] === text ? true : undefined), 'the condition rule', RECOVER_MS);
        await until(() => (rules.rulesInEffect().registryConfigurators.length === 1 ? true : undefined), 'the override', RECOVER_MS);
        console.log(`# ${kind}: the rules were read ${(performance.now() - started).toFixed(0)} ms after they were written (retries at most ${RETRY_MAX_MS * 1.5} ms apart)`);
        assert.equal(errors.length, reported, 'the retries report nothing more');
      } finally {
        await subscription.close();
      }
    });
  });
}
