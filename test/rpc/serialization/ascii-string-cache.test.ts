import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AsciiStringCache, HASH_SEED, hashStep } from '../../../rpc/serialization/ascii-string-cache.js';

function hashOf(buf: Buffer, start = 0, end = buf.length): number {
  let hash = HASH_SEED;
  for (let i = start; i < end; i++) hash = hashStep(hash, buf[i]!);
  return hash;
}

describe('AsciiStringCache', () => {
  it('returns the text of the bytes, the same string object on a repeat', () => {
    const cache = new AsciiStringCache();
    const body = Buffer.from('xxorg.apache.dubbo.demo.DemoServiceyy', 'latin1');
    const first = cache.get(body, 2, body.length - 2, hashOf(body, 2, body.length - 2));
    const again = cache.get(Buffer.from(body), 2, body.length - 2, hashOf(body, 2, body.length - 2));
    assert.equal(first, 'org.apache.dubbo.demo.DemoService');
    assert.equal(again, first);
  });

  it('never answers with another string that shares the slot or the length', () => {
    const cache = new AsciiStringCache(1, 8); // one slot: every string collides
    const words = ['path', 'host', 'pat', 'paths', 'path', 'PATH', 'host', ''];
    for (const word of words) {
      const buf = Buffer.from(word, 'latin1');
      assert.equal(cache.get(buf, 0, buf.length, hashOf(buf)), word);
    }
  });

  it('decodes strings longer than its entries without keeping them', () => {
    const cache = new AsciiStringCache(4, 8);
    const long = Buffer.from('a string longer than eight bytes', 'latin1');
    assert.equal(cache.get(long, 0, long.length, hashOf(long)), long.toString('latin1'));
  });

  it('stays correct under a stream of distinct strings (a hostile peer only churns it)', () => {
    const cache = new AsciiStringCache(16, 16);
    for (let i = 0; i < 5000; i++) {
      const text = `k${(i * 7919) % 1000}`;
      const buf = Buffer.from(text, 'latin1');
      assert.equal(cache.get(buf, 0, buf.length, hashOf(buf)), text);
    }
  });
});
