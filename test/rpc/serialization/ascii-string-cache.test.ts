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

  it('answers the empty string, also from a slot never used', () => {
    const cache = new AsciiStringCache(4, 8);
    for (let slot = 0; slot < 4; slot++) assert.equal(cache.get(Buffer.alloc(0), 0, 0, slot), '');
    assert.equal(cache.get(Buffer.from('x'), 1, 1, 0), '');
  });

  it('compares the bytes where they are in the body, whatever their offset', () => {
    const cache = new AsciiStringCache(1, 8);
    const body = Buffer.from('bacab', 'latin1');
    assert.equal(cache.get(body, 3, 5, 0), 'ab');
    assert.equal(cache.get(body, 1, 3, 0), 'ac');
    assert.equal(cache.get(body, 0, 2, 0), 'ba');
    assert.equal(cache.get(body, 3, 5, 0), 'ab');
    assert.equal(cache.get(body, 2, 4, 0), 'ca');
  });

  it('keeps every entry inside its own slot: a string longer than an entry never spills into the next', () => {
    const cache = new AsciiStringCache(4, 2);
    const text = (value: string, slot: number) => cache.get(Buffer.from(value, 'latin1'), 0, value.length, slot);
    assert.equal(text('abc', 0), 'abc');
    assert.equal(text('xy', 1), 'xy');
    assert.equal(text('ab', 0), 'ab');
    assert.equal(text('xyz', 1), 'xyz');
    assert.equal(text('cy', 1), 'cy');
    assert.equal(text('\0\0', 2), '\0\0');
    assert.equal(text('zz', 3), 'zz');
    assert.equal(text('\0\0', 3), '\0\0');
    assert.equal(text('abc', 0), 'abc');
    assert.equal(text('xyz', 1), 'xyz');
    assert.equal(text('abx', 0), 'abx');
  });

  it('measures an entry from its start in the body, not from the body\'s start', () => {
    const cache = new AsciiStringCache(1, 8);
    const body = Buffer.from('xbcde', 'latin1');
    assert.equal(cache.get(body, 1, 5, 0), 'bcde');
    assert.equal(cache.get(body, 1, 3, 0), 'bc');
    assert.equal(cache.get(Buffer.from('xab', 'latin1'), 1, 3, 0), 'ab');
    assert.equal(cache.get(Buffer.from('abde', 'latin1'), 0, 4, 0), 'abde');
  });

  it('compares an entry with the bytes of its own slot only', () => {
    const cache = new AsciiStringCache(4, 2);
    const text = (value: string, slot: number) => cache.get(Buffer.from(value, 'latin1'), 0, value.length, slot);
    assert.equal(text('ab', 0), 'ab');
    assert.equal(text('cd', 1), 'cd');
    assert.equal(text('zz', 2), 'zz');
    assert.equal(text('bc', 2), 'bc');
    assert.equal(text('xy', 1), 'xy');
    assert.equal(text('xb', 1), 'xb');
  });

  // Whether a lookup hits cannot be seen in its answer (the strings are equal), only in the work
  // done: a miss copies the bytes into the table. These tests count those copies.
  describe('hits (a repeat costs no copy)', () => {
    function counted(cache: AsciiStringCache): { stores: number } {
      const seen = { stores: 0 };
      const table = cache as unknown as { store: (...args: unknown[]) => string };
      const store = table.store.bind(cache);
      table.store = (...args: unknown[]) => {
        seen.stores++;
        return store(...args);
      };
      return seen;
    }

    it('copies a string into the table once and answers its repeats from there', () => {
      const cache = new AsciiStringCache();
      const seen = counted(cache);
      const body = Buffer.from('xinterfaceX', 'latin1');
      const hash = hashOf(body, 1, 10);
      for (let i = 0; i < 3; i++) assert.equal(cache.get(body, 1, 10, hash), 'interface');
      assert.equal(seen.stores, 1);
    });

    it('keeps a string of exactly the entry size', () => {
      const cache = new AsciiStringCache(4, 8);
      const seen = counted(cache);
      const eight = Buffer.from('12345678', 'latin1');
      cache.get(eight, 0, 8, 1);
      cache.get(eight, 0, 8, 1);
      assert.equal(seen.stores, 1);
    });

    it('hits in every slot, the last one included, and uses only the low bits of the hash', () => {
      const cache = new AsciiStringCache(256, 64);
      const seen = counted(cache);
      const word = Buffer.from('method', 'latin1');
      for (const hash of [0, 1, 0xff, 0x1ff, -1]) {
        cache.get(word, 0, word.length, hash);
        cache.get(word, 0, word.length, hash);
      }
      // 0xff, 0x1ff and -1 share slot 255: one copy for slots 0, 1 and 255.
      assert.equal(seen.stores, 3);
    });

    it('spreads strings over the slots by their FNV-1a hash', () => {
      assert.equal(hashStep(HASH_SEED, 0x61), 0xe40c292c | 0); // FNV-1a of "a"
      const cache = new AsciiStringCache(256, 64);
      const seen = counted(cache);
      const words = ['path', 'interface', 'version', 'timeout', 'group'].map((w) => Buffer.from(w, 'latin1'));
      for (let round = 0; round < 3; round++) for (const word of words) cache.get(word, 0, word.length, hashOf(word));
      assert.equal(seen.stores, words.length);
    });

    it('compares only the entry\'s own bytes, not the table byte after them', () => {
      const cache = new AsciiStringCache(2, 8);
      const seen = counted(cache);
      const body = Buffer.from('abcZ', 'latin1');
      cache.get(body, 0, 3, 0);
      cache.get(body, 0, 3, 0);
      assert.equal(seen.stores, 1);
    });
  });
});
