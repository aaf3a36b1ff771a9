/**
 * json (id 6): Java Dubbo's fastjson layout — every field of the body is one
 * JSON value followed by '\n' (Java Dubbo's FastJsonObjectOutput writes each
 * field so; id 6 is its FASTJSON_SERIALIZATION_ID in
 * org.apache.dubbo.common.serialize.Constants).
 *
 * Request: "2.0.2", path, version, method, descriptor, each arg, attachments.
 * Response: the flag (0–5), then the value or the exception, then attachments.
 * A non-OK status carries one JSON string. A heartbeat body is `null`.
 *
 * JS specifics: a bigint is written as a bare JSON integer (exact on the
 * wire); an integer beyond ±(2^53−1) is read back as a bigint, others as
 * numbers (json-big-integers.ts), as hessian2 longs. Buffer and
 * Uint8Array are written as base64 strings (fastjson's byte[] form) and read
 * back as Buffers where the declared parameter type is `[B`; elsewhere they
 * stay strings. Map becomes an object, Date its epoch milliseconds,
 * undefined null.
 * Exceptions are `{"@type": class, "message": text}`.
 *
 * Hostile bodies: a value that is not JSON, a body with fewer values than its
 * descriptor says, or one beyond the limits of json-shape-limits.ts (by
 * default depth 100, 131 072 arrays and objects, 524 288 values; process-wide,
 * `configureJson`) throws SERIALIZATION (the codec answers BAD_REQUEST / fails
 * the call with BAD_RESPONSE). A "__proto__" key stays an own data property, as
 * JSON.parse makes it, so no prototype changes; in attachments it is dropped,
 * since consumers copy those into their scope with Object.assign.
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import { DUBBO_VERSION, type DubboRequest, type DubboResponse, ResponseStatus } from '../protocol/dubbo-package.js';
import { descriptorOfTypes, javaTypesOfDescriptor } from '../protocol/java-types.js';
import { DEFAULT_EXCEPTION_TYPE } from './hessian-exception.js';
import { markBigInt, parseJsonKeepingIntegers, unmarkBigInts } from './json-big-integers.js';
import { JsonShapeLimits } from './json-shape-limits.js';
import { chooseResponseFlag, flagHasAttachments, flagHasException, flagHasValue, requestAttachments } from './response-flag.js';
import { registerSerialization, type Serialization } from './serialization.js';

export { configureJson, type JsonLimits } from './json-shape-limits.js';

const NULL_BODY = Buffer.from('null\n');
const PROTO_KEY = '__proto__';

function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const original = this[key];
  if (typeof original === 'bigint') return markBigInt(original);
  if (original instanceof Uint8Array) return base64Of(original);
  if (original instanceof Map) return Object.fromEntries(original);
  if (original instanceof Date) return original.getTime();
  return value;
}

/** One JSON value without a newline; bigints come out as bare integers. */
function toJson(value: unknown): string {
  return plainJson(value) ?? replacedJson(value);
}

/**
 * The common body fields without the replacer (docs/rpc.md, "Performance
 * notes": with it, a Buffer was first turned into a number array by
 * Buffer#toJSON, then thrown away): strings, finite-or-not numbers, booleans, null, bytes, and flat
 * objects of those (attachments). Undefined for anything else.
 */
function plainJson(value: unknown): string | undefined {
  if (value instanceof Uint8Array) return `"${base64Of(value)}"`;
  if (isPlainScalar(value)) return JSON.stringify(value);
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return undefined;
  const record = value as Record<string, unknown>;
  for (const key in record) if (!isPlainScalar(record[key])) return undefined;
  return JSON.stringify(record);
}

