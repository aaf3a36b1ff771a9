/**
 * `Hessian2Decoder`: every hessian2 value (http://hessian.caucho.com/doc/hessian-serialization.html),
 * read from a body that may come from a hostile peer.
 *
 * Our own decoder because hessian.js's accepts truncated values (a byte[]
 * announcing 65 535 bytes with 2 behind swallows what follows), gives
 * `undefined` for a reference to an object not yet read, and lets a map key
 * `__proto__` replace a prototype. test/rpc/serialization/hessian2-decoder.test.ts
 * compares it with hessian.js over a generated corpus.
 *
 * Bounds: every length is checked against the bytes left before anything is
 * built (nothing is allocated from a declared length), references and class
 * or type references must name something already read, and nesting is limited
 * to `HESSIAN2_MAX_DEPTH`. A reference yields the same JS object each time, so
 * the decoded value never grows beyond the bytes received.
 *
 * What each value becomes (docs/rpc.md "Java ↔ JS values"): int → number;
 * long → number within ±(2^53−1), bigint beyond (or always, `longs: 'bigint'`);
 * double → number (NaN, ±Infinity kept); date → Date; string; binary → Buffer;
 * list → array; map → plain object when every key is a string, else a `Map`;
 * object → plain object carrying its class (java-object.ts), except
 * `java.math.BigDecimal` → its decimal text and `java.math.BigInteger` → bigint,
 * as Java Dubbo's hessian-lite and dubbo-go-hessian2 write them.
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import { setJavaClass, setOwn } from '../protocol/java-object.js';

/** Deepest nesting of lists, maps and objects read (and written) by hessian2. */
export const HESSIAN2_MAX_DEPTH = 256;

export type LongMode = 'number' | 'bigint';

/** What one body may make the decoder build; see `DEFAULT_DECODE_LIMITS`. */
export interface Hessian2DecodeLimits {
  /** How hessian2 longs are decoded: see `Hessian2Options.longs`. */
  readonly longs: LongMode;
  /** Values (of any kind, at any depth) decoded from one body. */
  readonly maxValues: number;
  /** Lists, maps and objects decoded from one body (each costs a JS object and a reference slot). */
  readonly maxObjects: number;
}

/**
 * Defaults: 2^19 values and 2^17 lists/maps/objects per body, about 50 ms and
 * 10–12 MB at most on the loaded 2-core test machine; without them one 8 MiB
 * frame of one-byte empty lists builds 8 million arrays (1.2 s, 600 MB).
 */
export const DEFAULT_DECODE_LIMITS: Hessian2DecodeLimits = { longs: 'number', maxValues: 1 << 19, maxObjects: 1 << 17 };

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;

interface ClassDefinition {
  readonly name: string;
  readonly fields: readonly string[];
}

export class Hessian2Decoder {
  /** Lists, maps and objects in the order read: the targets of 0x51 references. */
  private readonly refs: unknown[] = [];
  private readonly types: string[] = [];
  private readonly classes: ClassDefinition[] = [];
  private depth = 0;
  /** Values read from this body so far, against `maxValues`; Hessian2Reader adds those it reads inline. */
  valuesRead = 0;
  private readonly longs: LongMode;

  constructor(
    private readonly buf: Buffer,
    public pos = 0,
    private readonly limits: Hessian2DecodeLimits = DEFAULT_DECODE_LIMITS,
  ) {
    this.longs = limits.longs;
  }

  read(): unknown {
    if (++this.valuesRead > this.limits.maxValues) throw corrupt(`more than ${this.limits.maxValues} values in one body`);
    let code = this.byte();
    // Class definitions precede the value that first uses them; a loop, not recursion, however many come.
    while (code === 0x43) {
      this.classDefinition();
      code = this.byte();
    }
    if (code <= 0x1f) return this.utf8(code);
    if (code <= 0x2f) return this.bytes(code - 0x20);
    if (code <= 0x33) return this.utf8(((code - 0x30) << 8) + this.byte());
    if (code <= 0x37) return this.bytes(((code - 0x34) << 8) + this.byte());
    if (code <= 0x3f) return this.long(((code - 0x3c) << 16) + this.uint16());
    if (code >= 0x80 && code <= 0xbf) return code - 0x90;
    if (code >= 0xc0 && code <= 0xcf) return ((code - 0xc8) << 8) + this.byte();
    if (code >= 0xd0 && code <= 0xd7) return ((code - 0xd4) << 16) + this.uint16();
    if (code >= 0xd8 && code <= 0xef) return this.long(code - 0xe0);
    if (code >= 0xf0) return this.long(((code - 0xf8) << 8) + this.byte());
    if (code >= 0x60 && code <= 0x6f) return this.object(code - 0x60);
    if (code >= 0x70 && code <= 0x77) return this.list(this.type(), code - 0x70);
    if (code >= 0x78 && code <= 0x7f) return this.list(undefined, code - 0x78);
    return this.readTagged(code);
  }

