/**
 * Java type names ↔ JVM descriptors, hessian wrapping of JS values for a
 * declared Java type, and the inference of Java types from JS values for
 * TS↔TS calls (docs/rpc.md "Service definitions").
 *
 * Type names follow `Class.getName()`: `int`, `java.lang.String`, and for
 * arrays the descriptor form with dots (`[I`, `[Ljava.lang.String;`). The
 * source form `int[]` / `java.lang.String[]` is accepted too.
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import { javaClassOf, setOwn } from './java-object.js';

// Lookup tables are Maps, not object literals: a type name such as `constructor` or
// `toString` must not find a property of Object.prototype.
/** Java primitive name → descriptor letter (org.apache.dubbo.common.utils.ReflectUtils.getDesc). */
const primitiveToCode: ReadonlyMap<string, string> = new Map([
  ['void', 'V'],
  ['boolean', 'Z'],
  ['byte', 'B'],
  ['char', 'C'],
  ['double', 'D'],
  ['float', 'F'],
  ['int', 'I'],
  ['long', 'J'],
  ['short', 'S'],
]);
const codeToPrimitive: ReadonlyMap<string, string> = new Map([...primitiveToCode].map(([name, code]) => [code, name]));

/** Java's descriptor for Dubbo's generic `$invoke(String method, String[] types, Object[] args)`. */
export const GENERIC_PARAMETER_TYPES: readonly string[] = ['java.lang.String', '[Ljava.lang.String;', '[Ljava.lang.Object;'];
/** Java's descriptor for Dubbo's `$echo(Object)`. */
export const ECHO_PARAMETER_TYPES: readonly string[] = ['java.lang.Object'];

/** Deepest nesting the value walkers accept (cycles end here instead of looping). */
const MAX_DEPTH = 64;

/** `java.lang.String` → `Ljava/lang/String;`, `int` → `I`, `int[]` → `[I`. */
export function javaTypeToDescriptor(type: string): string {
  if (type.endsWith('[]')) return '[' + javaTypeToDescriptor(type.slice(0, -2));
  if (type.startsWith('[')) return type.replaceAll('.', '/');
  const code = primitiveToCode.get(type);
  if (code !== undefined) return code;
  if (type.length === 0) throw new RpcError(ErrorCode.INVALID_ARGUMENT, 'empty Java type name');
  return 'L' + type.replaceAll('.', '/') + ';';
}

/** Concatenated descriptors of a parameter list, e.g. `Ljava/lang/String;I`. */
export function parameterTypesToDescriptor(types: readonly string[]): string {
  let out = '';
  for (const type of types) out += javaTypeToDescriptor(type);
  return out;
}

/** Descriptor of each parameter list seen (by array identity: definitions keep theirs for good). */
const descriptorsByTypes = new WeakMap<readonly string[], string>();
/** Parsed descriptors; at most MAX_PARSED_DESCRIPTORS, then cleared (a peer cannot grow it without bound). */
const typesByDescriptor = new Map<string, readonly string[]>();
const MAX_PARSED_DESCRIPTORS = 512;

/**
 * `parameterTypesToDescriptor`, remembered per array: a reference sends the
 * same list object on every call (docs/performance.md "RPC call path": 2 % of a protobuf call).
 */
export function descriptorOfTypes(types: readonly string[]): string {
  let descriptor = descriptorsByTypes.get(types);
  if (descriptor === undefined) descriptorsByTypes.set(types, (descriptor = parameterTypesToDescriptor(types)));
  return descriptor;
}

/** `descriptorToJavaTypes`, remembered per descriptor text; each call gets its own array. */
export function javaTypesOfDescriptor(desc: string): string[] {
  let types = typesByDescriptor.get(desc);
  if (types === undefined) {
    types = descriptorToJavaTypes(desc);
    if (typesByDescriptor.size >= MAX_PARSED_DESCRIPTORS) typesByDescriptor.clear();
    typesByDescriptor.set(desc, types);
  }
  return types.slice();
}

