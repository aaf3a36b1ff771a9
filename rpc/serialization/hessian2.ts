/**
 * hessian2 (id 2), the Dubbo default; body layout in docs/protocol.md (as Java
 * Dubbo's DubboCodec and dubbo-go's protocol/dubbo/impl write it). The fixed fields
 * and the common argument kinds are written and read inline
 * (Hessian2Writer/Hessian2Reader); every other value by our own
 * Hessian2Encoder/Hessian2Decoder, arguments and return values as their
 * declared Java types so Java providers find the method by descriptor.
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import { DUBBO_VERSION, type DubboRequest, type DubboResponse, ResponseStatus } from '../protocol/dubbo-package.js';
import { descriptorOfTypes, javaTypesOfDescriptor } from '../protocol/java-types.js';
import { chooseResponseFlag, flagHasAttachments, flagHasException, flagHasValue, requestAttachments } from './response-flag.js';
import { registerSerialization, type Serialization } from './serialization.js';
import { canWriteByHand, writeByHand } from './hessian2-by-hand.js';
import { DEFAULT_DECODE_LIMITS, type Hessian2DecodeLimits, type LongMode } from './hessian2-decoder.js';
import { Hessian2Encoder } from './hessian2-encoder.js';
import { Hessian2Reader } from './hessian2-reader.js';
import { Hessian2Writer } from './hessian2-writer.js';
import { readJavaException, writeJavaException } from './hessian-exception.js';

export interface Hessian2Options {
  /**
   * How hessian2 longs are decoded, process-wide: `'number'` (default) gives a
   * number within ±(2^53−1) and a bigint beyond, `'bigint'` gives every long
   * as a bigint (a long then also stays a long when sent back).
   */
  longs?: LongMode;
  /** Most values (any kind, any depth) one body may hold; default 524 288. Beyond: BAD_REQUEST / BAD_RESPONSE. */
  maxValues?: number;
  /** Most lists, maps and objects one body may hold; default 131 072. Beyond: BAD_REQUEST / BAD_RESPONSE. */
  maxObjects?: number;
}

const NULL_BODY = Buffer.from([0x4e]);
/** One writer and encoder reused by every call: encoding is synchronous, so nothing interleaves. */
const writer = new Hessian2Writer();
const encoder = new Hessian2Encoder(writer);
let limits: Hessian2DecodeLimits = DEFAULT_DECODE_LIMITS;

/**
 * Sets the process-wide hessian2 options (those not given keep their value);
 * throws RpcError INVALID_ARGUMENT on a bad value, changing nothing.
 */
export function configureHessian2(options: Hessian2Options): void {
  const { longs = limits.longs, maxValues = limits.maxValues, maxObjects = limits.maxObjects } = options;
  if (longs !== 'number' && longs !== 'bigint') {
    throw new RpcError(ErrorCode.INVALID_ARGUMENT, `longs must be 'number' or 'bigint', got ${String(longs)}`);
  }
  for (const [name, value] of [['maxValues', maxValues], ['maxObjects', maxObjects]] as const) {
    if (!Number.isSafeInteger(value) || value < 1) throw new RpcError(ErrorCode.INVALID_ARGUMENT, `${name} must be a positive integer, got ${value}`);
  }
  limits = { longs, maxValues, maxObjects };
}

function encodeRequestBody(request: DubboRequest, maxBodyBytes?: number): Buffer {
  writer.reset(maxBodyBytes);
  writer.string(request.dubboVersion || DUBBO_VERSION);
  writer.string(request.path);
  writer.string(request.version);
  writer.string(request.method);
  writer.string(descriptorOfTypes(request.parameterTypes));
  checkArgCount(request);
  const attachments = requestAttachments(request);
  encoder.begin();
  if (!writeArgsByHand(request)) {
    for (let i = 0; i < request.args.length; i++) encoder.writeAs(request.parameterTypes[i]!, request.args[i]);
  }
  if (!writer.stringMap(attachments)) encoder.write(attachments);
  return writer.view();
}

function checkArgCount(request: DubboRequest): void {
  const { args, parameterTypes } = request;
  if (args.length !== parameterTypes.length) {
    throw new RpcError(ErrorCode.SERIALIZATION, `${args.length} arguments for ${parameterTypes.length} parameter types`);
  }
}

