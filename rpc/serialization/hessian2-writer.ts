/**
 * `Hessian2Writer`: a growable output buffer that writes the hessian2 values
 * a Dubbo body is mostly made of — short strings, byte[], int, boolean, null
 * and maps of string to string — by hand. The first profile of the RPC echo
 * (docs/performance.md "RPC call path") spent about a quarter of its CPU in
 * hessian.js encoding these fixed request/response fields.
 *
 * Only values that need no hessian reference or class definition are written
 * here, so a hessian.js encoder started fresh after them emits exactly the
 * bytes it would have emitted in one run. The bytes equal hessian.js's for
 * the same input; test/rpc/serialization/hessian2-fast-path.test.ts checks
 * that over many generated inputs.
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';

const INITIAL_BYTES = 4096;
/** hessian2 compact int range written as one byte (0x90 + n). */
const INT_DIRECT_MIN = -0x10;
const INT_DIRECT_MAX = 0x2f;
const INT_BYTE_MIN = -0x800;
const INT_BYTE_MAX = 0x7ff;
const INT_SHORT_MIN = -0x40000;
const INT_SHORT_MAX = 0x3ffff;
/** hessian.js splits binary into 'A' chunks of this many bytes. */
const BINARY_CHUNK = 4093;

/** Characters per string chunk ('R'), as Hessian2Output and hessian.js write them. */
const STRING_CHUNK = 0x8000;
const TWO_POW_32 = 2 ** 32;

export class Hessian2Writer {
  private buf = Buffer.allocUnsafe(INITIAL_BYTES);
  private pos = 0;
  /** Largest body this writer may produce before it throws MSG_TOO_LONG (see `reset`). */
  private maxBytes = Number.POSITIVE_INFINITY;
  /** The key order of the last string map and that order sorted (see sortedKeys). */
  private lastOrder: { keys: readonly string[]; sorted: readonly string[] } | undefined;

  /** Bytes written since the last reset. */
  get length(): number {
    return this.pos;
  }

  /**
   * Starts a new body of at most `maxBytes` bytes: a value that would exceed
   * it fails while it is written (RpcError MSG_TOO_LONG), not after being
   * built in full. The check sits where the buffer grows, so it costs
   * nothing on the common path; the buffer never grows beyond the largest
   * limit given.
   */
  reset(maxBytes = Number.POSITIVE_INFINITY): void {
    this.pos = 0;
    this.maxBytes = maxBytes;
  }

  /** The bytes written so far, as a view: valid until the next write or reset. */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** A copy of the bytes written so far, owned by the caller. */
  copy(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }

  raw(bytes: Buffer): void {
    this.ensure(bytes.length);
    bytes.copy(this.buf, this.pos);
    this.pos += bytes.length;
  }

  byte(value: number): void {
    this.ensure(1);
    this.buf[this.pos++] = value;
  }

  null(): void {
    this.byte(0x4e);
  }

  boolean(value: boolean): void {
    this.byte(value ? 0x54 : 0x46);
  }

  /** A 32-bit int in hessian2's most compact form. */
  int(value: number): void {
    this.ensure(5);
    const buf = this.buf;
    if (value >= INT_DIRECT_MIN && value <= INT_DIRECT_MAX) buf[this.pos++] = 0x90 + value;
    else if (value >= INT_BYTE_MIN && value <= INT_BYTE_MAX) {
      buf[this.pos++] = 0xc8 + (value >> 8);
      buf[this.pos++] = value & 0xff;
    } else if (value >= INT_SHORT_MIN && value <= INT_SHORT_MAX) {
      buf[this.pos++] = 0xd4 + (value >> 16);
      buf.writeUInt16BE(value & 0xffff, this.pos);
      this.pos += 2;
    } else {
      buf[this.pos++] = 0x49;
      buf.writeInt32BE(value, this.pos);
      this.pos += 4;
    }
  }

