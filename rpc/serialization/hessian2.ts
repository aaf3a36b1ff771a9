/**
 * hessian2 (id 2), the Dubbo default, via hessian.js's v2 encoder/decoder
 * (go-anchors §3.2–3.4). Values are wrapped for their declared Java types
 * (java-types.ts) so Java providers find the method by descriptor.
 */
import hessian from 'hessian.js';
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import { DUBBO_VERSION, type DubboRequest, type DubboResponse, ResponseStatus } from '../protocol/dubbo-package.js';
import { descriptorOfTypes, javaTypesOfDescriptor, toHessian, wrapForJava } from '../protocol/java-types.js';
import { chooseResponseFlag, flagHasAttachments, flagHasException, flagHasValue, requestAttachments } from './response-flag.js';
import { registerSerialization, type Serialization } from './serialization.js';
import { canWriteByHand, writeByHand } from './hessian2-by-hand.js';
import { Hessian2Reader } from './hessian2-reader.js';
import { Hessian2Writer } from './hessian2-writer.js';
import { readJavaException, writeJavaException } from './hessian-exception.js';

const NULL_BODY = Buffer.from([0x4e]);
/** One writer and one hessian.js encoder reused by every call: encoding is synchronous, so nothing interleaves. */
const writer = new Hessian2Writer();
const encoder = new hessian.EncoderV2({ size: 64 * 1024 });

/**
 * The fixed fields and the common argument kinds are written by hand
 * (Hessian2Writer); other arguments and non-string attachments go through
 * hessian.js, started fresh where the hand-written part ends.
 */
function encodeRequestBody(request: DubboRequest): Buffer {
  writer.reset();
  writer.string(request.dubboVersion || DUBBO_VERSION);
  writer.string(request.path);
  writer.string(request.version);
  writer.string(request.method);
  writer.string(descriptorOfTypes(request.parameterTypes));
  checkArgCount(request);
  const attachments = requestAttachments(request);
  if (!writeArgsByHand(request)) writeWithHessianJs(() => {
    for (let i = 0; i < request.args.length; i++) encoder.write(wrapForJava(request.parameterTypes[i]!, request.args[i]));
    encoder.write(toHessian(attachments));
  });
  else if (!writer.stringMap(attachments)) writeWithHessianJs(() => encoder.write(toHessian(attachments)));
  return writer.view();
}


function checkArgCount(request: DubboRequest): void {
  const { args, parameterTypes } = request;
  if (args.length !== parameterTypes.length) {
    throw new RpcError(ErrorCode.SERIALIZATION, `${args.length} arguments for ${parameterTypes.length} parameter types`);
  }
}

/** Writes every argument by hand, or nothing (false) when one needs hessian.js. */
function writeArgsByHand(request: DubboRequest): boolean {
  const { args, parameterTypes } = request;
  for (let i = 0; i < args.length; i++) if (!canWriteByHand(parameterTypes[i]!, args[i])) return false;
  for (let i = 0; i < args.length; i++) writeByHand(writer, args[i]);
  return true;
}

function writeWithHessianJs(write: () => void): void {
  encoder.reset();
  write();
  writer.raw(encoder.get());
}

function decodeRequestBody(body: Buffer, request: DubboRequest): void {
  const reader = new Hessian2Reader(body);
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

function readMap(reader: Hessian2Reader): Record<string, unknown> {
  const value = reader.map();
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new RpcError(ErrorCode.SERIALIZATION, 'attachments are not a map');
  return value instanceof Map ? Object.fromEntries(value) : (value as Record<string, unknown>);
}

function encodeResponseBody(response: DubboResponse): Buffer {
  writer.reset();
  if (response.status !== ResponseStatus.OK) {
    writer.string(response.errorMessage ?? response.exception?.message ?? 'unknown error');
    return writer.view();
  }
  const flag = chooseResponseFlag(response);
  writer.int(flag);
  const withAttachments = flagHasAttachments(flag);
  if (flagHasException(flag)) {
    writeWithHessianJs(() => {
      encoder.write(writeJavaException(response.exception!));
      if (withAttachments) encoder.write(toHessian(response.attachments));
    });
    return writer.view();
  }
  if (flagHasValue(flag) && !writeValueByHand(response)) {
    writeWithHessianJs(() => {
      encoder.write(wrapValue(response));
      if (withAttachments) encoder.write(toHessian(response.attachments));
    });
    return writer.view();
  }
  if (withAttachments && !writer.stringMap(response.attachments)) writeWithHessianJs(() => encoder.write(toHessian(response.attachments)));
  return writer.view();
}

function writeValueByHand(response: DubboResponse): boolean {
  const type = response.returnType ?? 'java.lang.Object';
  if (!canWriteByHand(type, response.value)) return false;
  writeByHand(writer, response.value);
  return true;
}

function wrapValue(response: DubboResponse): unknown {
  return response.returnType === undefined ? toHessian(response.value) : wrapForJava(response.returnType, response.value);
}

function decodeResponseBody(body: Buffer, response: DubboResponse): void {
  const reader = new Hessian2Reader(body);
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
  if (typeof flag !== 'number' || flag < 0 || flag > 5) {
    throw new RpcError(ErrorCode.SERIALIZATION, `unknown response flag ${String(flag)}`);
  }
  if (flagHasException(flag)) response.exception = readJavaException(reader, body);
  else if (flagHasValue(flag)) response.value = reader.value();
  else response.value = null;
  if (flagHasAttachments(flag)) response.attachments = readMap(reader);
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