/** Writes every argument inline, or nothing (false) when one needs the encoder. */
function writeArgsByHand(request: DubboRequest): boolean {
  const { args, parameterTypes } = request;
  for (let i = 0; i < args.length; i++) if (!canWriteByHand(parameterTypes[i]!, args[i])) return false;
  for (let i = 0; i < args.length; i++) writeByHand(writer, args[i]);
  return true;
}

function decodeRequestBody(body: Buffer, request: DubboRequest): void {
  const reader = new Hessian2Reader(body, limits);
  request.dubboVersion = readString(reader);
  request.path = readString(reader);
  request.version = readString(reader);
  request.method = readString(reader);
  request.parameterTypes = javaTypesOfDescriptor(readString(reader));
  const args = new Array<unknown>(request.parameterTypes.length);
  for (let i = 0; i < args.length; i++) args[i] = reader.value();
  request.args = args;
  request.attachments = reader.atEnd ? {} : readMap(reader);
}

function readString(reader: Hessian2Reader): string {
  const value = reader.value();
  if (typeof value !== 'string') throw new RpcError(ErrorCode.SERIALIZATION, `expected a string, got ${typeof value}`);
  return value;
}

/**
 * The attachments map. A `__proto__` key is dropped: attachments are copied
 * with `Object.assign` by applications, where such a key would replace the
 * target's prototype.
 */
function readMap(reader: Hessian2Reader): Record<string, unknown> {
  const value = reader.map();
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new RpcError(ErrorCode.SERIALIZATION, 'attachments are not a map');
  const out = value instanceof Map ? Object.fromEntries([...value].map(([key, item]) => [String(key), item])) : (value as Record<string, unknown>);
  if (Object.hasOwn(out, '__proto__')) Reflect.deleteProperty(out, '__proto__');
  return out;
}

function encodeResponseBody(response: DubboResponse, maxBodyBytes?: number): Buffer {
  writer.reset(maxBodyBytes);
  if (response.status !== ResponseStatus.OK) {
    writer.string(response.errorMessage ?? response.exception?.message ?? 'unknown error');
    return writer.view();
  }
  const flag = chooseResponseFlag(response);
  writer.int(flag);
  encoder.begin();
  if (flagHasException(flag)) encoder.write(writeJavaException(response.exception!));
  else if (flagHasValue(flag) && !writeValueByHand(response)) encoder.writeAs(response.returnType ?? 'java.lang.Object', response.value);
  if (flagHasAttachments(flag) && !writer.stringMap(response.attachments)) encoder.write(response.attachments);
  return writer.view();
}

function writeValueByHand(response: DubboResponse): boolean {
  const type = response.returnType ?? 'java.lang.Object';
  if (!canWriteByHand(type, response.value)) return false;
  writeByHand(writer, response.value);
  return true;
}

function decodeResponseBody(body: Buffer, response: DubboResponse): void {
  const reader = new Hessian2Reader(body, limits);
  if (response.status !== ResponseStatus.OK) {
    response.errorMessage = body.length === 0 ? '' : String(reader.value());
    return;
  }
  const flag = reader.value();
  if (reader.atEnd && (typeof flag !== 'number' || flag === 0)) {
    // dubbo-remoting (sofa-rpc-node) writes a falsy return value (null, 0,
    // false, '') bare, without the flag; a lone non-flag value is that value.
    response.value = flag;
    return;
  }
  if (!isResponseFlag(flag)) {
    throw new RpcError(ErrorCode.SERIALIZATION, `unknown response flag ${String(flag)}`);
  }
  if (flagHasException(flag)) response.exception = readJavaException(reader);
  else if (flagHasValue(flag)) response.value = reader.value();
  else response.value = null;
  if (flagHasAttachments(flag)) response.attachments = readMap(reader);
}

/** A flag of 0–5 (response-flag.ts); Java reads it as a byte, so a double or a larger int is no flag. */
function isResponseFlag(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 5;
}

export const hessian2Serialization: Serialization = {
  id: 2,
  name: 'hessian2',
  encodeRequestBody,
  decodeRequestBody,
  encodeResponseBody,
  decodeResponseBody,
  encodeEventBody: () => NULL_BODY,
};

registerSerialization(hessian2Serialization);
