/**
 * `Hessian2Encoder`: writes any JS value as hessian2 into a `Hessian2Writer`,
 * either as a declared Java type (`writeAs`) or by the documented inference
 * (`write`; docs/rpc.md "Java ↔ JS values").
 *
 * Our own encoder because hessian.js finds repeated objects with `indexOf`
 * (150 000 one-item lists block the event loop for seconds) and the values it
 * was given were first copied into a tree, which expanded shared references
 * exponentially. Here an object, array or Map met again in the same body is
 * written as a hessian reference (an identity Map, O(1)), as Java's
 * Hessian2Output does, so Java sees one object twice and the output — and the
 * work — is linear in the distinct values. The writer's byte limit stops a
 * body that grows beyond the frame limit while it is being written.
 *
 * The bytes equal hessian.js's for the values it writes correctly
 * (test/rpc/serialization/hessian2-fast-path.test.ts); deliberate differences:
 * NaN is a double (hessian.js: null), shared objects are references,
 * BigDecimal/BigInteger/Date are written for their declared types.
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import { javaClassOf, setJavaClass } from '../protocol/java-object.js';
import { HESSIAN2_MAX_DEPTH } from './hessian2-decoder.js';
import type { Hessian2Writer } from './hessian2-writer.js';

type Declared = (encoder: Hessian2Encoder, value: unknown, type: string) => void;

const INT_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  int: [-0x8000_0000, 0x7fff_ffff],
  'java.lang.Integer': [-0x8000_0000, 0x7fff_ffff],
  short: [-0x8000, 0x7fff],
  'java.lang.Short': [-0x8000, 0x7fff],
  byte: [-0x80, 0x7f],
  'java.lang.Byte': [-0x80, 0x7f],
};
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;
const DECIMAL_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER_TEXT = /^[+-]?\d+$/;
/** Map classes written as an untyped map (Java reads it as a HashMap); other Map classes keep their type ('M'). */
const PLAIN_MAP_CLASSES = new Set(['java.util.HashMap', 'java.util.Map']);
const MAP_CLASS = /^java\.util\.(concurrent\.)?\w*Map$|^java\.util\.Hashtable$|^java\.util\.Properties$/;
/** Hessian's short component names in array types (Java's ArraySerializer). */
const ARRAY_COMPONENTS: Readonly<Record<string, string>> = {
  string: 'java.lang.String',
  object: 'java.lang.Object',
};
/** Array types Java writes as one hessian value (binary, string), by their hessian names. */
const SCALAR_ARRAYS: Readonly<Record<string, string>> = { '[byte': '[B', '[char': '[C' };
const PRIMITIVE_CODES: Readonly<Record<string, string>> = {
  Z: 'boolean', B: 'byte', C: 'char', D: 'double', F: 'float', I: 'int', J: 'long', S: 'short',
};

export class Hessian2Encoder {
  /** Objects written in this body → their reference number; created on first use. */
  private refs: Map<object, number> | undefined;
  /** Lists, maps and objects written in this body (their reference numbers, shared with values that cannot be keys). */
  private refCount = 0;
  private classes: Map<string, { index: number; fields: readonly string[] }> | undefined;
  private types: Map<string, number> | undefined;
  private depth = 0;

  constructor(private readonly out: Hessian2Writer) {}

  /** Starts a new body: references, class and type definitions start again from 0. */
  begin(): void {
    this.refs?.clear();
    this.classes?.clear();
    this.types?.clear();
    this.refCount = 0;
    this.depth = 0;
  }

  /** `value` as Java `type` (a name as in a service definition); throws RpcError SERIALIZATION when it cannot be. */
  writeAs(type: string, value: unknown): void {
    if (value === null || value === undefined) {
      this.out.null();
      return;
    }
    const declared = DECLARED.get(type);
    if (declared !== undefined) declared(this, value, type);
    else if (type.startsWith('[') || type.endsWith('[]')) this.array(arrayTypeName(type), value);
    else this.declaredClass(type, value);
  }