/** Reads one field descriptor starting at `pos`; returns the Java name and the next position. */
function readOneDescriptor(desc: string, pos: number): [string, number] {
  let dims = 0;
  while (desc[pos] === '[') {
    dims++;
    pos++;
  }
  const c = desc.charAt(pos);
  if (c === 'L') {
    const end = desc.indexOf(';', pos);
    if (end < 0 || end === pos + 1) throw badDescriptor(desc);
    const body = desc.slice(pos, end + 1);
    const name = dims > 0 ? '['.repeat(dims) + body.replaceAll('/', '.') : body.slice(1, -1).replaceAll('/', '.');
    return [name, end + 1];
  }
  const primitive = codeToPrimitive.get(c);
  if (primitive === undefined || (primitive === 'void' && dims > 0)) throw badDescriptor(desc);
  return [dims > 0 ? '['.repeat(dims) + c : primitive, pos + 1];
}

function badDescriptor(desc: string): RpcError {
  return new RpcError(ErrorCode.BAD_REQUEST, `malformed parameter descriptor ${JSON.stringify(desc.slice(0, 200))}`);
}

/** `Ljava/lang/String;[I` → [`java.lang.String`, `[I`]; throws RpcError BAD_REQUEST when malformed. */
export function descriptorToJavaTypes(desc: string): string[] {
  const types: string[] = [];
  let pos = 0;
  while (pos < desc.length) {
    const [name, next] = readOneDescriptor(desc, pos);
    types.push(name);
    pos = next;
  }
  return types;
}

/**
 * The documented inference for TS↔TS calls without declared types:
 * string → java.lang.String; integer number in int32 range → java.lang.Integer;
 * other integers → java.lang.Long; non-integer number → java.lang.Double;
 * boolean → java.lang.Boolean; bigint → java.lang.Long (java.math.BigInteger
 * beyond 64 bits); Buffer/Uint8Array → `[B` (byte[]); Date → java.util.Date;
 * array or Set → java.util.List; Map or plain object → java.util.Map;
 * `{ $class }` or an object carrying its Java class (java-object.ts) → that
 * class; null/undefined → java.lang.Object.
 */
export function inferJavaType(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return 'java.lang.String';
    case 'boolean':
      return 'java.lang.Boolean';
    case 'bigint':
      return value >= -(2n ** 63n) && value < 2n ** 63n ? 'java.lang.Long' : 'java.math.BigInteger';
    case 'number':
      return inferNumberType(value);
    default:
      return inferObjectType(value);
  }
}

function inferNumberType(value: number): string {
  if (!Number.isInteger(value)) return 'java.lang.Double';
  return value >= -0x80000000 && value <= 0x7fffffff ? 'java.lang.Integer' : 'java.lang.Long';
}

function inferObjectType(value: unknown): string {
  if (value === null || typeof value !== 'object') return 'java.lang.Object';
  if (value instanceof Uint8Array) return '[B';
  if (value instanceof Date) return 'java.util.Date';
  if (Array.isArray(value) || value instanceof Set) return 'java.util.List';
  const cls = (value as { $class?: unknown }).$class;
  if (typeof cls === 'string') return cls;
  return javaClassOf(value) ?? 'java.util.Map';
}

/** Hessian's short list-type names for arrays (Java's ArraySerializer writes these). */
const hessianComponentNames: ReadonlyMap<string, string> = new Map([
  ['java.lang.String', 'string'],
  ['java.lang.Object', 'object'],
]);

/** `[I` → `[int`, `[Ljava.lang.String;` → `[string`, `[[J` → `[[long`. */
function hessianArrayType(type: string): string {
  const component = type.slice(1);
  if (component.startsWith('[')) return '[' + hessianArrayType(component);
  const primitive = codeToPrimitive.get(component);
  if (primitive !== undefined) return '[' + primitive;
  const name = component.startsWith('L') && component.endsWith(';') ? component.slice(1, -1) : component;
  return '[' + (hessianComponentNames.get(name) ?? name);
}