  /** The values whose first byte is a letter-like tag. */
  private readTagged(code: number): unknown {
    switch (code) {
      case 0x4e: // N
        return null;
      case 0x54: // T
        return true;
      case 0x46: // F
        return false;
      case 0x49: // I
        return this.int32();
      case 0x59: // int32 as long
        return this.long(this.int32());
      case 0x4c: // L
        return this.long64();
      case 0x44: // D
        return this.float64();
      case 0x5b:
        return 0;
      case 0x5c:
        return 1;
      case 0x5d:
        return (this.byte() << 24) >> 24;
      case 0x5e:
        return (this.uint16() << 16) >> 16;
      case 0x5f: // double as int32 thousandths (Hessian2Output.writeDouble)
        return this.int32() * 0.001;
      case 0x4a: // date, ms
        return new Date(Number(this.take(8).readBigInt64BE(0)));
      case 0x4b: // date, minutes
        return new Date(this.int32() * 60000);
      case 0x52: // R: string chunk
      case 0x53: // S: final string chunk
        return this.chunkedString(code);
      case 0x41: // A: binary chunk
      case 0x42: // B: final binary chunk
        return this.chunkedBytes(code);
      case 0x55: // U: variable-length typed list
        return this.list(this.type(), -1);
      case 0x56: // V: fixed-length typed list
        return this.list(this.type(), this.lengthOf(this.intValue()));
      case 0x57: // W: variable-length untyped list
        return this.list(undefined, -1);
      case 0x58: // X: fixed-length untyped list
        return this.list(undefined, this.lengthOf(this.intValue()));
      case 0x48: // H: untyped map
        return this.map(undefined);
      case 0x4d: // M: typed map, e.g. java.util.TreeMap (Caucho's MapSerializer names every class but HashMap)
        return this.map(this.type());
      case 0x4f: // O
        return this.object(this.intValue());
      case 0x51: // Q: reference
        return this.reference(this.intValue());
      default:
        throw corrupt(`unexpected code 0x${code.toString(16)} at ${this.pos - 1}`);
    }
  }

  /** Lists, maps and objects read from this body so far, against `maxObjects`. */
  get objectsRead(): number {
    return this.refs.length;
  }

  /** An int value (any of its encodings); used for lengths, type and class references. */
  intValue(): number {
    const value = this.read();
    if (typeof value !== 'number' || !Number.isInteger(value)) throw corrupt(`expected an int at ${this.pos}`);
    return value;
  }

  /** A string value (any of its encodings). */
  stringValue(): string {
    const value = this.read();
    if (typeof value !== 'string') throw corrupt(`expected a string at ${this.pos}`);
    return value;
  }

  private byte(): number {
    const value = this.buf[this.pos];
    if (value === undefined) throw truncated();
    this.pos++;
    return value;
  }

  private uint16(): number {
    return (this.byte() << 8) | this.byte();
  }

  private int32(): number {
    return this.take(4).readInt32BE(0);
  }

  private float64(): number {
    return this.take(8).readDoubleBE(0);
  }

  /** `length` bytes from the position, as a view; throws when fewer are left. */
  private take(length: number): Buffer {
    const start = this.pos;
    const end = start + length;
    if (end > this.buf.length) throw truncated();
    this.pos = end;
    return this.buf.subarray(start, end);
  }

  private long(value: number): number | bigint {
    return this.longs === 'bigint' ? BigInt(value) : value;
  }

  private long64(): number | bigint {
    const value = this.take(8).readBigInt64BE(0);
    if (this.longs === 'bigint' || value > MAX_SAFE || value < MIN_SAFE) return value;
    return Number(value);
  }

  /** A fixed length: never more elements than bytes left (each takes at least one). */
  private lengthOf(length: number): number {
    if (length < 0 || length > this.buf.length - this.pos) throw corrupt(`length ${length} exceeds the ${this.buf.length - this.pos} bytes left`);
    return length;
  }