  /** `value` by inference: what its JS kind (and carried Java class) says. */
  write(value: unknown): void {
    switch (typeof value) {
      case 'string':
        this.out.string(value);
        return;
      case 'number':
        this.number(value);
        return;
      case 'boolean':
        this.out.boolean(value);
        return;
      case 'bigint':
        if (value >= LONG_MIN && value <= LONG_MAX) this.out.long(value);
        else this.bigInteger(value);
        return;
      case 'object':
        if (value === null) this.out.null();
        else this.object(value);
        return;
      default:
        // undefined, functions and symbols have no Java value (hessian.js writes null too).
        this.out.null();
    }
  }

  private number(value: number): void {
    if (Number.isInteger(value) && value >= -0x8000_0000 && value <= 0x7fff_ffff) this.out.int(value);
    else if (Number.isSafeInteger(value)) this.out.long(value);
    else this.out.double(value);
  }

  private object(value: object): void {
    if (value instanceof Date) {
      this.date(value);
      return;
    }
    if (value instanceof Uint8Array) {
      this.out.bytes(asBuffer(value));
      return;
    }
    if (this.writtenBefore(value)) return;
    if (Array.isArray(value)) {
      // A Java array decoded from a peer (e.g. `[int`) goes back as that array, its elements as the component type.
      const type = javaClassOf(value);
      this.list(value, type, type?.startsWith('[') ? arrayComponent(type) : undefined, value);
      return;
    }
    if (value instanceof Map) {
      this.map(value, mapType(javaClassOf(value)), value);
      return;
    }
    if (value instanceof Set) {
      this.list([...value], undefined, undefined, value);
      return;
    }
    const record = value as Record<string, unknown>;
    if (typeof record.$class === 'string' && '$' in record) {
      this.jsToJava(record.$class, record.$, value);
      return;
    }
    const className = javaClassOf(value);
    if (className !== undefined) {
      this.classOrMap(className, record, value);
      return;
    }
    this.map(record, undefined, value);
  }

  /** Writes a reference and returns true when `value` was written as a list, map or object before in this body. */
  private writtenBefore(value: object): boolean {
    const ref = this.refs?.get(value);
    if (ref === undefined) return false;
    this.out.byte(0x51);
    this.out.int(ref);
    return true;
  }

  /** Numbers the list, map or object being written (Hessian2Output.addRef); `identity` is the JS value it came from. */
  private numberValue(identity: object | undefined): void {
    if (identity !== undefined) (this.refs ??= new Map()).set(identity, this.refCount);
    this.refCount++;
  }

  /** The js-to-java form `{ $class, $ }` (hessian.js's): a primitive box, an array type, a map or a class. */
  private jsToJava(className: string, inner: unknown, identity: object): void {
    if (inner === null || inner === undefined) {
      this.out.null();
      return;
    }
    if (className === 'java.lang.Object') {
      this.write(inner);
      return;
    }
    const declared = DECLARED.get(className);
    if (declared !== undefined && !Array.isArray(inner)) {
      declared(this, inner, className);
      return;
    }
    if (Array.isArray(inner)) {
      const component = className.startsWith('[') ? arrayComponent(className) : undefined;
      this.list(inner, className === 'java.util.ArrayList' ? undefined : className, component, identity);
      return;
    }
    if (typeof inner !== 'object') throw mismatch(inner, className);
    this.classOrMap(className, inner as Record<string, unknown>, identity);
  }

