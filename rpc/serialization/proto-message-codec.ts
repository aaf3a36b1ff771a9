/**
 * One protobuf message type as JS values: a strict encoder (an unknown or
 * misspelled field, an unknown enum name, or a value its field cannot hold is
 * an INVALID_ARGUMENT error naming it, never a silent drop or coercion, which
 * is what protobufjs's `fromObject` does) and a decoder with the documented JS types for 64-bit integers and
 * enums (docs/rpc.md, "protobuf services").
 */
import type protobuf from 'protobufjs';
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import { protobufjs } from './protobufjs-module.js';
import { ProtoWireBudget } from './proto-wire-budget.js';

/**
 * 64-bit integers (int64, uint64, sint64, fixed64, sfixed64) as JS values:
 * `'number'` (default) a number within ±(2^53−1), a bigint beyond, as for
 * hessian2 longs; `'bigint'` always a bigint (protobufjs's `longs: BigInt`).
 * Either is accepted when sending, as is a decimal string.
 */
export type ProtoLongs = 'number' | 'bigint';
/** Enums as JS values: `'name'` (default, proto3 JSON mapping) or `'number'`. Either is accepted when sending. */
export type ProtoEnums = 'name' | 'number';

export interface ProtoValueOptions {
  /** Default 'number'. */
  longs?: ProtoLongs;
  /** Default 'name'. */
  enums?: ProtoEnums;
}

/** protobufjs's own nesting bound (`util.recursionLimit`), read once protobufjs is loaded. */
const maxDepth = (): number => protobufjs().util.recursionLimit;
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);

export class ProtoMessageCodec {
  private readonly toObjectOptions: protobuf.IConversionOptions;
  private readonly safeLongsAsNumbers: boolean;

  constructor(
    readonly type: protobuf.Type,
    options: ProtoValueOptions = {},
  ) {
    const enums = options.enums ?? 'name';
    const longs = options.longs ?? 'number';
    if (enums !== 'name' && enums !== 'number') throw new RpcError(ErrorCode.INVALID_ARGUMENT, `enums must be 'name' or 'number', got ${String(enums)}`);
    if (longs !== 'number' && longs !== 'bigint') throw new RpcError(ErrorCode.INVALID_ARGUMENT, `longs must be 'number' or 'bigint', got ${String(longs)}`);
    this.toObjectOptions = { longs: BigInt, enums: enums === 'name' ? String : undefined, defaults: true };
    this.safeLongsAsNumbers = longs === 'number' && hasLongFields(type, new Set());
  }

