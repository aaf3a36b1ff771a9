/**
 * protobuf (id 22, Java Dubbo's id; id 21, dubbo-go's, is accepted too and
 * answered in kind). Layout (docs/protocol.md): every body field is one
 * varint-length-delimited protobuf message —
 * request: StringValue dubbo version, path, version, method, descriptor;
 * then each argument message; then Map{attachments}.
 * response: Int32Value flag (0–5); then the value message or a
 * ThrowableProto; then Map{attachments} for flags 3–5. A non-OK status
 * carries one StringValue. Heartbeat bodies are the byte 'N' as dubbo-go
 * writes them. Attachment values are strings on this wire (others are
 * converted with String()).
 *
 * Messages are found by Java type name in a type registry the .proto loader
 * fills (proto-service-loader.ts). Arguments of a registered type decode to
 * plain objects (64-bit integers and enums as the service's options say,
 * proto-message-codec.ts); unregistered ones, and every response value, stay
 * raw bytes (Buffer) for the caller to decode with its method's response type
 * (the response header names no type). Sending checks every field name
 * (INVALID_ARGUMENT naming an unknown one).
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import { DUBBO_VERSION, type DubboRequest, type DubboResponse, ResponseStatus } from '../protocol/dubbo-package.js';
import { descriptorOfTypes, javaTypesOfDescriptor } from '../protocol/java-types.js';
import { DEFAULT_EXCEPTION_TYPE } from './hessian-exception.js';
import type { ProtoMessageCodec } from './proto-message-codec.js';
import { type ProtobufLimits, ProtoWireBudget, setProtobufLimits } from './proto-wire-budget.js';
import { DelimitedReader, DelimitedWriter, wireTypes } from './protobuf-wire.js';
import { chooseResponseFlag, flagHasAttachments, flagHasException, flagHasValue, requestAttachments } from './response-flag.js';
import { registerSerialization, type Serialization } from './serialization.js';

/** Message codecs by Java type name (and full proto name); the last service loaded with a name sets its options. */
const codecsByJavaName = new Map<string, ProtoMessageCodec>();
const HEARTBEAT_BODY = Buffer.from('N');
const PROTO_KEY = '__proto__';

/**
 * Sets the process-wide protobuf decoding limits (proto-wire-budget.ts):
 * `maxMessages` (default 16 384) and `maxValues` (default 131 072) per body.
 * Throws RpcError INVALID_ARGUMENT on a value that is not a positive integer.
 */
export function configureProtobuf(options: ProtobufLimits): void {
  setProtobufLimits(options);
}

/** Makes a message type known under a Java type name (the loader calls this). */
export function registerProtoType(javaName: string, codec: ProtoMessageCodec): void {
  codecsByJavaName.set(javaName, codec);
}

export function findProtoType(javaName: string): ProtoMessageCodec | undefined {
  return codecsByJavaName.get(javaName);
}

/** Encodes a value as the message of `javaName`: raw bytes pass through, messages and plain objects are encoded. */
export function encodeProtoValue(javaName: string | undefined, value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  const codec = javaName === undefined ? undefined : codecsByJavaName.get(javaName);
  if (codec === undefined) throw new RpcError(ErrorCode.SERIALIZATION, `no protobuf message registered for ${String(javaName)}`);
  return codec.encode(value);
}

/** Attachments as protobuf's map<string, string>; a "__proto__" key is not sent (it names no header, and receivers could trip on it). */
function stringMap(attachments: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(attachments)) {
    const value = attachments[key];
    if (value !== undefined && value !== null && key !== PROTO_KEY) out[key] = String(value);
  }
  return out;
}

/** Received attachments as plain data: a "__proto__" key is dropped, so copying them (Object.assign) can never set a prototype. */
function readAttachments(reader: DelimitedReader): Record<string, unknown> {
  const attachments = reader.message(wireTypes().AttachmentMap).attachments as Record<string, unknown>;
  Reflect.deleteProperty(attachments, PROTO_KEY);
  return attachments;
}

