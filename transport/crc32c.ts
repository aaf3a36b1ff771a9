/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum the
 * snappy framing format puts on every data chunk (google/snappy,
 * framing_format.txt, section 3). Node's zlib only offers the IEEE CRC-32.
 */

const TABLE = buildTable();

function buildTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c;
  }
  return table;
}

export function crc32c(buf: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < buf.length; i++) crc = TABLE[(crc ^ buf[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * The checksum as the framing format stores it: rotated right by 15 bits plus
 * a constant, so that a CRC over data that itself holds CRCs stays useful
 * (framing_format.txt, section 3).
 */
export function maskedCrc32c(buf: Uint8Array): number {
  const crc = crc32c(buf);
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}
