import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WriteSlab } from '../../transport/write-slab.js';

describe('WriteSlab', () => {
  it('fills a slab exactly to its last byte before it starts a new one', () => {
    const slab = new WriteSlab(16);
    const first = slab.buf;
    assert.equal(slab.fits(16), true, 'a whole slab fits an empty one');
    assert.equal(slab.fits(17), false);
    assert.equal(slab.reserve(10), 0);
    assert.equal(slab.fits(6), true, 'exactly the rest fits');
    assert.equal(slab.fits(7), false, 'one byte more does not');
    assert.equal(slab.reserve(6), 10, 'the rest of the slab is handed out');
    assert.equal(slab.buf, first, 'still the first slab, now full');
    assert.equal(slab.fits(0), true);
    assert.equal(slab.fits(1), false);
    assert.equal(slab.reserve(1), 0, 'a fresh slab');
    assert.notEqual(slab.buf, first);
    assert.equal(slab.buf.length, 16);
    assert.equal(slab.pos, 1);
  });
});
