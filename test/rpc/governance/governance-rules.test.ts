import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, type RpcError } from '../../../common/rpc-error.js';
import { ServiceUrl } from '../../../registry/service-url.js';
import { parseConfiguratorYaml } from '../../../rpc/governance/configurator-yaml.js';
import { GovernanceRules } from '../../../rpc/governance/governance-rules.js';
import { OverrideConfigurator } from '../../../rpc/governance/override-configurator.js';
import { A1, A2, A3, ALL_A, addresses, CONSUMER_HOST, call, consumer, conditionYaml, DEMO } from './governance-fixture.js';

const context = { side: 'consumer' as const, host: CONSUMER_HOST, application: 'shop-web' };

function rules(errors: [string, RpcError][] = [], reference = consumer()): GovernanceRules {
  return new GovernanceRules(reference, context, (source, error) => errors.push([source, error]));
}

function override(address: string, query: string): ServiceUrl {
  return ServiceUrl.parse(`override://${address}/${DEMO}?category=configurators&dynamic=false&enabled=true&${query}`);
}

const weights = (urls: ServiceUrl[]) => urls.map((url) => `${url.host}:${url.port}=${url.params.weight}`);

describe('configurators: the scenarios', () => {
  it('9: registry overrides disable one provider and reweigh another; deleting them restores the registered values', () => {
    const governance = rules();
    governance.setRegistryConfigurators([override('127.0.0.2:20880', 'disabled=true')]);
    assert.deepEqual(addresses(governance.configureProviders([A1, A2, A3]).map((url) => ({ url }))), ['127.0.0.1:20880', '127.0.0.3:20881']);
    governance.setRegistryConfigurators([override('127.0.0.2:20880', 'disabled=true'), override('127.0.0.1:20880', 'weight=300')]);
    assert.deepEqual(weights(governance.configureProviders([A1, A2, A3])), ['127.0.0.1:20880=300', '127.0.0.3:20881=100']);
    governance.setRegistryConfigurators([ServiceUrl.parse(`empty://${CONSUMER_HOST}/${DEMO}?category=configurators`)]);
    assert.deepEqual(weights(governance.configureProviders([A1, A2, A3])), ['127.0.0.1:20880=100', '127.0.0.2:20880=100', '127.0.0.3:20881=100']);
  });

  it('9: the same override with enabled=false has no effect', () => {
    const governance = rules();
    governance.setRegistryConfigurators([override('127.0.0.2:20880', 'disabled=true').with({ params: { enabled: 'false' } })]);
    assert.equal(governance.configureProviders([A1, A2, A3]).length, 3);
  });

  it('10: an application configurator sets the consumer timeout; a registry override sets mock for its application', () => {
    const governance = rules();
    const yaml = 'configVersion: v3.0\nscope: application\nkey: shop-web\nenabled: true\nconfigs:\n  - side: consumer\n    addresses: ["0.0.0.0"]\n    parameters: {timeout: "50"}';
    assert.equal(governance.setDocument('shop-web', 'configurators', yaml), true);
    assert.equal(governance.configureConsumer().params.timeout, '50');
    governance.setRegistryConfigurators([override('0.0.0.0', 'application=shop-web&mock=force%3Areturn+null')]);
    assert.equal(governance.configureConsumer().params.mock, 'force:return null');
    governance.setRegistryConfigurators([override('0.0.0.0', 'application=other-app&mock=force%3Areturn+null')]);
    assert.equal(governance.configureConsumer().params.mock, undefined);
    governance.setDocument('shop-web', 'configurators', undefined);
    assert.equal(governance.configureConsumer().params.timeout, undefined);
  });
});

