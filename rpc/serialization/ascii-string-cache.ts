/**
 * `AsciiStringCache`: a small direct-mapped table from the bytes of a short
 * ASCII string to the string. Every request body repeats the same strings
 * (dubbo version, service path, method, descriptor, attachment keys and
 * values); building each with `buf.toString` was the provider's largest
 * decode cost (`latin1Slice`, docs/performance.md "RPC call path"). A hit costs a
 * byte compare and hands out the same string object, so later Map lookups
 * by that string also hit V8's hash cache.
 *
 * Bounded: `slots` entries of at most `maxLength` bytes. A miss replaces the
 * slot, so hostile input only churns the table.
 */

const DEFAULT_SLOTS = 256;
const DEFAULT_MAX_LENGTH = 64;

export class AsciiStringCache {
  private readonly texts: (string | undefined)[];
  private readonly bytes: Buffer;
  private readonly lengths: Uint8Array;
  private readonly mask: number;

  /** `slots` must be a power of two; `maxLength` ≤ 255 bytes. */
  constructor(
    slots = DEFAULT_SLOTS,
    private readonly maxLength = DEFAULT_MAX_LENGTH,
  ) {
    this.mask = slots - 1;
    this.texts = new Array<string | undefined>(slots).fill(undefined);
    this.bytes = Buffer.alloc(slots * maxLength);
    this.lengths = new Uint8Array(slots);
  }

  /**
   * The latin1 string of `buf[start, end)`; `hash` is any hash of those bytes
   * that the caller computed while scanning them (see `hashStep`).
   */
  get(buf: Buffer, start: number, end: number, hash: number): string {
    const length = end - start;
    if (length > this.maxLength) return buf.toString('latin1', start, end);
    const slot = hash & this.mask;
    const text = this.texts[slot];
    if (text !== undefined && this.lengths[slot] === length && this.sameBytes(slot, buf, start, length)) return text;
    return this.store(slot, buf, start, end);
  }

  private sameBytes(slot: number, buf: Buffer, start: number, length: number): boolean {
    const cached = this.bytes;
    const base = slot * this.maxLength;
    for (let i = 0; i < length; i++) if (cached[base + i] !== buf[start + i]) return false;
    return true;
  }

  private store(slot: number, buf: Buffer, start: number, end: number): string {
    const text = buf.toString('latin1', start, end);
    buf.copy(this.bytes, slot * this.maxLength, start, end);
    this.lengths[slot] = end - start;
    this.texts[slot] = text;
    return text;
  }
}

/** One step of the byte hash `get` expects (FNV-1a, 32-bit). */
export function hashStep(hash: number, byte: number): number {
  return Math.imul(hash ^ byte, 0x01000193);
}

/** The hash to start from. */
export const HASH_SEED = 0x811c9dc5 | 0;
