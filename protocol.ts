/**
 * `getty-rpc/protocol`: the Dubbo 2 frame codec (getty's Reader/Writer
 * contract, for use on a `getty-rpc/transport` session), the package shapes it
 * reads and writes, and the Java type helpers: JVM descriptors, the Java name
 * inferred for a JS value, hessian2 wrapping, and the type-level map from Java
 * type names to TypeScript types, and the TypeScript types of a .proto's
 * messages and services (`getty-rpc gen`). Frame layout: docs/protocol.md.
 */
// Frames carry hessian2, JSON or protobuf bodies; the codec finds them by id.
import './rpc/serialization/builtin.js';

export { DEFAULT_MAX_FRAME_LEN, DubboCodec, type DubboCodecOptions } from './rpc/protocol/dubbo-codec.js';
export {
  createHeartbeatRequest,
  createHeartbeatResponse,
  createRequest,
  createResponse,
  DUBBO_VERSION,
  type DubboPackage,
  type DubboRequest,
  type DubboResponse,
  errorCodeToStatus,
  isHeartbeat,
  type RemoteException,
  type RequestId,
  ResponseStatus,
  statusToErrorCode,
} from './rpc/protocol/dubbo-package.js';
export {
  descriptorToJavaTypes,
  inferJavaType,
  javaTypeToDescriptor,
  parameterTypesToDescriptor,
  toHessian,
  wrapForJava,
} from './rpc/protocol/java-types.js';
export type { JavaParams, JavaParamToTs, JavaToTs } from './rpc/java-type-map.js';
export { JAVA_CLASS } from './rpc/protocol/java-object.js';
export { generateProtoTypes, type ProtoTypesOptions } from './rpc/proto-type-generator.js';
export { decodeErrorMessage, encodeErrorMessage } from './rpc/remote-error.js';