/** Java name of an array's component: `[I` → `int`, `[Ljava.lang.String;` → `java.lang.String`, `[[I` → `[I`. */
function componentType(type: string): string {
  const component = type.slice(1);
  const primitive = codeToPrimitive.get(component);
  if (primitive !== undefined) return primitive;
  // An array component (`[I`) is neither a primitive letter nor `L...;`: it stays as it is.
  return component.startsWith('L') && component.endsWith(';') ? component.slice(1, -1) : component;
}

function normaliseArrayName(type: string): string {
  if (!type.endsWith('[]')) return type;
  return javaTypeToDescriptor(type).replaceAll('/', '.');
}

type Wrapper = (value: unknown, type: string, depth: number) => unknown;

/**
 * Range of each integral Java type: a value outside it (or not whole) would
 * arrive truncated, so it is refused as the hessian2 encoder refuses it
 * (rpc/serialization/hessian2-encoder.ts writeInt).
 */
const INT_RANGES: ReadonlyMap<string, readonly [number, number]> = new Map([
  ['int', [-0x8000_0000, 0x7fff_ffff]],
  ['java.lang.Integer', [-0x8000_0000, 0x7fff_ffff]],
  ['short', [-0x8000, 0x7fff]],
  ['java.lang.Short', [-0x8000, 0x7fff]],
  ['byte', [-0x80, 0x7f]],
  ['java.lang.Byte', [-0x80, 0x7f]],
]);
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

function wrapInt(value: unknown, type: string): unknown {
  const [min, max] = INT_RANGES.get(type)!;
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) throw mismatch(value, type);
  return { $class: type, $: n };
}
function wrapDouble(value: unknown, type: string): unknown {
  if (typeof value === 'number') return { $class: type, $: value };
  if (typeof value === 'bigint') return { $class: type, $: Number(value) };
  throw mismatch(value, type);
}
/** A Java long (java.lang.Long range): bigint, whole number, or decimal digits; hessian.js takes big ones as text. */
function wrapLong(value: unknown, type: string): unknown {
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return wrapLong(BigInt(value), type);
  if (typeof value === 'bigint') {
    if (value < LONG_MIN || value > LONG_MAX) throw mismatch(value, type);
    return { $class: 'long', $: value.toString() };
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < -(2 ** 63) || value >= 2 ** 63) throw mismatch(value, type);
  return { $class: 'long', $: value };
}
function wrapBoolean(value: unknown, type: string): unknown {
  if (typeof value !== 'boolean') throw mismatch(value, type);
  return { $class: 'boolean', $: value };
}
function wrapDate(value: unknown, type: string): unknown {
  if (!(value instanceof Date)) throw mismatch(value, type);
  return value;
}
function wrapString(value: unknown, type: string): unknown {
  if (typeof value !== 'string') throw mismatch(value, type);
  return value;
}
function wrapBytes(value: unknown, type: string): unknown {
  if (!(value instanceof Uint8Array)) throw mismatch(value, type);
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}
function wrapList(value: unknown, type: string, depth: number): unknown {
  if (!Array.isArray(value)) throw mismatch(value, type);
  return value.map((item) => toHessian(item, depth + 1));
}
function wrapMap(value: unknown, type: string, depth: number): unknown {
  if (typeof value !== 'object' || Array.isArray(value)) throw mismatch(value, type);
  return toHessian(value, depth);
}
function wrapObject(value: unknown, _type: string, depth: number): unknown {
  return toHessian(value, depth);
}

function mismatch(value: unknown, type: string): RpcError {
  // null never gets here: wrapForJava sends it as null for every type.
  const got = Array.isArray(value) ? 'array' : typeof value;
  return new RpcError(ErrorCode.SERIALIZATION, `cannot send a JS ${got} as Java ${type}`);
}

