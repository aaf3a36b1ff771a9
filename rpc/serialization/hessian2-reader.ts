/**
 * `Hessian2Reader`: reads a Dubbo body's hessian2 values in order, decoding
 * the common ones inline — ASCII strings, byte[], small ints, null, and maps
 * of string to string (attachments) — and everything else through one
 * `Hessian2Decoder` positioned at the same offset.
 *
 * The inline kinds carry no hessian reference or class definition, so the
 * decoder (created lazily, once per body) keeps the reference numbering it
 * would have had reading the body alone. Anything unusual, truncated or
 * corrupt falls through to the decoder, which rejects it
 * (docs/performance.md "RPC call path"). Values read inline count against
 * the body's `maxValues` (and an inline map against `maxObjects`) as the
 * decoder's would: a value past a limit goes to the decoder, which refuses it.
 */
import { AsciiStringCache, HASH_SEED, hashStep } from './ascii-string-cache.js';
import { DEFAULT_DECODE_LIMITS, Hessian2Decoder, type Hessian2DecodeLimits } from './hessian2-decoder.js';

const NULL = 0x4e;
const MAP_UNTYPED = 0x48;
const MAP_END = 0x5a;
/** Shared by every reader: decoding is synchronous, and the strings repeat across bodies. */
const strings = new AsciiStringCache();

export class Hessian2Reader {
  private offset = 0;
  private decoder: Hessian2Decoder | undefined;
  /** Values read from the body, inline or by the decoder: one count for `maxValues`. */
  private values = 0;
  private fallbacks = 0;

  constructor(
    private readonly body: Buffer,
    private readonly limits: Hessian2DecodeLimits = DEFAULT_DECODE_LIMITS,
  ) {}

  /** Offset of the next value in the body. */
  get position(): number {
    return this.offset;
  }

  /**
   * How many values (or maps) of this body the fast path handed to the
   * decoder. It exists so tests can pin which values are read inline, a speed
   * property no decoded value shows; counted in the fallback only, so the
   * inline path pays nothing for it.
   */
  get declined(): number {
    return this.fallbacks;
  }

  get atEnd(): boolean {
    return this.offset >= this.body.length;
  }

  /** Any value; the inline kinds first, the decoder for the rest. */
  value(): unknown {
    const code = this.body[this.offset];
    if (code === undefined || this.values >= this.limits.maxValues) return this.fallback();
    if (code >= 0x80 && code <= 0xbf) {
      this.offset++;
      this.values++;
      return code - 0x90;
    }
    if (code === NULL) {
      this.offset++;
      this.values++;
      return null;
    }
    const text = this.asciiString();
    if (text !== undefined) return text;
    return this.binary() ?? this.fallback();
  }

  /**
   * A map; string-to-string maps inline into a plain object, any other map
   * (typed, refs, non-string values) through the decoder from its first byte.
   */
  map(): unknown {
    const start = this.offset;
    const valuesBefore = this.values;
    if (this.body[start] !== MAP_UNTYPED || !this.roomForMap()) return this.fallback();
    const out: Record<string, unknown> = {};
    this.offset++;
    this.values++;
    while (this.body[this.offset] !== MAP_END) {
      const key = this.asciiString();
      const value = key === undefined || key === '__proto__' ? undefined : this.asciiString();
      if (value === undefined || this.values > this.limits.maxValues) {
        this.values = valuesBefore;
        return this.fallbackFrom(start);
      }
      out[key!] = value;
    }
    this.offset++;
    return out;
  }

  /** Whether one more map is within the body's limits (past them, the decoder reads it and refuses it). */
  private roomForMap(): boolean {
    return this.values < this.limits.maxValues && (this.decoder?.objectsRead ?? 0) < this.limits.maxObjects;
  }

  /** A compact (≤ 1023 chars) all-ASCII string, or undefined (nothing consumed). */
  private asciiString(): string | undefined {
    const { body } = this;
    const code = body[this.offset];
    if (code === undefined) return undefined;
    let start: number;
    let length: number;
    if (code <= 0x1f) {
      start = this.offset + 1;
      length = code;
    } else if (code >= 0x30 && code <= 0x33) {
      start = this.offset + 2;
      length = ((code - 0x30) << 8) + (body[this.offset + 1] ?? 0);
    } else return undefined;
    const end = start + length;
    if (end > body.length) return undefined;
    let hash = HASH_SEED;
    for (let i = start; i < end; i++) {
      const byte = body[i]!;
      if (byte >= 0x80) return undefined;
      hash = hashStep(hash, byte);
    }
    this.offset = end;
    this.values++;
    return strings.get(body, start, end, hash);
  }

  /** A single-chunk byte[], or undefined (nothing consumed): chunked or truncated ones are the decoder's. */
  private binary(): Buffer | undefined {
    const { body } = this;
    const code = body[this.offset]!;
    let start: number;
    let length: number;
    if (code >= 0x20 && code <= 0x2f) {
      start = this.offset + 1;
      length = code - 0x20;
    } else if (code >= 0x34 && code <= 0x37) {
      start = this.offset + 2;
      length = ((code - 0x34) << 8) + (body[this.offset + 1] ?? 0);
    } else if (code === 0x42) {
      start = this.offset + 3;
      length = ((body[this.offset + 1] ?? 0) << 8) + (body[this.offset + 2] ?? 0);
    } else return undefined;
    const end = start + length;
    if (end > body.length) return undefined;
    this.offset = end;
    this.values++;
    // Short binary as a view, longer ones as a copy (as the decoder, and hessian.js, do).
    if (length <= 15) return body.subarray(start, end);
    // A native copy: Buffer.from(view) copies through the generic array-like path (docs/performance.md "RPC call path").
    const copy = Buffer.allocUnsafe(length);
    body.copy(copy, 0, start, end);
    return copy;
  }

  private fallback(): unknown {
    return this.fallbackFrom(this.offset);
  }

  private fallbackFrom(start: number): unknown {
    this.fallbacks++;
    this.decoder ??= new Hessian2Decoder(this.body, start, this.limits);
    this.decoder.pos = start;
    this.decoder.valuesRead = this.values;
    const value = this.decoder.read();
    this.offset = this.decoder.pos;
    this.values = this.decoder.valuesRead;
    return value;
  }
}
