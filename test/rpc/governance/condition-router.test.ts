import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../../common/rpc-error.js';
import { ServiceUrl } from '../../../registry/service-url.js';
import { ConditionRouter } from '../../../rpc/governance/condition-router.js';
import { parseConditionRouterYaml } from '../../../rpc/governance/condition-router-yaml.js';
import { ConditionRule } from '../../../rpc/governance/condition-rule.js';
import { ALL_A, addresses, call, consumer, conditionYaml, SET_A } from './governance-fixture.js';

function routeYaml(conditions: string[], options: { force?: boolean; request?: ReturnType<typeof call>; from?: ServiceUrl } = {}): string[] {
  const router = parseConditionRouterYaml(conditionYaml(conditions, options.force));
  assert.ok(router);
  return addresses(router.route(SET_A, options.from ?? consumer(), options.request ?? call()));
}

describe('condition routing: the scenarios', () => {
  it('1: a when-part on the method routes only that method', () => {
    assert.deepEqual(routeYaml(['method = sayHello => region = hz'], { request: call('sayHello') }), ['127.0.0.1:20880']);
    assert.deepEqual(routeYaml(['method = sayHello => region = hz'], { request: call('sayBye') }), ALL_A);
  });

  it('2: a then-part matching nobody is ignored without force and empties the list with force', () => {
    assert.deepEqual(routeYaml(['=> region = bj']), ALL_A);
    assert.deepEqual(routeYaml(['=> region = bj'], { force: true }), []);
  });

  it('3: a provider without the key fails a != condition (Dubbo 3)', () => {
    assert.deepEqual(routeYaml(['=> region != sh']), ['127.0.0.1:20880']);
  });

  it('4: a block rule leaves no provider for the consumer it names, whatever force says', () => {
    assert.deepEqual(routeYaml(['host = 127.0.1.9 =>']), []);
    assert.deepEqual(routeYaml(['host = 127.0.1.9 => false'], { force: false }), []);
    assert.deepEqual(routeYaml(['host = 127.0.1.9 =>'], { from: consumer({}, '127.0.1.8') }), ALL_A);
  });

  it('5: each condition falls back on its own (Java), so a later empty one does not undo an earlier one', () => {
    assert.deepEqual(routeYaml(['method = sayHello => region = hz', '=> port = 20881']), ['127.0.0.1:20880']);
  });

  it('6: argument ranges select the call and $ refers to the consumer parameter', () => {
    const rule = ['method = getUser & arguments[0] = 1~100 => region = $region'];
    assert.deepEqual(routeYaml(rule, { request: call('getUser', [42]) }), ['127.0.0.1:20880']);
    assert.deepEqual(routeYaml(rule, { request: call('getUser', [500]) }), ALL_A);
    assert.deepEqual(routeYaml(rule, { request: call('getUser', ['not a number']) }), ALL_A);
  });
});

