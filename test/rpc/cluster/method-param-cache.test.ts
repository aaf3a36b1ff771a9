import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServiceUrl } from '../../../registry/service-url.js';
import { methodParam } from '../../../rpc/cluster/method-param-cache.js';

describe('methodParam', () => {
  const url = ServiceUrl.parse('dubbo://127.0.0.1:20880/org.example.S?retries=1&methods.a.retries=2&b.retries=3&loadbalance=');

  it('prefers methods.<m>.<key>, then <m>.<key>, then <key>, on repeated lookups too', () => {
    for (let round = 0; round < 2; round++) {
      assert.equal(methodParam(url, 'a', 'retries'), '2');
      assert.equal(methodParam(url, 'b', 'retries'), '3');
      assert.equal(methodParam(url, 'c', 'retries'), '1');
      assert.equal(methodParam(url, 'c', 'loadbalance'), undefined, 'an empty value counts as unset');
    }
  });

  it('answers for any number of method names (the memo is bounded, the answers are not)', () => {
    for (let i = 0; i < 2000; i++) assert.equal(methodParam(url, `m${i}`, 'retries'), '1');
  });

  it('reads a new URL object afresh', () => {
    const changed = url.with({ params: { retries: '7' } });
    assert.equal(methodParam(changed, 'c', 'retries'), '7');
    assert.equal(methodParam(url, 'c', 'retries'), '1');
  });

  /** A fresh URL that counts how often its params are read. */
  function countingUrl() {
    const counted = ServiceUrl.parse('dubbo://127.0.0.1:20880/org.example.S?retries=1&methods.a.retries=2');
    const read = counted.getParam.bind(counted) as (key: string) => string | undefined;
    let reads = 0;
    Object.defineProperty(counted, 'getParam', {
      value: (key: string) => {
        reads++;
        return read(key);
      },
    });
    return { url: counted, reads: () => reads };
  }

  it('reads a setting of a method from the URL once, however often it is asked (the memo this module exists for)', () => {
    const { url: counted, reads } = countingUrl();
    assert.equal(methodParam(counted, 'a', 'retries'), '2');
    assert.equal(methodParam(counted, 'c', 'retries'), '1');
    assert.equal(methodParam(counted, 'c', 'timeout'), undefined);
    const first = reads();
    for (let i = 0; i < 3; i++) {
      assert.equal(methodParam(counted, 'a', 'retries'), '2');
      assert.equal(methodParam(counted, 'c', 'retries'), '1');
      assert.equal(methodParam(counted, 'c', 'timeout'), undefined);
    }
    assert.equal(reads(), first);
  });

  it('memoizes 512 methods of one URL, reading any further one afresh', () => {
    const { url: counted, reads } = countingUrl();
    for (let i = 0; i < 512; i++) methodParam(counted, `m${i}`, 'retries');
    let before = reads();
    assert.equal(methodParam(counted, 'm511', 'retries'), '1');
    assert.equal(reads(), before, 'the 512th method is memoized');
    assert.equal(methodParam(counted, 'm512', 'retries'), '1');
    before = reads();
    assert.equal(methodParam(counted, 'm512', 'retries'), '1');
    assert.ok(reads() > before, 'the 513th method is not');
  });
});