  /** A POJO (or Map class) declared by name, from a plain object, a js-to-java form or a value carrying its class. */
  private declaredClass(type: string, value: unknown): void {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array || value instanceof Date) {
      throw mismatch(value, type);
    }
    const record = value as Record<string, unknown>;
    if ((typeof record.$class === 'string' && '$' in record) || value instanceof Map) {
      this.write(value);
      return;
    }
    if (this.writtenBefore(value)) return;
    // A value that carries its own class may be a subclass of the declared one.
    this.classOrMap(javaClassOf(value) ?? type, record, value);
  }

  /** A map declared as Map class `type` (a class the value carries wins): typed unless HashMap/Map, as MapSerializer writes it. */
  mapAs(type: string, value: object): void {
    if (this.writtenBefore(value)) return;
    this.map(value as Map<unknown, unknown> | Record<string, unknown>, mapType(javaClassOf(value) ?? type), value);
  }

  private classOrMap(className: string, fields: Record<string, unknown>, identity: object): void {
    if (PLAIN_MAP_CLASSES.has(className) || MAP_CLASS.test(className)) this.map(fields, mapType(className), identity);
    else this.pojo(className, fields, identity);
  }

  private enter(): void {
    if (++this.depth > HESSIAN2_MAX_DEPTH) {
      throw new RpcError(ErrorCode.SERIALIZATION, `value nested deeper than ${HESSIAN2_MAX_DEPTH} levels`);
    }
  }

  /** A fixed-length list (Hessian2Output.writeListBegin), typed when `type` is given; elements as `component` or inferred. */
  private list(items: readonly unknown[], type: string | undefined, component: string | undefined, identity: object | undefined): void {
    this.enter();
    this.numberValue(identity);
    const { out } = this;
    const length = items.length;
    if (length <= 7) {
      out.byte((type === undefined ? 0x78 : 0x70) + length);
      if (type !== undefined) this.type(type);
    } else {
      out.byte(type === undefined ? 0x58 : 0x56);
      if (type !== undefined) this.type(type);
      out.int(length);
    }
    if (component === undefined) for (let i = 0; i < length; i++) this.write(items[i]);
    else for (let i = 0; i < length; i++) this.writeAs(component, items[i]);
    this.depth--;
  }

  /** A map: 'H' untyped or 'M' typed; a plain object's keys sorted, as hessian.js writes them. */
  private map(value: Map<unknown, unknown> | Record<string, unknown>, type: string | undefined, identity: object): void {
    this.enter();
    this.numberValue(identity);
    const { out } = this;
    if (type === undefined) out.byte(0x48);
    else {
      out.byte(0x4d);
      this.type(type);
    }
    if (value instanceof Map) {
      for (const [key, item] of value) {
        this.write(key);
        this.write(item);
      }
    } else {
      const keys = Object.keys(value).sort();
      for (const key of keys) {
        out.string(key);
        this.write(value[key]);
      }
    }
    out.byte(0x5a);
    this.depth--;
  }

  /** An object of `className` ('C' definition once per body, then 'O'/0x60+n); fields as the first definition lists them. */
  private pojo(className: string, fields: Record<string, unknown>, identity: object | undefined): void {
    this.enter();
    this.numberValue(identity);
    this.classes ??= new Map();
    let definition = this.classes.get(className);
    if (definition === undefined) {
      definition = { index: this.classes.size, fields: Object.keys(fields) };
      this.classes.set(className, definition);
      this.out.byte(0x43);
      this.out.string(className);
      this.out.int(definition.fields.length);
      for (const field of definition.fields) this.out.string(field);
    }
    this.objectStart(definition.index);
    for (const field of definition.fields) this.write(fields[field]);
    this.depth--;
  }

  private objectStart(index: number): void {
    if (index <= 15) this.out.byte(0x60 + index);
    else {
      this.out.byte(0x4f);
      this.out.int(index);
    }
  }

  /** A list or map type: the name the first time in a body, then its number. */
  private type(name: string): void {
    this.types ??= new Map();
    const ref = this.types.get(name);
    if (ref !== undefined) this.out.int(ref);
    else {
      this.types.set(name, this.types.size);
      this.out.string(name);
    }
  }

  /** An object with one field `value`, the text: how hessian-lite's StringValueSerializer writes BigDecimal. */
  stringValued(className: string, text: string): void {
    this.pojo(className, { value: text }, undefined);
  }

  /** java.math.BigInteger as Java's fields signum and mag (int[] of big-endian words), as dubbo-go-hessian2 writes it. */
  bigInteger(value: bigint): void {
    const signum = value < 0n ? -1 : value > 0n ? 1 : 0;
    let magnitude = value < 0n ? -value : value;
    const mag: number[] = [];
    while (magnitude > 0n) {
      mag.unshift(Number(BigInt.asIntN(32, magnitude & 0xffff_ffffn)));
      magnitude >>= 32n;
    }
    // An object like any other, so its fields follow this body's definition of the class.
    this.pojo('java.math.BigInteger', { signum, mag: setJavaClass(mag, '[int') }, undefined);
  }

  date(value: Date): void {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw new RpcError(ErrorCode.SERIALIZATION, 'cannot send an invalid Date');
    this.out.date(ms);
  }

  /** A JS array (or Set) as a Java array type such as `[I` or `com.x.User[]`. */
  private array(type: string, value: unknown): void {
    const items = value instanceof Set ? [...value] : value;
    if (!Array.isArray(items)) throw mismatch(value, type);
    if (this.writtenBefore(value as object)) return;
    const hessianType = hessianArrayType(type);
    this.list(items, hessianType, arrayComponent(hessianType), value as object);
  }

  get writer(): Hessian2Writer {
    return this.out;
  }
}

