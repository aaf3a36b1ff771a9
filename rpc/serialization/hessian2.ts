/**
 * hessian2 (id 2), the Dubbo default, via hessian.js's v2 encoder/decoder
 * (go-anchors §3.2–3.4). Values are wrapped for their declared Java types
 * (java-types.ts) so Java providers find the method by descriptor.
 */
import hessian from 'hessian.js';
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import { DUBBO_VERSION, type DubboRequest, type DubboResponse, ResponseStatus } from '../protocol/dubbo-package.js';
import { descriptorToJavaTypes, parameterTypesToDescriptor, toHessian, wrapForJava } from '../protocol/java-types.js';
import { chooseResponseFlag, flagHasAttachments, flagHasException, flagHasValue, requestAttachments } from './response-flag.js';
import { registerSerialization, type Serialization } from './serialization.js';
import { readJavaException, writeJavaException } from './hessian-exception.js';

const NULL_BODY = Buffer.from([0x4e]);
/** One encoder reused by every call: encoding is synchronous, so nothing interleaves. */
const encoder = new hessian.EncoderV2({ size: 64 * 1024 });

function encodeRequestBody(request: DubboRequest): Buffer {
  encoder.reset();
  encoder.writeString(request.dubboVersion || DUBBO_VERSION);
  encoder.writeString(request.path);
  encoder.writeString(request.version);
  encoder.writeString(request.method);
  encoder.writeString(parameterTypesToDescriptor(request.parameterTypes));
  writeArgs(request);
  encoder.write(toHessian(requestAttachments(request)));
  return encoder.get();
}

function writeArgs(request: DubboRequest): void {
  const { args, parameterTypes } = request;
  if (args.length !== parameterTypes.length) {
    throw new RpcError(ErrorCode.SERIALIZATION, `${args.length} arguments for ${parameterTypes.length} parameter types`);
  }
  for (let i = 0; i < args.length; i++) encoder.write(wrapForJava(parameterTypes[i]!, args[i]));
}

function decodeRequestBody(body: Buffer, request: DubboRequest): void {
  const decoder = new hessian.DecoderV2(body);
  request.dubboVersion = readString(decoder);
  request.path = readString(decoder);
  request.version = readString(decoder);
  request.method = readString(decoder);
  request.parameterTypes = descriptorToJavaTypes(readString(decoder));
  const args = new Array<unknown>(request.parameterTypes.length);
  for (let i = 0; i < args.length; i++) args[i] = decoder.read();
  request.args = args;
  request.attachments = decoder.position() < body.length ? readMap(decoder) : {};
}

function readString(decoder: hessian.DecoderV2): string {
  const value = decoder.read();
  if (typeof value !== 'string') throw new RpcError(ErrorCode.SERIALIZATION, `expected a string, got ${typeof value}`);
  return value;
}

function readMap(decoder: hessian.DecoderV2): Record<string, unknown> {
  const value = decoder.read();
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new RpcError(ErrorCode.SERIALIZATION, 'attachments are not a map');
  return value instanceof Map ? Object.fromEntries(value) : (value as Record<string, unknown>);
}

function encodeResponseBody(response: DubboResponse): Buffer {
  encoder.reset();
  if (response.status !== ResponseStatus.OK) {
    encoder.writeString(response.errorMessage ?? response.exception?.message ?? 'unknown error');
    return encoder.get();
  }
  const flag = chooseResponseFlag(response);
  encoder.writeInt(flag);
  if (flagHasException(flag)) encoder.write(writeJavaException(response.exception!));
  else if (flagHasValue(flag)) encoder.write(wrapValue(response));
  if (flagHasAttachments(flag)) encoder.write(toHessian(response.attachments));
  return encoder.get();
}

function wrapValue(response: DubboResponse): unknown {
  return response.returnType === undefined ? toHessian(response.value) : wrapForJava(response.returnType, response.value);
}

function decodeResponseBody(body: Buffer, response: DubboResponse): void {
  const decoder = new hessian.DecoderV2(body);
  if (response.status !== ResponseStatus.OK) {
    response.errorMessage = body.length === 0 ? '' : String(decoder.read());
    return;
  }
  const flag = decoder.read();
  if (decoder.position() >= body.length && (typeof flag !== 'number' || flag === 0)) {
    // dubbo-remoting (sofa-rpc-node) writes a falsy return value (null, 0,
    // false, '') bare, without the flag; a lone non-flag value is that value.
    response.value = flag;
    return;
  }
  if (typeof flag !== 'number' || flag < 0 || flag > 5) {
    throw new RpcError(ErrorCode.SERIALIZATION, `unknown response flag ${String(flag)}`);
  }
  if (flagHasException(flag)) response.exception = readJavaException(decoder, body);
  else if (flagHasValue(flag)) response.value = decoder.read();
  else response.value = null;
  if (flagHasAttachments(flag)) response.attachments = readMap(decoder);
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