function isPlainScalar(value: unknown): boolean {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function base64Of(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * Any other value: through JSON.stringify's replacer (bigint, bytes, Map, Date at any depth).
 * Wrapped in an array, which writes `undefined` as `null` (as hessian2 does, docs/rpc.md);
 * as an object member it would vanish and leave an empty line, which is no JSON value.
 */
function replacedJson(value: unknown): string {
  return unmarkBigInts(JSON.stringify([value], replacer).slice(1, -1));
}

/** Reads the body's '\n'-separated JSON values in order. */
class JsonLines {
  private pos = 0;
  private readonly text: string;
  private readonly limits: JsonShapeLimits;

  constructor(body: Buffer) {
    this.text = body.toString('utf8');
    this.limits = new JsonShapeLimits(this.text.length);
  }

  get done(): boolean {
    return this.text.slice(this.pos).trim() === '';
  }

  next(): unknown {
    if (this.pos >= this.text.length) throw new RpcError(ErrorCode.SERIALIZATION, 'json body ended early');
    let end = this.text.indexOf('\n', this.pos);
    if (end < 0) end = this.text.length;
    const line = this.text.slice(this.pos, end);
    this.pos = end + 1;
    this.limits.check(line);
    try {
      return parseJsonKeepingIntegers(line);
    } catch (err) {
      throw new RpcError(ErrorCode.SERIALIZATION, `not a JSON value: ${(err as Error).message}`, { cause: err });
    }
  }

  nextString(): string {
    const value = this.next();
    if (typeof value !== 'string') throw new RpcError(ErrorCode.SERIALIZATION, `expected a JSON string, got ${typeof value}`);
    return value;
  }

  nextMap(): Record<string, unknown> {
    const value = this.done ? {} : this.next();
    if (value === null) return {};
    if (typeof value !== 'object' || Array.isArray(value)) throw new RpcError(ErrorCode.SERIALIZATION, 'attachments are not a JSON object');
    if (Object.hasOwn(value, PROTO_KEY)) Reflect.deleteProperty(value, PROTO_KEY);
    return value as Record<string, unknown>;
  }
}

function lines(values: unknown[]): Buffer {
  let out = '';
  for (const value of values) out += toJson(value) + '\n';
  return Buffer.from(out, 'utf8');
}

function encodeRequestBody(request: DubboRequest): Buffer {
  const head = [request.dubboVersion || DUBBO_VERSION, request.path, request.version, request.method];
  const descriptor = descriptorOfTypes(request.parameterTypes);
  return lines([...head, descriptor, ...request.args, requestAttachments(request)]);
}

function decodeRequestBody(body: Buffer, request: DubboRequest): void {
  const input = new JsonLines(body);
  request.dubboVersion = input.nextString();
  request.path = input.nextString();
  request.version = input.nextString();
  request.method = input.nextString();
  request.parameterTypes = javaTypesOfDescriptor(input.nextString());
  request.args = request.parameterTypes.map((type) => fromJsonArg(type, input.next()));
  request.attachments = input.nextMap();
}

function fromJsonArg(type: string, value: unknown): unknown {
  return type === '[B' && typeof value === 'string' ? Buffer.from(value, 'base64') : value;
}

function encodeResponseBody(response: DubboResponse): Buffer {
  if (response.status !== ResponseStatus.OK) {
    return lines([response.errorMessage ?? response.exception?.message ?? 'unknown error']);
  }
  const flag = chooseResponseFlag(response);
  const values: unknown[] = [flag];
  if (flagHasException(flag)) values.push(exceptionJson(response));
  else if (flagHasValue(flag)) values.push(response.value);
  if (flagHasAttachments(flag)) values.push(response.attachments);
  return lines(values);
}

function exceptionJson(response: DubboResponse): unknown {
  const { type, message } = response.exception!;
  return { '@type': type || DEFAULT_EXCEPTION_TYPE, message };
}

function decodeResponseBody(body: Buffer, response: DubboResponse): void {
  const input = new JsonLines(body);
  if (response.status !== ResponseStatus.OK) {
    response.errorMessage = input.done ? '' : String(input.next());
    return;
  }
  const flag = input.next();
  if (typeof flag !== 'number' || !Number.isInteger(flag) || flag < 0 || flag > 5) {
    throw new RpcError(ErrorCode.SERIALIZATION, `unknown response flag ${String(flag)}`);
  }
  if (flagHasException(flag)) response.exception = readException(input.next());
  else response.value = flagHasValue(flag) ? input.next() : null;
  if (flagHasAttachments(flag)) response.attachments = input.nextMap();
}

function readException(value: unknown): { type: string; message: string } {
  if (value === null || typeof value !== 'object') return { type: DEFAULT_EXCEPTION_TYPE, message: String(value) };
  const fields = value as Record<string, unknown>;
  const type = firstString(fields['@type'], fields.className, fields.type) ?? DEFAULT_EXCEPTION_TYPE;
  return { type, message: firstString(fields.message, fields.detailMessage, fields.localizedMessage) ?? type };
}

function firstString(...values: unknown[]): string | undefined {
  for (const value of values) if (typeof value === 'string') return value;
  return undefined;
}

export const jsonSerialization: Serialization = {
  id: 6,
  name: 'json',
  encodeRequestBody,
  decodeRequestBody,
  encodeResponseBody,
  decodeResponseBody,
  encodeEventBody: () => NULL_BODY,
};

registerSerialization(jsonSerialization);