/** The 'M' type of a Map class, or undefined for an untyped 'H' map (HashMap, Map, or no class). */
function mapType(className: string | undefined): string | undefined {
  return className === undefined || PLAIN_MAP_CLASSES.has(className) ? undefined : className;
}

function asBuffer(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

function writeInt(encoder: Hessian2Encoder, value: unknown, type: string): void {
  const [min, max] = INT_RANGES[type]!;
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) throw mismatch(value, type);
  encoder.writer.int(n);
}

function writeLong(encoder: Hessian2Encoder, value: unknown, type: string): void {
  if (typeof value === 'bigint') {
    if (value < LONG_MIN || value > LONG_MAX) throw mismatch(value, type);
    encoder.writer.long(value);
  } else if (typeof value === 'number' && Number.isInteger(value) && value >= -(2 ** 63) && value < 2 ** 63) {
    encoder.writer.long(value);
  } else if (typeof value === 'string' && INTEGER_TEXT.test(value)) {
    writeLong(encoder, BigInt(value), type);
  } else throw mismatch(value, type);
}

function writeDouble(encoder: Hessian2Encoder, value: unknown, type: string): void {
  if (typeof value === 'number') encoder.writer.double(value);
  else if (typeof value === 'bigint') encoder.writer.double(Number(value));
  else throw mismatch(value, type);
}

function writeBoolean(encoder: Hessian2Encoder, value: unknown, type: string): void {
  if (typeof value !== 'boolean') throw mismatch(value, type);
  encoder.writer.boolean(value);
}

/**
 * String, and char/Character as hessian-lite writes them: a one-character
 * string (apache/dubbo-hessian-lite .../hessian/io/BasicSerializer.java, which
 * also writes short/byte as int and float as a double).
 */
function writeString(encoder: Hessian2Encoder, value: unknown, type: string): void {
  if (typeof value !== 'string') throw mismatch(value, type);
  encoder.writer.string(value);
}

function writeBytes(encoder: Hessian2Encoder, value: unknown, type: string): void {
  if (!(value instanceof Uint8Array)) throw mismatch(value, type);
  encoder.writer.bytes(asBuffer(value));
}

function writeDate(encoder: Hessian2Encoder, value: unknown, type: string): void {
  if (value instanceof Date) encoder.date(value);
  else if (typeof value === 'number' && Number.isSafeInteger(value)) encoder.writer.date(value);
  else throw mismatch(value, type);
}

function writeBigDecimal(encoder: Hessian2Encoder, value: unknown, type: string): void {
  let text: string;
  if (typeof value === 'string' && DECIMAL_TEXT.test(value)) text = value;
  else if (typeof value === 'bigint' || (typeof value === 'number' && Number.isFinite(value))) text = String(value);
  else throw mismatch(value, type);
  encoder.stringValued('java.math.BigDecimal', text);
}

function writeBigInteger(encoder: Hessian2Encoder, value: unknown, type: string): void {
  if (typeof value === 'bigint') encoder.bigInteger(value);
  else if (typeof value === 'number' && Number.isSafeInteger(value)) encoder.bigInteger(BigInt(value));
  else if (typeof value === 'string' && INTEGER_TEXT.test(value)) encoder.bigInteger(BigInt(value));
  else throw mismatch(value, type);
}