  /**
   * `units` UTF-16 code units of Java's modified UTF-8 (a supplementary
   * character as two 3-byte surrogates, hessian.js and Caucho do so; a 4-byte
   * sequence is accepted too and counts two units).
   */
  private utf8(units: number): string {
    const { buf } = this;
    const start = this.pos;
    let pos = start;
    let plain = true;
    for (let n = 0; n < units; n++) {
      const lead = buf[pos];
      if (lead === undefined) throw truncated();
      if (lead < 0x80) pos++;
      else if (lead >= 0xc0 && lead < 0xe0) pos += 2;
      else if (lead >= 0xe0 && lead < 0xf0) {
        if (lead === 0xed) plain = false;
        pos += 3;
      } else if (lead >= 0xf0 && lead < 0xf8) {
        pos += 4;
        n++;
      } else throw corrupt(`bad UTF-8 byte 0x${lead.toString(16)} at ${pos}`);
    }
    if (pos > buf.length) throw truncated();
    this.pos = pos;
    return plain ? buf.toString('utf8', start, pos) : decodeCesu8(buf, start, pos);
  }

  private chunkedString(code: number): string {
    let out = '';
    for (;;) {
      out += this.utf8(this.uint16());
      if (code === 0x53) return out;
      code = this.byte();
      if (code === 0x52 || code === 0x53) continue;
      // The last chunk may also be a compact string.
      this.pos--;
      if (code <= 0x1f || (code >= 0x30 && code <= 0x33)) return out + this.stringValue();
      throw corrupt(`expected a string chunk at ${this.pos}`);
    }
  }

  /** A one-chunk byte[]: a copy, so a value kept by the application does not pin the read buffer. */
  private bytes(length: number): Buffer {
    const view = this.take(length);
    if (length <= 15) return view;
    const copy = Buffer.allocUnsafe(length);
    view.copy(copy);
    return copy;
  }

  private chunkedBytes(code: number): Buffer {
    const chunks: Buffer[] = [];
    for (;;) {
      chunks.push(this.take(this.uint16()));
      if (code === 0x42) return Buffer.concat(chunks);
      code = this.byte();
      if (code === 0x41 || code === 0x42) continue;
      if ((code >= 0x20 && code <= 0x2f) || (code >= 0x34 && code <= 0x37)) {
        this.pos--;
        chunks.push(this.read() as Buffer);
        return Buffer.concat(chunks);
      }
      throw corrupt(`expected a binary chunk at ${this.pos - 1}`);
    }
  }

  /** A list/map type: a string (remembered) or an int referring to one read before. */
  private type(): string {
    const code = this.buf[this.pos];
    if (code === undefined) throw truncated();
    if (code <= 0x1f || (code >= 0x30 && code <= 0x33) || code === 0x52 || code === 0x53) {
      const name = this.stringValue();
      this.types.push(name);
      return name;
    }
    const ref = this.intValue();
    const name = this.types[ref];
    if (name === undefined) throw corrupt(`type reference ${ref} of ${this.types.length}`);
    return name;
  }

  /** Entering a list, map or object: checks the depth and the object count. */
  private enter(): void {
    if (++this.depth > HESSIAN2_MAX_DEPTH) throw corrupt(`value nested deeper than ${HESSIAN2_MAX_DEPTH} levels`);
    if (this.refs.length >= this.limits.maxObjects) throw corrupt(`more than ${this.limits.maxObjects} lists, maps and objects in one body`);
  }

  /** A list of `length` values, or up to 'Z' when length is −1; typed lists keep their type name. */
  private list(type: string | undefined, length: number): unknown[] {
    this.enter();
    this.lengthOf(Math.max(length, 0));
    const out: unknown[] = [];
    if (type !== undefined && type !== 'java.util.ArrayList' && type !== 'java.util.List') setJavaClass(out, type);
    this.refs.push(out);
    if (length >= 0) for (let i = 0; i < length; i++) out.push(this.read());
    else while (!this.atEnd()) out.push(this.read());
    this.depth--;
    return out;
  }

  /** True (and past it) at the 'Z' that ends a variable-length list or a map. */
  private atEnd(): boolean {
    const code = this.buf[this.pos];
    if (code === undefined) throw truncated();
    if (code !== 0x5a) return false;
    this.pos++;
    return true;
  }

