/**
 * Seeded input mutation for the decoder fuzzer: a valid frame goes through
 * one to four byte-level edits (bit flips, boundary values, inserted,
 * deleted, duplicated or spliced ranges, truncation, boundary 32-bit
 * integers). The same seed gives the same inputs, so a finding can be
 * replayed with `--seed`.
 */
import { seededRandom } from '../lib/seeded-random.js';

const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x4f, 0x51, 0x55, 0x56, 0x58, 0x5c, 0x43, 0x48, 0x4d, 0x72, 0x1f, 0x20];
const INTERESTING_INT32 = [0, 1, 0x7f, 0x80, 0xffff, 0x10000, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 0x0100_0000, 0x00ff_ffff];

export class Mutator {
  readonly random: () => number;

  constructor(seed: number) {
    this.random = seededRandom(seed);
  }

  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** One to four edits of `input` (a copy; `corpus` feeds the splices). */
  mutate(input: Buffer, corpus: readonly Buffer[]): Buffer {
    let out: Buffer = Buffer.from(input);
    const edits = 1 + this.int(4);
    for (let i = 0; i < edits; i++) out = this.edit(out, corpus);
    return out;
  }

  private edit(buf: Buffer, corpus: readonly Buffer[]): Buffer {
    const at = buf.length === 0 ? 0 : this.int(buf.length);
    switch (this.int(8)) {
      case 0:
        if (buf.length > 0) buf[at] = buf[at]! ^ (1 << this.int(8));
        return buf;
      case 1:
        if (buf.length > 0) buf[at] = this.pick(INTERESTING_BYTES);
        return buf;
      case 2:
        return Buffer.concat([buf.subarray(0, at), this.randomBytes(1 + this.int(16)), buf.subarray(at)]);
      case 3:
        return Buffer.concat([buf.subarray(0, at), buf.subarray(Math.min(buf.length, at + 1 + this.int(16)))]);
      case 4:
        return buf.subarray(0, at);
      case 5: {
        const from = this.int(Math.max(1, buf.length));
        const range = buf.subarray(from, from + 1 + this.int(32));
        return Buffer.concat([buf.subarray(0, at), range, buf.subarray(at)]);
      }
      case 6:
        if (buf.length >= 4) buf.writeUInt32BE(this.pick(INTERESTING_INT32), Math.min(at, buf.length - 4));
        return buf;
      default: {
        const other = this.pick(corpus);
        return Buffer.concat([buf.subarray(0, at), other.subarray(this.int(Math.max(1, other.length)))]);
      }
    }
  }

  private randomBytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}
