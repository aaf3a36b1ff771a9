import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../../common/rpc-error.js';
import { TagRouter } from '../../../rpc/governance/tag-router.js';
import { TagRule } from '../../../rpc/governance/tag-rule.js';
import { addresses, call, consumer, provider, SET_B } from './governance-fixture.js';

const tagged = (attachments: Record<string, unknown>) => call('sayHello', [], attachments);

describe('tag routing: the scenarios', () => {
  it('7: static tags, with fallback to untagged providers unless dubbo.force.tag', () => {
    const router = new TagRouter();
    const from = consumer();
    assert.deepEqual(addresses(router.route(SET_B, from, tagged({ 'dubbo.tag': 'gray' }))), ['127.0.0.2:20880']);
    assert.deepEqual(addresses(router.route(SET_B, from, tagged({ 'dubbo.tag': 'blue' }))), ['127.0.0.1:20880', '127.0.0.3:20880']);
    assert.deepEqual(addresses(router.route(SET_B, from, tagged({ 'dubbo.tag': 'blue', 'dubbo.force.tag': 'true' }))), []);
    assert.deepEqual(addresses(router.route(SET_B, from, tagged({}))), ['127.0.0.1:20880', '127.0.0.3:20880']);
  });

  it('7: the consumer URL tag applies when the call carries none', () => {
    const router = new TagRouter();
    assert.deepEqual(addresses(router.route(SET_B, consumer({ 'dubbo.tag': 'gray' }), tagged({}))), ['127.0.0.2:20880']);
    assert.deepEqual(addresses(router.route(SET_B, consumer({ 'dubbo.tag': 'gray' }), tagged({ 'dubbo.tag': 'blue' }))), ['127.0.0.1:20880', '127.0.0.3:20880']);
  });

  it('8: a tag-router rule assigns addresses; untagged calls avoid them; unknown tags fall back past them', () => {
    const rule = TagRule.parse('force: false\nenabled: true\nkey: shop-provider\ntags:\n  - name: canary\n    addresses: ["127.0.0.3:20880"]');
    const router = new TagRouter(rule);
    const from = consumer();
    assert.deepEqual(addresses(router.route(SET_B, from, tagged({ 'dubbo.tag': 'canary' }))), ['127.0.0.3:20880']);
    assert.deepEqual(addresses(router.route(SET_B, from, tagged({}))), ['127.0.0.1:20880']);
    assert.deepEqual(addresses(router.route(SET_B, from, tagged({ 'dubbo.tag': 'gray' }))), ['127.0.0.2:20880']);
    assert.deepEqual(addresses(router.route(SET_B, from, tagged({ 'dubbo.tag': 'blue' }))), ['127.0.0.1:20880']);
  });

  it('keeps an empty selection of a named tag when the rule forces', () => {
    const rule = TagRule.parse('force: true\ntags:\n  - name: canary\n    addresses: ["127.0.0.9:20880"]');
    assert.deepEqual(addresses(new TagRouter(rule).route(SET_B, consumer(), tagged({ 'dubbo.tag': 'canary' }))), []);
    const loose = TagRule.parse('force: false\ntags:\n  - name: canary\n    addresses: ["127.0.0.9:20880"]');
    assert.deepEqual(addresses(new TagRouter(loose).route(SET_B, consumer(), tagged({ 'dubbo.tag': 'canary' }))), ['127.0.0.1:20880', '127.0.0.3:20880']);
  });

  it('selects by match entries and by address globs and port-only addresses', () => {
    const targets = [provider('127.0.0.1', 1, { env: 'gray' }), provider('127.0.0.2', 2), provider('127.0.1.3', 3)].map((url) => ({ url }));
    const rule = TagRule.parse('tags:\n  - name: g\n    match: [{key: env, value: {exact: gray}}]\n  - name: p\n    addresses: ["0.0.0.0:2"]\n  - name: w\n    addresses: ["127.0.1.*"]');
    const router = new TagRouter(rule);
    assert.deepEqual(addresses(router.route(targets, consumer(), tagged({ 'dubbo.tag': 'g' }))), ['127.0.0.1:1']);
    assert.deepEqual(addresses(router.route(targets, consumer(), tagged({ 'dubbo.tag': 'p' }))), ['127.0.0.2:2']);
    assert.deepEqual(addresses(router.route(targets, consumer(), tagged({ 'dubbo.tag': 'w' }))), ['127.0.1.3:3']);
  });

  it('ignores a disabled rule and tags that are not strings', () => {
    const rule = TagRule.parse('enabled: false\ntags:\n  - name: canary\n    addresses: ["127.0.0.3:20880"]');
    assert.deepEqual(addresses(new TagRouter(rule).route(SET_B, consumer(), tagged({}))), ['127.0.0.1:20880', '127.0.0.3:20880']);
    assert.deepEqual(addresses(new TagRouter().route(SET_B, consumer(), tagged({ 'dubbo.tag': ['gray'] }))), ['127.0.0.1:20880', '127.0.0.3:20880']);
  });

  const hostile: [string, string][] = [
    ['bad YAML', 'tags: [{name: a'],
    ['an unknown key', 'tagz: []'],
    ['a tag without a name', 'tags:\n  - addresses: ["127.0.0.1:1"]'],
    ['a regex match (not supported)', 'tags:\n  - name: a\n    match: [{key: env, value: {regex: "(a+)+$"}}]'],
    ['a __proto__ key in a tag', 'tags:\n  - name: a\n    __proto__: {polluted: 1}'],
  ];
  for (const [name, text] of hostile) {
    it(`refuses ${name} with INVALID_ARGUMENT`, () => {
      assert.throws(() => TagRule.parse(text), { code: ErrorCode.INVALID_ARGUMENT });
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });
  }
});