  /**
   * A 64-bit long in hessian2's most compact form (as Hessian2Output.writeLong
   * and hessian.js write it); `value` an integer number or a bigint in range.
   */
  long(value: number | bigint): void {
    if (typeof value === 'bigint') {
      if (value >= -0x8000_0000n && value <= 0x7fff_ffffn) value = Number(value);
      else {
        this.ensure(9);
        this.buf[this.pos++] = 0x4c;
        this.buf.writeBigInt64BE(value, this.pos);
        this.pos += 8;
        return;
      }
    }
    this.ensure(9);
    const buf = this.buf;
    if (value >= -8 && value <= 15) buf[this.pos++] = 0xe0 + value;
    else if (value >= -2048 && value <= 2047) {
      buf[this.pos++] = 0xf8 + (value >> 8);
      buf[this.pos++] = value & 0xff;
    } else if (value >= -262144 && value <= 262143) {
      buf[this.pos++] = 0x3c + (value >> 16);
      buf.writeUInt16BE(value & 0xffff, this.pos);
      this.pos += 2;
    } else if (value >= -0x8000_0000 && value <= 0x7fff_ffff) {
      buf[this.pos++] = 0x59;
      buf.writeInt32BE(value, this.pos);
      this.pos += 4;
    } else {
      buf[this.pos++] = 0x4c;
      buf.writeInt32BE(Math.floor(value / TWO_POW_32), this.pos);
      buf.writeUInt32BE(((value % TWO_POW_32) + TWO_POW_32) % TWO_POW_32, this.pos + 4);
      this.pos += 8;
    }
  }

  /** A double in hessian2's most compact exact form (Hessian2Output.writeDouble; hessian.js's bytes). */
  double(value: number): void {
    this.ensure(9);
    const buf = this.buf;
    if (Number.isInteger(value) && value >= -0x8000 && value < 0x8000) {
      if (value === 0) buf[this.pos++] = 0x5b;
      else if (value === 1) buf[this.pos++] = 0x5c;
      else if (value >= -0x80 && value < 0x80) {
        buf[this.pos++] = 0x5d;
        buf.writeInt8(value, this.pos++);
      } else {
        buf[this.pos++] = 0x5e;
        buf.writeInt16BE(value, this.pos);
        this.pos += 2;
      }
      return;
    }
    const mills = Math.trunc(value * 1000);
    if (mills >= -0x8000_0000 && mills <= 0x7fff_ffff && mills * 0.001 === value) {
      buf[this.pos++] = 0x5f;
      buf.writeInt32BE(mills, this.pos);
      this.pos += 4;
      return;
    }
    buf[this.pos++] = 0x44;
    buf.writeDoubleBE(value, this.pos);
    this.pos += 8;
  }

  /** A java.util.Date: whole minutes compact (0x4b), else ms (0x4a). */
  date(ms: number): void {
    this.ensure(9);
    const minutes = ms / 60000;
    if (Number.isInteger(minutes) && minutes >= -0x8000_0000 && minutes <= 0x7fff_ffff) {
      this.buf[this.pos++] = 0x4b;
      this.buf.writeInt32BE(minutes, this.pos);
      this.pos += 4;
      return;
    }
    this.buf[this.pos++] = 0x4a;
    this.buf.writeBigInt64BE(BigInt(ms), this.pos);
    this.pos += 8;
  }

  /** A string: ASCII up to 1023 chars in one pass, anything else in Java's modified UTF-8. */
  string(value: string): void {
    const length = value.length;
    if (length > 1023 || !this.asciiString(value, length)) this.utf16String(value);
  }

  /**
   * A string as Hessian2Output.printString writes it: chunks of 0x8000 UTF-16
   * units (a chunk never ends between a surrogate pair), each unit as 1–3
   * bytes, so a character outside the BMP is two 3-byte surrogates (CESU-8).
   */
  private utf16String(value: string): void {
    let offset = 0;
    let left = value.length;
    while (left > STRING_CHUNK) {
      let chunk = STRING_CHUNK;
      const tail = value.charCodeAt(offset + chunk - 1);
      if (tail >= 0xd800 && tail <= 0xdbff) chunk--;
      this.ensure(3);
      this.chunkHeader(0x52, chunk);
      this.units(value, offset, chunk);
      offset += chunk;
      left -= chunk;
    }
    this.ensure(3);
    if (left <= 31) this.buf[this.pos++] = left;
    else if (left <= 1023) {
      this.buf[this.pos++] = 0x30 + (left >> 8);
      this.buf[this.pos++] = left & 0xff;
    } else this.chunkHeader(0x53, left);
    this.units(value, offset, left);
  }

  private units(value: string, offset: number, count: number): void {
    // Three bytes a unit at most; the exact size only when that bound would cross the limit.
    this.ensure(this.pos + count * 3 <= this.maxBytes ? count * 3 : modifiedUtf8Length(value, offset, count));
    const buf = this.buf;
    let pos = this.pos;
    for (let i = offset, end = offset + count; i < end; i++) {
      const ch = value.charCodeAt(i);
      if (ch < 0x80) buf[pos++] = ch;
      else if (ch < 0x800) {
        buf[pos++] = 0xc0 | (ch >> 6);
        buf[pos++] = 0x80 | (ch & 0x3f);
      } else {
        buf[pos++] = 0xe0 | (ch >> 12);
        buf[pos++] = 0x80 | ((ch >> 6) & 0x3f);
        buf[pos++] = 0x80 | (ch & 0x3f);
      }
    }
    this.pos = pos;
  }

