import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { crc32c, maskedCrc32c } from '../../transport/crc32c.js';
import { refCrc32c, refMaskedCrc } from './compression-peers.js';

describe('crc32c', () => {
  it('gives the published check values (RFC 3720 B.4)', () => {
    assert.equal(crc32c(Buffer.alloc(0)), 0);
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
    assert.equal(crc32c(Buffer.alloc(32, 0x00)), 0x8a9136aa);
    assert.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43);
    assert.equal(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => i))), 0x46dd794e);
  });

  it('agrees with a bit-by-bit CRC-32C, masked as the snappy framing format stores it', () => {
    for (let i = 0; i < 20; i++) {
      const buf = randomBytes(1 + i * 37);
      assert.equal(crc32c(buf), refCrc32c(buf));
      assert.equal(maskedCrc32c(buf), refMaskedCrc(buf));
    }
    // The framing format's masking of the check value: rotate right by 15, add 0xa282ead8.
    assert.equal(maskedCrc32c(Buffer.from('123456789')), ((((0xe3069283 >>> 15) | (0xe3069283 << 17)) >>> 0) + 0xa282ead8) >>> 0);
  });
});