describe('override matching (Dubbo 2.6 rules for URLs without configVersion)', () => {
  const apply = (rule: ServiceUrl, target: ServiceUrl) => new OverrideConfigurator(rule).configure(target, context).params.weight;

  it('a rule with a port targets that provider; 0.0.0.0 with a port targets every provider on it', () => {
    assert.equal(apply(override('127.0.0.1:20880', 'weight=7'), A1), '7');
    assert.equal(apply(override('127.0.0.1:20880', 'weight=7'), A2), '100');
    assert.equal(apply(override('0.0.0.0:20880', 'weight=7'), A2), '7');
    assert.equal(apply(override('0.0.0.0:20880', 'weight=7'), A3), '100');
  });

  it('a rule without a port matches the consumer IP or 0.0.0.0, never another consumer', () => {
    assert.equal(apply(override(CONSUMER_HOST, 'weight=7'), A1), '7');
    assert.equal(apply(override('0.0.0.0', 'weight=7'), A1), '7');
    assert.equal(apply(override('127.0.1.8', 'weight=7'), A1), '100');
  });

  it('~key and side conditions must hold; absent:// only adds missing params', () => {
    assert.equal(apply(override('0.0.0.0', 'weight=7&~region=hz'), A1), '7');
    assert.equal(apply(override('0.0.0.0', 'weight=7&~region=hz'), A2), '100');
    assert.equal(apply(override('0.0.0.0', 'weight=7&side=provider'), A1), '100');
    const absent = ServiceUrl.parse(`absent://0.0.0.0/${DEMO}?weight=7&loadbalance=roundrobin`);
    const configured = new OverrideConfigurator(absent).configure(A1, context);
    assert.equal(configured.params.weight, '100');
    assert.equal(configured.params.loadbalance, 'roundrobin');
  });

  it('sorts by host then priority, so a specific provider beats 0.0.0.0', () => {
    const governance = rules();
    governance.setRegistryConfigurators([override('127.0.0.1:20880', 'weight=300'), override('0.0.0.0', 'weight=50')]);
    assert.deepEqual(weights(governance.configureProviders([A1, A2])), ['127.0.0.1:20880=300', '127.0.0.2:20880=50']);
  });

  it('skips rules for another interface, group or version, and dubbo-admin compatible_config copies', () => {
    const governance = rules();
    governance.setRegistryConfigurators([
      override('0.0.0.0', 'weight=1').with({ path: 'com.example.Other' }),
      override('0.0.0.0', 'weight=2&group=g1'),
      override('0.0.0.0', 'weight=3&version=2.0'),
      override('0.0.0.0', 'weight=4&compatible_config=true'),
    ]);
    assert.deepEqual(weights(governance.configureProviders([A1])), ['127.0.0.1:20880=100']);
    const grouped = rules([], consumer({ group: 'g1' }));
    grouped.setRegistryConfigurators([override('0.0.0.0', 'weight=2&group=g1'), override('0.0.0.0', 'timeout=9')]);
    assert.deepEqual(weights(grouped.configureProviders([A1])), ['127.0.0.1:20880=2']);
  });
});

