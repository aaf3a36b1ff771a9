/**
 * Configurators over the reference's own options: a rule's `cluster`,
 * `loadbalance`, `retries` or `timeout` wins over what refer() was given, on
 * the next call, and removing the rule gives the reference's back (Java
 * Dubbo applies configurators to the merged consumer/provider URL).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../../common/rpc-error.js';
import { ServiceUrl } from '../../../registry/service-url.js';
import { AdaptiveClusterInvoker } from '../../../rpc/cluster/adaptive-cluster-invoker.js';
import type { Directory, DirectoryListener } from '../../../rpc/cluster/directory/directory.js';
import { callParam } from '../../../rpc/cluster/reference-params.js';
import { ConfiguredInvoker } from '../../../rpc/governance/configured-invoker.js';
import { GovernanceRules } from '../../../rpc/governance/governance-rules.js';
import type { Invoker } from '../../../rpc/invoker.js';
import { failsWith, invocation, SERVICE, TestInvoker } from '../cluster/test-invoker.js';

const CONSUMER_HOST = '127.0.1.9';
const context = { side: 'consumer' as const, host: CONSUMER_HOST, application: 'shop-web' };

function reference(params: Record<string, string>): ServiceUrl {
  return new ServiceUrl({ protocol: 'consumer', host: CONSUMER_HOST, port: 0, path: SERVICE, params: { interface: SERVICE, side: 'consumer', application: 'shop-web', ...params } });
}

function override(address: string, query: string): ServiceUrl {
  return ServiceUrl.parse(`override://${address}/${SERVICE}?category=configurators&dynamic=false&enabled=true&${query}`);
}

/** The providers as the directory shows them under the rules. */
function view(rules: GovernanceRules, invokers: readonly Invoker[]): Invoker[] {
  return invokers.flatMap((invoker) => {
    const configured = rules.configuredProvider(invoker.url);
    if (!configured) return [];
    return configured.url === invoker.url && Object.keys(configured.written).length === 0 ? [invoker] : [new ConfiguredInvoker(configured.url, invoker, configured.written)];
  });
}

/** A directory whose list the test replaces, as a registry directory does after a rule change. */
class ChangingDirectory implements Directory {
  constructor(
    readonly url: ServiceUrl,
    public invokers: readonly Invoker[],
  ) {}
  list(): readonly Invoker[] {
    return this.invokers;
  }
  first(): Invoker | undefined {
    return this.invokers[0];
  }
  isAvailable(): boolean {
    return this.invokers.length > 0;
  }
  destroy(): void {}
  onChange(_listener: DirectoryListener): () => void {
    return () => {};
  }
}

