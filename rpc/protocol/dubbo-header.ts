/**
 * The 16-byte big-endian Dubbo 2 header (dubbo-go `protocol/dubbo/impl/const.go`):
 * magic 0xdabb | flag (0x80 request, 0x40 two-way, 0x20 event, low 5 bits
 * serialization id) | status | int64 request id | uint32 body length.
 */
import type { RequestId } from './dubbo-package.js';

export const HEADER_LENGTH = 16;
export const MAGIC_HIGH = 0xda;
export const MAGIC_LOW = 0xbb;
export const FLAG_REQUEST = 0x80;
export const FLAG_TWOWAY = 0x40;
export const FLAG_EVENT = 0x20;
export const SERIALIZATION_MASK = 0x1f;

const TWO_POW_32 = 0x1_0000_0000;
/** |high word| below this keeps hi * 2^32 + lo a safe integer. */
const SAFE_HIGH = 0x20_0000;

/** Reads the int64 id at offset 4: a number when safe, else a bigint (kept exact). */
export function readRequestId(buf: Buffer): RequestId {
  const high = buf.readInt32BE(4);
  if (high >= -SAFE_HIGH && high < SAFE_HIGH) return high * TWO_POW_32 + buf.readUInt32BE(8);
  return buf.readBigInt64BE(4);
}

/** Writes `id` as int64 at `at` without going through BigInt for ordinary ids. */
function writeRequestIdAt(buf: Buffer, at: number, id: RequestId): void {
  if (typeof id === 'bigint') {
    buf.writeBigInt64BE(BigInt.asIntN(64, id), at);
    return;
  }
  const high = Math.floor(id / TWO_POW_32);
  buf.writeInt32BE(high, at);
  buf.writeUInt32BE(id - high * TWO_POW_32, at + 4);
}

/** A complete header in one fresh Buffer. */
export function encodeHeader(flag: number, status: number, id: RequestId, bodyLength: number): Buffer {
  const header = Buffer.allocUnsafe(HEADER_LENGTH);
  writeHeaderInto(header, 0, flag, status, id, bodyLength);
  return header;
}

/** Writes a complete header at `target[offset]` (the transport's output slab). */
export function writeHeaderInto(target: Buffer, offset: number, flag: number, status: number, id: RequestId, bodyLength: number): void {
  target[offset] = MAGIC_HIGH;
  target[offset + 1] = MAGIC_LOW;
  target[offset + 2] = flag;
  target[offset + 3] = status;
  writeRequestIdAt(target, offset + 4, id);
  target.writeUInt32BE(bodyLength, offset + 12);
}