function writeList(encoder: Hessian2Encoder, value: unknown, type: string): void {
  const items = value instanceof Set ? [...value] : value;
  if (!Array.isArray(items)) throw mismatch(value, type);
  encoder.write(items);
}

function writeMap(encoder: Hessian2Encoder, value: unknown, type: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array || value instanceof Date) {
    throw mismatch(value, type);
  }
  const record = value as Record<string, unknown>;
  if (typeof record.$class === 'string' && '$' in record) encoder.write(value);
  else encoder.mapAs(type, value);
}

function writeAny(encoder: Hessian2Encoder, value: unknown): void {
  encoder.write(value);
}

const DECLARED = new Map<string, Declared>();
for (const type of Object.keys(INT_RANGES)) DECLARED.set(type, writeInt);
for (const type of ['long', 'java.lang.Long']) DECLARED.set(type, writeLong);
for (const type of ['double', 'java.lang.Double', 'float', 'java.lang.Float']) DECLARED.set(type, writeDouble);
for (const type of ['boolean', 'java.lang.Boolean']) DECLARED.set(type, writeBoolean);
// Hessian writes a char[] as a string (BasicSerializer CHARACTER_ARRAY).
for (const type of ['java.lang.String', 'char', 'java.lang.Character', '[C', 'char[]']) DECLARED.set(type, writeString);
for (const type of ['[B', 'byte[]']) DECLARED.set(type, writeBytes);
DECLARED.set('java.util.Date', writeDate);
DECLARED.set('java.math.BigDecimal', writeBigDecimal);
DECLARED.set('java.math.BigInteger', writeBigInteger);
for (const type of ['java.util.List', 'java.util.ArrayList', 'java.util.LinkedList', 'java.util.Collection', 'java.util.Set', 'java.util.HashSet']) {
  DECLARED.set(type, writeList);
}
for (const type of ['java.util.Map', 'java.util.HashMap', 'java.util.LinkedHashMap']) DECLARED.set(type, writeMap);
DECLARED.set('java.lang.Object', writeAny);

/** `int[]` → `[I`, `java.lang.String[]` → `[Ljava.lang.String;`; descriptor forms unchanged. */
function arrayTypeName(type: string): string {
  if (!type.endsWith('[]')) return type;
  const component = type.slice(0, -2);
  if (component.endsWith('[]')) return '[' + arrayTypeName(component);
  const code = Object.keys(PRIMITIVE_CODES).find((key) => PRIMITIVE_CODES[key] === component);
  return code !== undefined ? '[' + code : `[L${component};`;
}

/** Hessian's list type for a Java array: `[I` → `[int`, `[Ljava.lang.String;` → `[string`, `[[J` → `[[long`. */
function hessianArrayType(type: string): string {
  const component = type.slice(1);
  if (component.startsWith('[')) return '[' + hessianArrayType(component);
  const primitive = PRIMITIVE_CODES[component];
  if (primitive !== undefined) return '[' + primitive;
  const name = component.startsWith('L') && component.endsWith(';') ? component.slice(1, -1) : component;
  return '[' + (name === 'java.lang.String' ? 'string' : name === 'java.lang.Object' ? 'object' : name);
}

/**
 * The Java type of a hessian array type's elements: `[int` → `int`, `[string` → `java.lang.String`,
 * `[[int` → `[int`, and `[[byte` → `[B` (`[[char` → `[C`): Java writes a byte[] element as binary
 * and a char[] as a string, not as a list (hessian-lite ArraySerializer writes each element with
 * writeObject, which picks ByteArraySerializer / BasicSerializer CHARACTER_ARRAY).
 */
function arrayComponent(hessianType: string): string {
  const component = hessianType.slice(1);
  if (component.startsWith('[')) return SCALAR_ARRAYS[component] ?? component;
  return ARRAY_COMPONENTS[component] ?? component;
}

function mismatch(value: unknown, type: string): RpcError {
  // Never null: every declared type writes null as null.
  const got = Array.isArray(value) ? 'array' : typeof value;
  return new RpcError(ErrorCode.SERIALIZATION, `cannot send a JS ${got} as Java ${type}`);
}