  /** byte[] in the chunking hessian.js uses ('A' chunks of 4093, then a final short/medium/'B' one). */
  bytes(value: Buffer): void {
    this.ensure(value.length + binaryHeaderBytes(value.length));
    if (value.length <= 15) {
      this.buf[this.pos++] = 0x20 + value.length;
      this.put(value, 0, value.length);
      return;
    }
    let offset = 0;
    while (value.length - offset > BINARY_CHUNK) {
      this.chunkHeader(0x41, BINARY_CHUNK);
      this.put(value, offset, BINARY_CHUNK);
      offset += BINARY_CHUNK;
    }
    this.finalBinaryChunk(value, offset);
  }

  /**
   * A map of string keys to string values, keys sorted as hessian.js writes
   * a plain object. Returns false, having written nothing, when a value is
   * not a string (the caller then lets hessian.js write the map).
   */
  stringMap(map: Record<string, unknown>): boolean {
    const given = Object.keys(map);
    for (const key of given) if (typeof map[key] !== 'string') return false;
    const keys = this.sortedKeys(given);
    this.byte(0x48);
    for (const key of keys) {
      this.string(key);
      this.string(map[key] as string);
    }
    this.byte(0x5a);
    return true;
  }

  /**
   * `keys` sorted. Calls of one reference build their attachments in the same
   * key order, so the last order is kept and a repeat costs a compare, not a
   * sort (docs/performance.md "RPC call path").
   */
  private sortedKeys(keys: string[]): readonly string[] {
    const last = this.lastOrder;
    if (last !== undefined && keys.length === last.keys.length && keys.every((key, i) => key === last.keys[i])) return last.sorted;
    this.lastOrder = { keys, sorted: [...keys].sort() };
    return this.lastOrder.sorted;
  }

  private finalBinaryChunk(value: Buffer, offset: number): void {
    const left = value.length - offset;
    if (left <= 15) this.buf[this.pos++] = 0x20 + left;
    else if (left <= 1023) {
      this.buf[this.pos++] = 0x34 + (left >> 8);
      this.buf[this.pos++] = left & 0xff;
    } else this.chunkHeader(0x42, left);
    this.put(value, offset, left);
  }

  private chunkHeader(code: number, length: number): void {
    this.buf[this.pos++] = code;
    this.buf.writeUInt16BE(length, this.pos);
    this.pos += 2;
  }

  private put(value: Buffer, offset: number, length: number): void {
    value.copy(this.buf, this.pos, offset, offset + length);
    this.pos += length;
  }

  /** Writes `value` if it is all ASCII; otherwise leaves the buffer as it was and returns false. */
  private asciiString(value: string, length: number): boolean {
    this.ensure(length + 2);
    const start = this.pos;
    const buf = this.buf;
    let pos = start;
    if (length <= 31) buf[pos++] = length;
    else {
      buf[pos++] = 0x30 + (length >> 8);
      buf[pos++] = length & 0xff;
    }
    for (let i = 0; i < length; i++) {
      const code = value.charCodeAt(i);
      if (code >= 0x80) return false;
      buf[pos++] = code;
    }
    this.pos = pos;
    return true;
  }

  /** Room for `more` bytes; beyond the body limit (checked only when growing) RpcError MSG_TOO_LONG. */
  ensure(more: number): void {
    if (this.pos + more <= this.buf.length) return;
    const needed = this.pos + more;
    if (needed > this.maxBytes) {
      throw new RpcError(ErrorCode.MSG_TOO_LONG, `hessian2 body exceeds its limit of ${this.maxBytes} bytes`);
    }
    const grown = Buffer.allocUnsafe(Math.max(Math.min(this.buf.length * 2, this.maxBytes), needed));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }
}

/** Bytes of `count` UTF-16 units of `value` from `offset` in Java's modified UTF-8. */
function modifiedUtf8Length(value: string, offset: number, count: number): number {
  let bytes = 0;
  for (let i = offset, end = offset + count; i < end; i++) {
    const ch = value.charCodeAt(i);
    bytes += ch < 0x80 ? 1 : ch < 0x800 ? 2 : 3;
  }
  return bytes;
}

/** Bytes of the chunk headers `bytes()` writes for `length` bytes of binary. */
function binaryHeaderBytes(length: number): number {
  if (length <= 15) return 1;
  const fullChunks = Math.floor((length - 1) / BINARY_CHUNK);
  const left = length - fullChunks * BINARY_CHUNK;
  return 3 * fullChunks + (left <= 15 ? 1 : left <= 1023 ? 2 : 3);
}
