import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { providerMatches } from '../../../rpc/cluster/provider-match.js';
import { consumerUrl, providerUrl } from './test-invoker.js';

describe('providerMatches', () => {
  const cases: [string, Record<string, string>, Record<string, string>, boolean][] = [
    ['no group or version on either side', {}, {}, true],
    ['equal group and version', { group: 'g', version: '1.0' }, { group: 'g', version: '1.0' }, true],
    ['a different version', { version: '1.0' }, { version: '2.0' }, false],
    ['a version the consumer did not ask for', {}, { version: '1.0' }, false],
    ['a provider without version for a versioned consumer', { version: '1.0' }, {}, false],
    ['an empty param equals an absent one', { version: '' }, {}, true],
    ["version '*'", { version: '*' }, { version: '3.1' }, true],
    ['a different group', { group: 'a' }, { group: 'b' }, false],
    ["group '*'", { group: '*' }, { group: 'b' }, true],
    ['one of several consumer groups', { group: 'a, b' }, { group: 'b' }, true],
    ['none of several consumer groups', { group: 'a,b' }, { group: 'c' }, false],
    ['one of several multi-letter consumer groups', { group: 'blue,green' }, { group: 'green' }, true],
    ['an ungrouped provider for a group list with an empty entry', { group: 'blue,' }, {}, false],
    ['a disabled provider', {}, { enabled: 'false' }, false],
    ['a configurator entry', {}, { category: 'configurators' }, false],
    ['a protocol the consumer excludes', { protocol: 'tri' }, {}, false],
    ['a protocol the consumer lists', { protocol: 'tri,dubbo' }, {}, true],
    ['a protocol the consumer lists after a space', { protocol: 'tri, dubbo' }, {}, true],
  ];
  for (const [name, consumer, provider, expected] of cases) {
    it(`${expected ? 'accepts' : 'rejects'} ${name}`, () => {
      assert.equal(providerMatches(consumerUrl(consumer), providerUrl(1, provider)), expected);
    });
  }

  it('rejects another interface and accepts any with interface *', () => {
    const other = providerUrl(1, { interface: 'org.example.Other' });
    assert.equal(providerMatches(consumerUrl(), other), false);
    assert.equal(providerMatches(consumerUrl({ interface: '*' }), other), true);
  });
});