const wrappers: ReadonlyMap<string, Wrapper> = new Map([
  ['int', wrapInt],
  ['java.lang.Integer', wrapInt],
  ['short', wrapInt],
  ['java.lang.Short', wrapInt],
  ['byte', wrapInt],
  ['java.lang.Byte', wrapInt],
  ['long', wrapLong],
  ['java.lang.Long', wrapLong],
  ['double', wrapDouble],
  ['java.lang.Double', wrapDouble],
  ['float', wrapDouble],
  ['java.lang.Float', wrapDouble],
  ['boolean', wrapBoolean],
  ['java.lang.Boolean', wrapBoolean],
  ['java.lang.String', wrapString],
  ['char', wrapString],
  ['java.lang.Character', wrapString],
  ['[B', wrapBytes],
  ['java.util.List', wrapList],
  ['java.util.ArrayList', wrapList],
  ['java.util.Collection', wrapList],
  ['java.util.Set', wrapList],
  ['java.util.Map', wrapMap],
  ['java.util.HashMap', wrapMap],
  ['java.util.Date', wrapDate],
  ['java.lang.Object', wrapObject],
]);

/**
 * The js-to-java form of a JS value for hessian.js (the hessian2
 * serialization itself writes declared types with Hessian2Encoder; this form
 * remains for code that drives hessian.js, e.g. the byte-compatibility tests).
 * Wraps a JS value so hessian.js writes it as the declared Java type:
 * numbers become int/long/double per the type, bigint a long, Uint8Array a
 * byte[], arrays typed lists, and a plain object for a class name becomes a
 * hessian object of that class (`{ $class, $ }`). null stays null. Throws
 * RpcError SERIALIZATION when the JS value cannot be that Java type.
 */
export function wrapForJava(type: string, value: unknown, depth = 0): unknown {
  if (value === null || value === undefined) return null;
  const name = normaliseArrayName(type);
  const wrapper = wrappers.get(name);
  if (wrapper !== undefined) return wrapper(value, name, depth);
  if (name.startsWith('[')) return wrapArray(value, name, depth);
  return wrapClass(value, name, depth);
}

function wrapArray(value: unknown, type: string, depth: number): unknown {
  if (!Array.isArray(value)) throw mismatch(value, type);
  checkDepth(depth);
  const component = componentType(type);
  return { $class: hessianArrayType(type), $: value.map((item) => wrapForJava(component, item, depth + 1)) };
}

function wrapClass(value: unknown, type: string, depth: number): unknown {
  if (typeof value !== 'object') throw mismatch(value, type);
  if (typeof (value as { $class?: unknown }).$class === 'string') return toHessian(value, depth);
  checkDepth(depth);
  return { $class: type, $: toHessianFields(value as Record<string, unknown>, depth) };
}

function checkDepth(depth: number): void {
  if (depth > MAX_DEPTH) throw new RpcError(ErrorCode.SERIALIZATION, `value nested deeper than ${MAX_DEPTH} levels`);
}

/**
 * Prepares an undeclared value for hessian.js (not used by the hessian2
 * serialization; it copies, so shared objects become separate copies): bigint → long, Uint8Array →
 * Buffer, Map → plain map, nested values likewise. hessian.js writes the
 * rest by its own inference (int, long, double, string, list, map).
 */
export function toHessian(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return { $class: 'long', $: value.toString() };
  if (typeof value !== 'object') return value;
  checkDepth(depth);
  if (Buffer.isBuffer(value) || value instanceof Date) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (Array.isArray(value)) return value.map((item) => toHessian(item, depth + 1));
  if (value instanceof Map) return toHessianFields(Object.fromEntries(value), depth);
  // A `{ $class, $ }` wrapper is copied like any object, so its `$` is prepared as any value:
  // a Date, Map or Uint8Array inside stays one.
  return toHessianFields(value as Record<string, unknown>, depth);
}

/** The fields of an object at `depth` (already checked), each converted one level deeper. */
function toHessianFields(fields: Record<string, unknown>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // setOwn: a `__proto__` field (JSON or a decoded map may carry one) stays a field.
  for (const key of Object.keys(fields)) setOwn(out, key, toHessian(fields[key], depth + 1));
  return out;
}