describe('configurators YAML', () => {
  it('turns service-scope items into one override URL per address and application', () => {
    const urls = parseConfiguratorYaml(`scope: service\nkey: g1/${DEMO}:1.0\nenabled: true\nconfigs:\n  - addresses: ["127.0.0.1:20880", "0.0.0.0"]\n    applications: [a, b]\n    side: consumer\n    parameters: {sayHello.timeout: "10", retries: "0"}`).map((configurator) => configurator.url);
    assert.equal(urls.length, 4);
    const first = urls[0]!;
    assert.equal(first.protocol, 'override');
    assert.equal(first.address, '127.0.0.1:20880');
    assert.deepEqual([first.path, first.params.group, first.params.version, first.params.application], [DEMO, 'g1', '1.0', 'a']);
    assert.equal(first.params['sayHello.timeout'], '10');
    assert.equal(first.params.configVersion, 'v2.7');
  });

  it('applies consumer-side items on the consumer and leaves provider-side items to providers', () => {
    const governance = rules();
    governance.setDocument(`${DEMO}::`, 'configurators', `scope: service\nkey: ${DEMO}\nenabled: true\nconfigs:\n  - side: consumer\n    providerAddresses: ["127.0.0.2:20880"]\n    parameters: {weight: "5"}\n  - side: provider\n    addresses: ["127.0.0.1:20880"]\n    parameters: {weight: "9"}`);
    assert.deepEqual(weights(governance.configureProviders([A1, A2])), ['127.0.0.1:20880=100', '127.0.0.2:20880=5']);
  });

  it('typed items take their own enabled flag, general ones the rule flag', () => {
    const governance = rules();
    governance.setDocument(`${DEMO}::`, 'configurators', `scope: service\nkey: ${DEMO}\nenabled: false\nconfigs:\n  - type: weight\n    enabled: true\n    parameters: {weight: "5"}\n  - parameters: {timeout: "5"}`);
    const [configured] = governance.configureProviders([A1]);
    assert.equal(configured!.params.weight, '5');
    assert.equal(configured!.params.timeout, undefined);
  });

  const hostile: [string, string][] = [
    ['bad YAML', 'configs: ['],
    ['an unknown key', 'key: a\nconfig: []'],
    ['an unknown item key', 'key: a\nconfigs:\n  - paramters: {a: "1"}'],
    ['empty parameters', 'key: a\nconfigs:\n  - parameters: {}'],
    ['a __proto__ parameter', 'key: a\nconfigs:\n  - parameters: {__proto__: {polluted: "1"}}'],
    ['a nested parameter', 'key: a\nconfigs:\n  - parameters: {a: {b: c}}'],
    ['a bad address', 'key: a\nconfigs:\n  - addresses: ["a/b:1"]\n    parameters: {a: "1"}'],
    ['a regex match', 'key: a\nconfigs:\n  - match: {app: {oneof: [{regex: ".*"}]}}\n    parameters: {a: "1"}'],
    ['no key', 'configs: []'],
  ];
  for (const [name, text] of hostile) {
    it(`refuses ${name}, reports it and keeps the previous rule`, () => {
      const errors: [string, RpcError][] = [];
      const governance = rules(errors);
      governance.setDocument('shop-web', 'configurators', 'key: shop-web\nscope: application\nconfigs:\n  - parameters: {timeout: "77"}');
      assert.equal(governance.setDocument('shop-web', 'configurators', text), false);
      assert.equal(errors.length, 1);
      assert.equal(errors[0]![0], 'shop-web.configurators');
      assert.equal(errors[0]![1].code, ErrorCode.INVALID_ARGUMENT);
      assert.equal(governance.configureConsumer().params.timeout, '77');
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });
  }
});

describe('GovernanceRules routing', () => {
  it('orders registry routers, the tag router and config-center condition rules, and reports bad registry rules', () => {
    const errors: [string, RpcError][] = [];
    const governance = rules(errors);
    const rule = (text: string) => ServiceUrl.parse(`condition://0.0.0.0/${DEMO}?category=routers&force=true&rule=${encodeURIComponent(text)}`);
    governance.setRegistryRouters([rule('=> host = 127.0.0.1,127.0.0.2'), rule('=> host = = x')]);
    assert.equal(errors.length, 1);
    governance.setDocument(`${DEMO}::`, 'condition-router', conditionYaml(['=> region = sh']));
    const targets = [A1, A2, A3].map((url) => ({ url }));
    const chain = governance.routerChain('shop-provider');
    assert.deepEqual(addresses(chain.route(targets, consumer(), call())), ['127.0.0.2:20880']);
    assert.equal(governance.setDocument(`${DEMO}::`, 'condition-router', 'conditions: ["=> region ="]'), false);
    assert.deepEqual(addresses(governance.routerChain('shop-provider').route(targets, consumer(), call())), ['127.0.0.2:20880']);
    governance.setDocument(`${DEMO}::`, 'condition-router', undefined);
    governance.setRegistryRouters([]);
    assert.deepEqual(addresses(governance.routerChain('shop-provider').route(targets, consumer(), call())), ALL_A);
    assert.deepEqual(Object.keys(governance.rulesInEffect().documents), []);
  });

  it('caches the routers that do not read the call, per provider list', () => {
    const governance = rules();
    let reads = 0;
    const counted = [A1, A2].map((url) => ({
      get url() {
        reads++;
        return url;
      },
    }));
    governance.setRegistryRouters([ServiceUrl.parse(`condition://0.0.0.0/${DEMO}?rule=${encodeURIComponent('=> region = hz')}`)]);
    const chain = governance.routerChain('shop-provider');
    chain.route(counted, consumer(), call());
    const afterFirst = reads;
    chain.route(counted, consumer(), call());
    chain.route(counted, consumer(), call());
    // Only the tag router reads the (already filtered) list again.
    assert.ok(reads - afterFirst <= 2 * 2, `read ${reads - afterFirst} URLs on cached calls`);
  });
});