describe('configurators over the reference options', () => {
  it('a consumer rule beats refer() options, method-level ones included; removing it restores them', () => {
    const ref = reference({ retries: '3', loadbalance: 'random', cluster: 'failover', 'echo.retries': '4' });
    const rules = new GovernanceRules(ref, context);
    const providers = [new TestInvoker(20880, undefined, { retries: '9' })];
    assert.equal(callParam(ref, view(rules, providers)[0], 'other', 'retries'), '3', 'the reference wins over the provider');
    rules.setRegistryConfigurators([override('0.0.0.0', 'retries=0&loadbalance=roundrobin&cluster=failfast')]);
    const [configured] = view(rules, providers);
    assert.equal(callParam(ref, configured, 'other', 'retries'), '0');
    assert.equal(callParam(ref, configured, 'echo', 'retries'), '0', "the rule's plain key beats the reference's method key");
    assert.equal(callParam(ref, configured, 'echo', 'loadbalance'), 'roundrobin');
    assert.equal(callParam(ref, configured, 'echo', 'cluster'), 'failfast');
    rules.setRegistryConfigurators([]);
    assert.equal(callParam(ref, view(rules, providers)[0], 'echo', 'retries'), '4');
    assert.equal(callParam(ref, view(rules, providers)[0], 'echo', 'cluster'), 'failover');
  });

  it('a rule for one provider address configures calls through that provider only; absent:// never beats the reference', () => {
    const ref = reference({ loadbalance: 'random' });
    const rules = new GovernanceRules(ref, context);
    const [one, two] = [new TestInvoker(20880), new TestInvoker(20881)];
    rules.setDocument(
      `${SERVICE}::`,
      'configurators',
      `scope: service\nkey: ${SERVICE}\nconfigs:\n  - side: consumer\n    providerAddresses: ["127.0.0.1:20881"]\n    parameters: {loadbalance: roundrobin}`,
    );
    const shown = view(rules, [one!, two!]);
    assert.equal(callParam(ref, shown[0], 'echo', 'loadbalance'), 'random');
    assert.equal(callParam(ref, shown[1], 'echo', 'loadbalance'), 'roundrobin');
    rules.setDocument(`${SERVICE}::`, 'configurators', undefined);
    rules.setRegistryConfigurators([ServiceUrl.parse(`absent://0.0.0.0/${SERVICE}?loadbalance=leastactive&sticky=true`)]);
    const [absent] = view(rules, [one!]);
    assert.equal(callParam(ref, absent, 'echo', 'loadbalance'), 'random');
    assert.equal(callParam(ref, absent, 'echo', 'sticky'), 'true');
  });

  it('a rule whose value equals the provider registered one still beats the reference', () => {
    const ref = reference({ retries: '3' });
    const rules = new GovernanceRules(ref, context);
    rules.setRegistryConfigurators([override('0.0.0.0', 'retries=1')]);
    const [configured] = view(rules, [new TestInvoker(20880, undefined, { retries: '1' })]);
    assert.equal(callParam(ref, configured, 'echo', 'retries'), '1');
  });

  it('the strategy follows a cluster rule on the next call and returns to the reference when it goes', async () => {
    const ref = reference({ cluster: 'failover', retries: '2' });
    const rules = new GovernanceRules(ref, context);
    const failing = [new TestInvoker(20880, failsWith(ErrorCode.NETWORK)), new TestInvoker(20881)];
    const directory = new ChangingDirectory(ref, view(rules, failing));
    const cluster = new AdaptiveClusterInvoker(directory);
    assert.equal(await cluster.invoke(invocation()), 20881, 'failover tries the second provider');
    rules.setRegistryConfigurators([override('0.0.0.0', 'cluster=failsafe')]);
    directory.invokers = view(rules, [failing[0]!]);
    assert.equal(await cluster.invoke(invocation()), undefined, 'failsafe swallows the failure');
    rules.setRegistryConfigurators([override('0.0.0.0', 'cluster=failfast')]);
    directory.invokers = view(rules, [failing[0]!]);
    await assert.rejects(cluster.invoke(invocation()), { code: ErrorCode.NETWORK });
    rules.setRegistryConfigurators([override('0.0.0.0', 'cluster=no-such-strategy')]);
    directory.invokers = view(rules, failing);
    assert.equal(await cluster.invoke(invocation()), 20881, "an unknown name gives the reference's strategy, not a failed call");
    rules.setRegistryConfigurators([]);
    directory.invokers = view(rules, failing);
    assert.equal(await cluster.invoke(invocation()), 20881);
  });

  it('a retries rule beats refer({ retries }) and counts as explicit (a timeout is re-sent)', async () => {
    const ref = reference({ cluster: 'failover', retries: '0' });
    const rules = new GovernanceRules(ref, context);
    const timingOut = [new TestInvoker(20880, failsWith(ErrorCode.TIMEOUT)), new TestInvoker(20881, failsWith(ErrorCode.TIMEOUT))];
    const attempts = () => timingOut[0]!.calls + timingOut[1]!.calls;
    const directory = new ChangingDirectory(ref, view(rules, timingOut));
    const cluster = new AdaptiveClusterInvoker(directory);
    await assert.rejects(cluster.invoke(invocation()), { code: ErrorCode.TIMEOUT });
    assert.equal(attempts(), 1);
    rules.setRegistryConfigurators([override('0.0.0.0', 'retries=1')]);
    directory.invokers = view(rules, timingOut);
    await assert.rejects(cluster.invoke(invocation()), { code: ErrorCode.TIMEOUT });
    assert.equal(attempts(), 3, 'the rule allowed one retry');
    rules.setRegistryConfigurators([]);
    directory.invokers = view(rules, timingOut);
    await assert.rejects(cluster.invoke(invocation()), { code: ErrorCode.TIMEOUT });
    assert.equal(attempts(), 4, "the reference's retries: 0 is back");
  });

  it('leaves provider URLs untouched when no rule concerns them', () => {
    const rules = new GovernanceRules(reference({}), context);
    rules.setRegistryConfigurators([override('127.0.1.8', 'retries=1')]);
    const provider = new TestInvoker(20880);
    assert.equal(view(rules, [provider])[0], provider);
  });
});
