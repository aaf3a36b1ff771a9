/**
 * Configurator `match` blocks (Dubbo 3 ConditionMatch) and the JSON-array
 * configurator form, applied by a consumer to the scenario providers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, type RpcError } from '../../../common/rpc-error.js';
import type { ServiceUrl } from '../../../registry/service-url.js';
import { GovernanceRules } from '../../../rpc/governance/governance-rules.js';
import { A1, A2, A3, CONSUMER_HOST, consumer, DEMO } from './governance-fixture.js';

const context = { side: 'consumer' as const, host: CONSUMER_HOST, application: 'shop-web' };
const SERVICE_RULE = `${DEMO}::`;

function rules(errors: [string, RpcError][] = [], host = CONSUMER_HOST): GovernanceRules {
  return new GovernanceRules(consumer(), { ...context, host }, (source, error) => errors.push([source, error]));
}

/** A service-scope v3.0 document with one consumer item setting weight 7 under `match`. */
function withMatch(match: string): string {
  return `configVersion: v3.0\nscope: service\nkey: ${DEMO}\nenabled: true\nconfigs:\n  - side: consumer\n    match: ${match}\n    parameters: {weight: "7"}`;
}

/** `host:port=weight` of each provider after the rules. */
function weighed(governance: GovernanceRules, providers: readonly ServiceUrl[] = [A1, A2, A3]): string[] {
  return governance.configureProviders(providers).map((url) => `${url.host}:${url.port}=${url.params.weight}`);
}

describe('configurator match blocks', () => {
  const cases: [string, string, string[]][] = [
    ['providerAddress exact', '{providerAddress: {exact: "127.0.0.2:20880"}}', ['127.0.0.2:20880']],
    ['providerAddress wildcard', '{providerAddress: {wildcard: "127.0.0.*"}}', ['127.0.0.1:20880', '127.0.0.2:20880', '127.0.0.3:20881']],
    ['providerAddress CIDR', '{providerAddress: {cird: "127.0.0.2/31"}}', ['127.0.0.2:20880', '127.0.0.3:20881']],
    ['address (the consumer IP) CIDR', '{address: {cird: "127.0.1.0/24"}}', ['127.0.0.1:20880', '127.0.0.2:20880', '127.0.0.3:20881']],
    ['address of another consumer', '{address: {exact: "127.0.1.8"}}', []],
    ['param exact', '{param: [{key: region, value: {exact: sh}}]}', ['127.0.0.2:20880']],
    ['param prefix', '{param: [{key: region, value: {prefix: h}}]}', ['127.0.0.1:20880']],
    ['param noempty (A3 has no region)', '{param: [{key: region, value: {noempty: "true"}}]}', ['127.0.0.1:20880', '127.0.0.2:20880']],
    ['param empty needs the param present, as Java', '{param: [{key: region, value: {empty: "true"}}]}', []],
    ['app oneof', '{app: {oneof: [{exact: other}, {prefix: shop-}]}}', ['127.0.0.1:20880', '127.0.0.2:20880', '127.0.0.3:20881']],
    ['app of another consumer', '{app: {oneof: [{exact: other}]}}', []],
    ['service wildcard', `{service: {oneof: [{wildcard: "com.example.*"}]}}`, ['127.0.0.1:20880', '127.0.0.2:20880', '127.0.0.3:20881']],
    ['service of another interface', '{service: {oneof: [{exact: com.example.Other}]}}', []],
    ['every part must hold', '{providerAddress: {wildcard: "*"}, param: [{key: region, value: {exact: hz}}], app: {oneof: [{exact: shop-web}]}}', ['127.0.0.1:20880']],
  ];
  for (const [name, match, chosen] of cases) {
    it(`${name}: configures ${chosen.length === 0 ? 'no provider' : chosen.join(', ')}`, () => {
      const errors: [string, RpcError][] = [];
      const governance = rules(errors);
      assert.equal(governance.setDocument(SERVICE_RULE, 'configurators', withMatch(match)), true, errors[0]?.[1].message);
      const expected = [A1, A2, A3].map((url) => `${url.host}:${url.port}=${chosen.includes(`${url.host}:${url.port}`) ? '7' : '100'}`);
      assert.deepEqual(weighed(governance), expected);
    });
  }

  it('applies match whatever the configVersion (Java reads it only for v3.0 and would widen a v2.7 item)', () => {
    const governance = rules();
    governance.setDocument(SERVICE_RULE, 'configurators', withMatch('{param: [{key: region, value: {exact: sh}}]}').replace('v3.0', 'v2.7'));
    assert.deepEqual(weighed(governance), ['127.0.0.1:20880=100', '127.0.0.2:20880=7', '127.0.0.3:20881=100']);
  });

  const refused: [string, string][] = [
    ['regex (could stall the event loop)', '{app: {oneof: [{regex: "shop-.*"}]}}'],
    ['an unknown match key', '{host: {exact: a}}'],
    ['two kinds in one StringMatch', '{param: [{key: region, value: {exact: a, prefix: b}}]}'],
    ['a bad CIDR', '{address: {cird: "127.0.1.0/40"}}'],
    ['an empty oneof', '{app: {oneof: []}}'],
    ['a param without key', '{param: [{value: {exact: a}}]}'],
  ];
  for (const [name, match] of refused) {
    it(`refuses ${name} and keeps the previous rule`, () => {
      const errors: [string, RpcError][] = [];
      const governance = rules(errors);
      governance.setDocument(SERVICE_RULE, 'configurators', withMatch('{param: [{key: region, value: {exact: sh}}]}'));
      assert.equal(governance.setDocument(SERVICE_RULE, 'configurators', withMatch(match)), false);
      assert.equal(errors[0]?.[1].code, ErrorCode.INVALID_ARGUMENT);
      assert.deepEqual(weighed(governance), ['127.0.0.1:20880=100', '127.0.0.2:20880=7', '127.0.0.3:20881=100']);
    });
  }
});

describe('the JSON-array configurator form', () => {
  const url = (address: string, query: string) => `override://${address}/${DEMO}?category=configurators&dynamic=false&enabled=true&${query}`;

  it('reads a JSON array of override URLs like registry-form rules', () => {
    const governance = rules();
    const text = JSON.stringify([url('127.0.0.2:20880', 'weight=7'), url('0.0.0.0', 'timeout=500'), url('127.0.0.3:20881', 'disabled=true')]);
    assert.equal(governance.setDocument(SERVICE_RULE, 'configurators', text), true);
    assert.deepEqual(weighed(governance), ['127.0.0.1:20880=100', '127.0.0.2:20880=7']);
    assert.equal(governance.configureConsumer().params.timeout, '500');
    assert.equal(governance.setDocument(SERVICE_RULE, 'configurators', '[]'), true);
    assert.deepEqual(weighed(governance), ['127.0.0.1:20880=100', '127.0.0.2:20880=100', '127.0.0.3:20881=100']);
  });

  it('skips URLs for another interface and refuses a non-configurator URL', () => {
    const errors: [string, RpcError][] = [];
    const governance = rules(errors);
    const other = `override://0.0.0.0/com.example.Other?weight=7`;
    assert.equal(governance.setDocument(SERVICE_RULE, 'configurators', JSON.stringify([other])), true);
    assert.deepEqual(weighed(governance, [A1]), ['127.0.0.1:20880=100']);
    assert.equal(governance.setDocument(SERVICE_RULE, 'configurators', JSON.stringify([`condition://0.0.0.0/${DEMO}?rule=x`])), false);
    assert.equal(errors[0]?.[1].code, ErrorCode.INVALID_ARGUMENT);
  });
});