  /**
   * Entries up to 'Z': a plain object while every key is a string, a Map from
   * the first one that is not; a typed map keeps its type (sent back as it).
   */
  private map(type: string | undefined): unknown {
    this.enter();
    const index = this.refs.length;
    let object: Record<string, unknown> | undefined = {};
    let map: Map<unknown, unknown> | undefined;
    this.refs.push(object);
    while (!this.atEnd()) {
      const key = this.read();
      const value = this.read();
      if (object !== undefined && typeof key === 'string') {
        setOwn(object, key, value);
        continue;
      }
      if (map === undefined) {
        map = new Map(Object.entries(object!));
        object = undefined;
        this.refs[index] = map;
      }
      map.set(key, value);
    }
    this.depth--;
    const out = (map ?? object)!;
    return type === undefined || type === 'java.util.HashMap' || type === 'java.util.Map' || type === '' ? out : setJavaClass(out, type);
  }

  private classDefinition(): void {
    const name = this.stringValue();
    const count = this.lengthOf(this.intValue());
    const fields: string[] = [];
    for (let i = 0; i < count; i++) fields.push(this.stringValue());
    this.classes.push({ name, fields });
  }

  private object(classRef: number): unknown {
    const definition = this.classes[classRef];
    if (definition === undefined) throw corrupt(`class reference ${classRef} of ${this.classes.length}`);
    this.enter();
    const index = this.refs.length;
    const out: Record<string, unknown> = {};
    this.refs.push(out);
    for (const field of definition.fields) setOwn(out, field, this.read());
    this.depth--;
    const special = valueOfClass(definition.name, out);
    if (special !== undefined) {
      this.refs[index] = special;
      return special;
    }
    return setJavaClass(out, definition.name);
  }

  private reference(ref: number): unknown {
    if (ref < 0 || ref >= this.refs.length) throw corrupt(`reference ${ref} to an object not read (${this.refs.length} read)`);
    return this.refs[ref];
  }
}

/**
 * BigDecimal as its text and BigInteger as a bigint: the forms Java Dubbo and
 * dubbo-go write (apache/dubbo-hessian-lite
 * hessian-lite/src/main/java/com/alibaba/com/caucho/hessian/io/StringValueSerializer.java
 * and BigDecimalDeserializer.java; apache/dubbo-go-hessian2 serialize.go,
 * DecimalSerializer and IntegerSerializer).
 */
function valueOfClass(name: string, fields: Record<string, unknown>): unknown {
  if (name === 'java.math.BigDecimal') {
    if (typeof fields.value !== 'string') throw corrupt('java.math.BigDecimal without its value text');
    return fields.value;
  }
  if (name === 'java.math.BigInteger') return bigIntegerOf(fields.signum, fields.mag);
  return undefined;
}

/** Java's BigInteger fields: signum (−1, 0, 1) and mag, the magnitude as big-endian int32 words. */
function bigIntegerOf(signum: unknown, mag: unknown): bigint {
  if (typeof signum !== 'number' || !Array.isArray(mag)) throw corrupt('java.math.BigInteger without signum and mag');
  let value = 0n;
  for (const word of mag) {
    if (typeof word !== 'number' || !Number.isInteger(word)) throw corrupt('java.math.BigInteger mag is not int[]');
    value = (value << 32n) | BigInt(word >>> 0);
  }
  return signum < 0 ? -value : value;
}

/** Decodes CESU-8 (surrogates as 3-byte sequences) and plain 4-byte UTF-8 between start and end. */
function decodeCesu8(buf: Buffer, start: number, end: number): string {
  const units: number[] = [];
  let out = '';
  let pos = start;
  while (pos < end) {
    const lead = buf[pos]!;
    if (lead < 0x80) {
      units.push(lead);
      pos++;
    } else if (lead < 0xe0) {
      units.push(((lead & 0x1f) << 6) | (buf[pos + 1]! & 0x3f));
      pos += 2;
    } else if (lead < 0xf0) {
      units.push(((lead & 0x0f) << 12) | ((buf[pos + 1]! & 0x3f) << 6) | (buf[pos + 2]! & 0x3f));
      pos += 3;
    } else {
      const point = ((lead & 0x07) << 18) | ((buf[pos + 1]! & 0x3f) << 12) | ((buf[pos + 2]! & 0x3f) << 6) | (buf[pos + 3]! & 0x3f);
      units.push(0xd800 + ((point - 0x10000) >> 10), 0xdc00 + ((point - 0x10000) & 0x3ff));
      pos += 4;
    }
    if (units.length >= 4096) out += String.fromCharCode(...units.splice(0));
  }
  return out + String.fromCharCode(...units);
}

function truncated(): RpcError {
  return corrupt('truncated value');
}

function corrupt(message: string): RpcError {
  return new RpcError(ErrorCode.SERIALIZATION, `hessian2: ${message}`);
}