  /** The message bytes of a plain object (or a protobufjs message); throws INVALID_ARGUMENT naming a wrong field. */
  encode(value: unknown): Uint8Array {
    const { type } = this;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new RpcError(ErrorCode.INVALID_ARGUMENT, `${fullName(type)} needs an object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
    }
    if (!(value instanceof protobufjs().Message)) checkMessage(type, value as Record<string, unknown>, '', 0);
    try {
      return type.encode(type.fromObject(value as Record<string, unknown>)).finish();
    } catch (err) {
      throw new RpcError(ErrorCode.INVALID_ARGUMENT, `cannot encode ${fullName(type)}: ${(err as Error).message}`, { cause: err });
    }
  }

  /**
   * A plain object of the message in `bytes`; throws RpcError `code` when
   * they are not one (truncated, a length beyond the bytes, nested deeper
   * than protobufjs's recursion limit of 100) or hold more than the body's
   * `budget` allows (proto-wire-budget.ts; one budget for all the messages
   * of a body).
   */
  decode(bytes: Uint8Array, code: ErrorCode = ErrorCode.SERIALIZATION, budget = new ProtoWireBudget(bytes.length)): Record<string, unknown> {
    let object: Record<string, unknown>;
    try {
      budget.check(this.type, bytes);
      object = this.type.toObject(this.type.decode(bytes), this.toObjectOptions);
    } catch (err) {
      throw new RpcError(code, `bad ${fullName(this.type)} message: ${(err as Error).message}`, { cause: err });
    }
    if (this.safeLongsAsNumbers) numbersWhereSafe(object);
    return object;
  }
}

function fullName(type: protobuf.ReflectionObject): string {
  return type.fullName.replace(/^\./, '');
}

/** Every own key must be a field (or a oneof) of `type`, every enum value a name or an integer, at every depth. */
function checkMessage(type: protobuf.Type, value: Record<string, unknown>, path: string, depth: number): void {
  if (depth > maxDepth()) throw new RpcError(ErrorCode.INVALID_ARGUMENT, `${fullName(type)} nested deeper than ${maxDepth()} messages`);
  for (const key of Object.keys(value)) {
    const field = Object.hasOwn(type.fields, key) ? type.fields[key] : undefined;
    if (field === undefined) {
      if (type.oneofs !== undefined && Object.hasOwn(type.oneofs, key)) continue;
      throw unknownField(type, path + key, key);
    }
    const item = value[key];
    if (item === null || item === undefined) continue;
    checkField(field, item, `${path}${key}`, depth);
  }
}

function checkField(field: protobuf.Field, value: unknown, path: string, depth: number): void {
  const resolved = field.resolve().resolvedType;
  const check = (item: unknown, at: string) => {
    // An element of a repeated or map field: protobufjs would write null as "null" or 0 (or fail
    // without naming it); Java's JsonFormat refuses null elements and map values outright.
    if (item === null || item === undefined) throw cannotHold(at, field.type, item);
    if (resolved === null) checkScalar(field.type, item, at);
    else checkValue(resolved, item, at, depth);
  };
  if (field.map) {
    if (typeof value !== 'object' || Array.isArray(value)) throw cannotHold(path, `map<${(field as unknown as protobuf.MapField).keyType}, ${field.type}>`, value);
    for (const key of Object.keys(value as object)) check((value as Record<string, unknown>)[key], `${path}.${key}`);
  } else if (field.repeated) {
    if (!Array.isArray(value)) throw cannotHold(path, `repeated ${field.type}`, value);
    for (let i = 0; i < value.length; i++) check(value[i], `${path}[${i}]`);
  } else {
    check(value, path);
  }
}

const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };
const UINT32 = { min: 0, max: 2 ** 32 - 1 };
const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };
const UINT64 = { min: 0n, max: 2n ** 64n - 1n };
const scalarRanges: Record<string, { min: number; max: number } | { min: bigint; max: bigint }> = {
  int32: INT32,
  sint32: INT32,
  sfixed32: INT32,
  uint32: UINT32,
  fixed32: UINT32,
  int64: INT64,
  sint64: INT64,
  sfixed64: INT64,
  uint64: UINT64,
  fixed64: UINT64,
};

/**
 * A scalar must be of its kind: protobufjs's `fromObject` would turn `"two"`
 * for an int32 into 0 and `{}` for a string into "[object Object]" without a
 * word. Accepted as protobuf's JSON mapping does: numbers (integer ones in
 * range for integer kinds), decimal strings for integers, bigints for 64-bit
 * kinds, booleans, strings, bytes as Uint8Array or base64 text.
 */
function checkScalar(kind: string, value: unknown, path: string): void {
  const range = scalarRanges[kind];
  const fits =
    range !== undefined
      ? integerInRange(value, range)
      : kind === 'string'
        ? typeof value === 'string'
        : kind === 'bool'
          ? typeof value === 'boolean'
          : kind === 'bytes'
            ? value instanceof Uint8Array || typeof value === 'string'
            : typeof value === 'number' || (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)));
  if (!fits) throw cannotHold(path, kind, value);
}

function integerInRange(value: unknown, range: { min: number; max: number } | { min: bigint; max: bigint }): boolean {
  let n: bigint;
  if (typeof value === 'bigint') n = value;
  else if (Number.isInteger(value)) n = BigInt(value as number);
  else if (typeof value === 'string' && /^-?\d+$/.test(value)) n = BigInt(value);
  else return isLongLike(value) && typeof range.min === 'bigint';
  return n >= BigInt(range.min) && n <= BigInt(range.max);
}

/** A Long (protobufjs's own 64-bit value): `{ low, high }` numbers. */
function isLongLike(value: unknown): boolean {
  const long = value as { low?: unknown; high?: unknown } | null;
  return typeof long === 'object' && long !== null && Number.isInteger(long.low) && Number.isInteger(long.high);
}

function cannotHold(path: string, kind: string, value: unknown): RpcError {
  return new RpcError(ErrorCode.INVALID_ARGUMENT, `field '${path}' (${kind}) cannot hold ${shown(value)}`);
}

/** A value as an error message shows it: strings quoted and cut at 40 characters, containers by kind. */
function shown(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 40));
  if (Array.isArray(value)) return 'an array';
  if (value !== null && typeof value === 'object') return 'an object';
  return String(value);
}

function checkValue(resolved: protobuf.Type | protobuf.Enum, value: unknown, path: string, depth: number): void {
  if (resolved instanceof protobufjs().Enum) {
    const known = typeof value === 'string' ? Object.hasOwn(resolved.values, value) : Number.isInteger(value);
    if (!known) {
      throw new RpcError(ErrorCode.INVALID_ARGUMENT, `unknown ${fullName(resolved)} value ${JSON.stringify(value)} for field '${path}'; names: ${Object.keys(resolved.values).join(', ')}`);
    }
    return;
  }
  if (value instanceof protobufjs().Message) return;
  if (typeof value !== 'object' || Array.isArray(value)) throw cannotHold(path, fullName(resolved), value);
  checkMessage(resolved, value as Record<string, unknown>, `${path}.`, depth + 1);
}

function unknownField(type: protobuf.Type, path: string, key: string): RpcError {
  const names = Object.keys(type.fields);
  const wanted = normalised(key);
  const near = names.find((name) => normalised(name) === wanted);
  const hint = near === undefined ? '' : ` (did you mean '${near}'? field names follow the case the service was loaded with: camelCase unless keepCase: true)`;
  return new RpcError(ErrorCode.INVALID_ARGUMENT, `unknown field '${path}' in ${fullName(type)}${hint}; its fields: ${names.join(', ')}`);
}

function normalised(name: string): string {
  return name.replaceAll('_', '').toLowerCase();
}

function hasLongFields(type: protobuf.Type, seen: Set<protobuf.Type>): boolean {
  if (seen.has(type)) return false;
  seen.add(type);
  for (const field of type.fieldsArray) {
    const resolved = field.resolve().resolvedType;
    if (resolved instanceof protobufjs().Type ? hasLongFields(resolved, seen) : field.long) return true;
  }
  return false;
}

/** Replaces each bigint within ±(2^53−1) by its number, in place (decoded objects only: plain objects and arrays). */
function numbersWhereSafe(object: Record<string, unknown> | unknown[]): void {
  const keys = Object.keys(object);
  const target = object as Record<string, unknown>;
  for (const key of keys) {
    const value = target[key];
    if (typeof value === 'bigint') {
      // defineProperty: a map key may be "__proto__", which plain assignment would treat as the prototype.
      if (value <= SAFE_MAX && value >= -SAFE_MAX) Object.defineProperty(target, key, { value: Number(value) });
    } else if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
      numbersWhereSafe(value as Record<string, unknown>);
    }
  }
}
