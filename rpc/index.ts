/**
 * `getty-rpc/rpc`: Dubbo-compatible RPC on the getty transport. Above the line:
 * what applications use. Below: the parts other libraries and plug-ins build on
 * (protocol codec, serializations, cluster, invokers).
 */
import './serialization/builtin.js';
import './filters/index.js';

// ---- for applications
export { type ReferOptions, RpcClient, type RpcClientOptions } from './client.js';
export { type CallOptions, type ContextSide, type ProviderScopeInit, RpcContext } from './context.js';
export * from './errors.js';
export type { ServiceOptions } from './exported-service.js';
export { composeFilters, createFilter, type Filter, type FilterFactory, filterNames, type Next, registerFilter } from './filter.js';
export * from './filters/index.js';
export type { JavaParams, JavaParamToTs, JavaToTs } from './java-type-map.js';
export { defineProtoService, type ProtoShape } from './proto-service.js';
export { createProxy, referenceOf, withCallOptions } from './proxy.js';
export { ProviderWorkers, type ProviderWorkersOptions, startProviderWorkers } from './provider-workers.js';
export { RpcServer, type RpcServerOptions, type StopOptions } from './server.js';
export {
  type AsyncProxy,
  type DefinitionKind,
  defineService,
  findMethod,
  type GenericMethods,
  type ImplOf,
  type JavaImpl,
  type JavaProxy,
  type MethodDescriptor,
  type MethodSpec,
  type MethodSpecs,
  type ProxyOf,
  type ServiceDefinition,
  type ServiceImpl,
} from './service.js';
export { ShutdownTracker } from './shutdown-tracker.js';

// ---- for plug-ins and other libraries
export * from './cluster/index.js';
export { DubboInvoker, type DubboInvokerOptions, resultOf } from './dubbo-invoker.js';
export { ExchangeClient, type ExchangeClientOptions } from './exchange-client.js';
export type { Invocation } from './invocation.js';
export type { Invoker, InvokerFactory } from './invoker.js';
export { PendingCalls } from './pending-calls.js';
export { DEFAULT_MAX_FRAME_LEN, DubboCodec, type DubboCodecOptions } from './protocol/dubbo-codec.js';
export * from './protocol/dubbo-package.js';
export {
  descriptorToJavaTypes,
  inferJavaType,
  javaTypeToDescriptor,
  parameterTypesToDescriptor,
  toHessian,
  wrapForJava,
} from './protocol/java-types.js';
export { JAVA_CLASS, javaClassOf, javaObject } from './protocol/java-object.js';
export { configureHessian2, type Hessian2Options } from './serialization/hessian2.js';
export { RpcInvocation, type RpcInvocationInit, toRpcInvocation } from './rpc-invocation.js';
export {
  type LoadProtoOptions,
  loadProtoService,
  type ProtoMethod,
  type ProtoServiceDefinition,
  protoServiceFromRoot,
} from './serialization/proto-service-loader.js';
export { configureProtobuf, findProtoType, registerProtoType } from './serialization/protobuf.js';
export {
  findSerialization,
  getSerialization,
  registerSerialization,
  type Serialization,
  serializationNames,
} from './serialization/serialization.js';
export type { TransportKind } from './transport-factory.js';
