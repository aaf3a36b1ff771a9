/**
 * `Hessian2Writer`: a growable output buffer that writes the hessian2 values
 * a Dubbo body is mostly made of — short strings, byte[], int, boolean, null
 * and maps of string to string — by hand. The first profile of the RPC echo
 * (docs/rpc.md "Performance notes") spent about a quarter of its CPU in
 * hessian.js encoding these fixed request/response fields.
 *
 * Only values that need no hessian reference or class definition are written
 * here, so a hessian.js encoder started fresh after them emits exactly the
 * bytes it would have emitted in one run. The bytes equal hessian.js's for
 * the same input; test/rpc/serialization/hessian2-fast-path.test.ts checks
 * that over many generated inputs.
 */
import hessian from 'hessian.js';

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

/** Encodes strings hessian.js's way when they are not plain ASCII (its Java-style UTF-8). */
const stringEncoder = new hessian.EncoderV2({ size: 1024 });

export class Hessian2Writer {
  private buf = Buffer.allocUnsafe(INITIAL_BYTES);
  private pos = 0;
  /** The key order of the last string map and that order sorted (see sortedKeys). */
  private lastKeys: string[] = [];
  private lastSorted: readonly string[] = [];

  /** Bytes written since the last reset. */
  get length(): number {
    return this.pos;
  }

  reset(): void {
    this.pos = 0;
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

  /** A string: ASCII up to 1023 chars by hand, anything else through hessian.js. */
  string(value: string): void {
    const length = value.length;
    if (length > 1023 || !this.asciiString(value, length)) this.raw(stringEncoder.reset().writeString(value).get());
  }

  /** byte[] in the chunking hessian.js uses ('A' chunks of 4093, then a final short/medium/'B' one). */
  bytes(value: Buffer): void {
    this.ensure(value.length + 3 * (Math.floor(value.length / BINARY_CHUNK) + 1));
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
   * sort (docs/rpc.md "Performance notes").
   */
  private sortedKeys(keys: string[]): readonly string[] {
    const last = this.lastKeys;
    if (keys.length === last.length && keys.every((key, i) => key === last[i])) return this.lastSorted;
    this.lastKeys = keys;
    this.lastSorted = [...keys].sort();
    return this.lastSorted;
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

  private ensure(more: number): void {
    if (this.pos + more <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + more));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }
}