function encodeRequestBody(request: DubboRequest): Buffer {
  const writer = new DelimitedWriter()
    .string(request.dubboVersion || DUBBO_VERSION)
    .string(request.path)
    .string(request.version)
    .string(request.method)
    .string(descriptorOfTypes(request.parameterTypes));
  for (let i = 0; i < request.args.length; i++) writer.bytes(encodeProtoValue(request.parameterTypes[i], request.args[i]));
  return writer.message(wireTypes().AttachmentMap, { attachments: stringMap(requestAttachments(request)) }).finish();
}

function decodeRequestBody(body: Buffer, request: DubboRequest): void {
  const reader = new DelimitedReader(body);
  request.dubboVersion = reader.string();
  request.path = reader.string();
  request.version = reader.string();
  request.method = reader.string();
  request.parameterTypes = javaTypesOfDescriptor(reader.string());
  const budget = new ProtoWireBudget(body.length);
  request.args = request.parameterTypes.map((type) => decodeArg(type, reader.bytes(), budget));
  request.attachments = reader.done ? {} : readAttachments(reader);
}

function decodeArg(javaName: string, bytes: Buffer, budget: ProtoWireBudget): unknown {
  const codec = codecsByJavaName.get(javaName);
  return codec === undefined ? bytes : codec.decode(bytes, ErrorCode.SERIALIZATION, budget);
}

function encodeResponseBody(response: DubboResponse): Buffer {
  const writer = new DelimitedWriter();
  if (response.status !== ResponseStatus.OK) {
    return writer.string(response.errorMessage ?? response.exception?.message ?? 'unknown error').finish();
  }
  const flag = chooseResponseFlag(response);
  writer.message(wireTypes().Int32Value, { value: flag });
  if (flagHasException(flag)) writer.message(wireTypes().ThrowableProto, throwableOf(response));
  else if (flagHasValue(flag)) writer.bytes(encodeResult(response));
  if (flagHasAttachments(flag)) writer.message(wireTypes().AttachmentMap, { attachments: stringMap(response.attachments) });
  return writer.finish();
}

/**
 * A result the provider's method built wrong is SERIALIZATION here (not the
 * caller's INVALID_ARGUMENT): the server then answers the caller with
 * SERVER_ERROR and the reason instead of leaving it to time out.
 */
function encodeResult(response: DubboResponse): Uint8Array {
  try {
    return encodeProtoValue(response.returnType, response.value);
  } catch (err) {
    throw RpcError.from(err).code === ErrorCode.INVALID_ARGUMENT ? new RpcError(ErrorCode.SERIALIZATION, (err as Error).message, { cause: err }) : err;
  }
}

function throwableOf(response: DubboResponse): Record<string, unknown> {
  const { type, message } = response.exception!;
  return { originalClassName: type || DEFAULT_EXCEPTION_TYPE, originalMessage: message };
}

function decodeResponseBody(body: Buffer, response: DubboResponse): void {
  const reader = new DelimitedReader(body);
  if (response.status !== ResponseStatus.OK) {
    response.errorMessage = reader.done ? '' : reader.string();
    return;
  }
  const flag = reader.int32();
  if (flag < 0 || flag > 5) throw new RpcError(ErrorCode.SERIALIZATION, `unknown response flag ${flag}`);
  if (flagHasException(flag)) response.exception = readThrowable(reader.message(wireTypes().ThrowableProto));
  else response.value = flagHasValue(flag) ? reader.bytes() : null;
  if (flagHasAttachments(flag)) response.attachments = readAttachments(reader);
}

/** `fields` as DelimitedReader.message gives them: both strings, '' when the peer left one out (defaults: true). */
function readThrowable(fields: Record<string, unknown>): { type: string; message: string } {
  return { type: (fields.originalClassName as string) || DEFAULT_EXCEPTION_TYPE, message: fields.originalMessage as string };
}

function createProtobufSerialization(id: number, name: string): Serialization {
  return { id, name, encodeRequestBody, decodeRequestBody, encodeResponseBody, decodeResponseBody, encodeEventBody: () => HEARTBEAT_BODY };
}

export const protobufSerialization = createProtobufSerialization(22, 'protobuf');
/** dubbo-go's id for the same layout (it collides with Java's protobuf-json). */
export const protobufDubboGoSerialization = createProtobufSerialization(21, 'protobuf-go');

registerSerialization(protobufDubboGoSerialization);
registerSerialization(protobufSerialization);