describe('condition rule grammar', () => {
  const from = consumer({ application: 'shop-web' });
  const pick = (text: string, request = call()) => addresses(new ConditionRouter({ conditions: [text], force: true }).route(SET_A, from, request));

  it('reads comma lists, wildcards, != and & together', () => {
    assert.deepEqual(pick('=> host = 127.0.0.1,127.0.0.3'), ['127.0.0.1:20880', '127.0.0.3:20881']);
    assert.deepEqual(pick('=> host = 127.0.0.*'), ALL_A);
    assert.deepEqual(pick('=> host = 127.0.0.* & port != 20881'), ['127.0.0.1:20880', '127.0.0.2:20880']);
    assert.deepEqual(pick('=> address = *:20881'), ['127.0.0.3:20881']);
    assert.deepEqual(pick('=> host = *.0.2'), ['127.0.0.2:20880']);
    assert.deepEqual(pick('=> host = 127*2'), ['127.0.0.2:20880']);
    assert.deepEqual(pick('=> port = ~20880'), ['127.0.0.1:20880', '127.0.0.2:20880']);
    assert.deepEqual(pick('=> port = 20881~'), ['127.0.0.3:20881']);
  });

  it('drops consumer. and provider. prefixes and reads the consumer application', () => {
    assert.deepEqual(pick('consumer.application = shop-web => provider.region = sh'), ['127.0.0.2:20880']);
    assert.deepEqual(pick('application = other => region = sh'), ALL_A);
  });

  it('matches attachments and leaves calls without them alone', () => {
    const rule = 'attachments[env] = gray => region = sh';
    assert.deepEqual(pick(rule, call('sayHello', [], { env: 'gray' })), ['127.0.0.2:20880']);
    assert.deepEqual(pick(rule, call('sayHello', [], {})), ALL_A);
    assert.deepEqual(pick(rule, call('sayHello', [], { env: { not: 'text' } })), ALL_A);
  });

  it('says which rules read the call', () => {
    assert.equal(ConditionRule.parse('method = a => region = hz').readsCall, true);
    assert.equal(ConditionRule.parse('arguments[1] = 3 => region = hz').readsCall, true);
    assert.equal(ConditionRule.parse('host = 127.0.0.1 => region = hz').readsCall, false);
    assert.equal(ConditionRule.parse('=> region = hz').readsCall, false);
  });

  const bad = ['host = ', '= a => b = c', 'host = a, => x = y', 'host == a => b = c', '=> a = b & ', 'a => b = c', '=> a = 1~x', '=> a = ~', 'a = b => c = d => e = f', 'host = a b => c = d'];
  for (const text of bad) {
    it(`refuses "${text}" with INVALID_ARGUMENT`, () => {
      assert.throws(() => ConditionRule.parse(text), (err: { code?: string }) => err.code === ErrorCode.INVALID_ARGUMENT);
    });
  }

  it('refuses over-long text and __proto__ keys', () => {
    assert.throws(() => ConditionRule.parse(`=> host = ${'a'.repeat(9000)}`), { code: ErrorCode.INVALID_ARGUMENT });
    assert.throws(() => ConditionRule.parse('=> __proto__ = x'), { code: ErrorCode.INVALID_ARGUMENT });
  });

  it('reads the registry form with force, priority and enabled', () => {
    const url = ServiceUrl.parse(`condition://0.0.0.0/com.example.DemoService?category=routers&dynamic=false&force=true&priority=3&rule=${encodeURIComponent('=> region = bj')}`);
    const router = ConditionRouter.fromUrl(url);
    assert.equal(router.priority, 3);
    assert.deepEqual(addresses(router.route(SET_A, from, call())), []);
    const disabled = ConditionRouter.fromUrl(url.with({ params: { enabled: 'false' } }));
    assert.deepEqual(addresses(disabled.route(SET_A, from, call())), ALL_A);
    assert.throws(() => ConditionRouter.fromUrl(ServiceUrl.parse('condition://0.0.0.0/com.example.DemoService?force=true')), { code: ErrorCode.BAD_URL });
  });
});

describe('condition-router YAML', () => {
  it('accepts a rule without configVersion, as dubbo-admin writes it', () => {
    const router = parseConditionRouterYaml('scope: service\nkey: com.example.DemoService\nenabled: true\nforce: true\nruntime: false\npriority: 1\nconditions:\n  - "=> region = sh"');
    assert.deepEqual(addresses(router!.route(SET_A, consumer(), call())), ['127.0.0.2:20880']);
  });

  it('treats an empty document as no rule and enabled: false as a rule that routes nothing', () => {
    assert.equal(parseConditionRouterYaml('  \n'), undefined);
    const off = parseConditionRouterYaml('enabled: false\nforce: true\nconditions: ["=> region = bj"]');
    assert.deepEqual(addresses(off!.route(SET_A, consumer(), call())), ALL_A);
  });

  const hostile: [string, string][] = [
    ['bad YAML', 'conditions: [unclosed'],
    ['an unknown key', 'conditons:\n  - "=> region = hz"'],
    ['a __proto__ key', '__proto__: {polluted: yes}\nconditions: []'],
    ['a grammar error', 'conditions: ["host = => region = hz"]'],
    ['a non-boolean force', 'force: maybe\nconditions: []'],
    ['a multi-destination rule', 'configVersion: v3.1\nconditions: []'],
    ['an object condition', 'conditions:\n  - from: {match: "method = a"}'],
    ['a top-level list', '- a\n- b'],
    ['too much text', `conditions:\n${'  - "=> region = hz"\n'.repeat(4000)}`],
    ['alias bombs', `a: &a [x, x]\nb: &b [*a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d]`],
  ];
  for (const [name, text] of hostile) {
    it(`refuses ${name} with INVALID_ARGUMENT and changes no prototype`, () => {
      assert.throws(() => parseConditionRouterYaml(text), { code: ErrorCode.INVALID_ARGUMENT });
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });
  }
});
