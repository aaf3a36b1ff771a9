/**
 * Service definitions from `.proto` files: each rpc of a protobuf service
 * becomes a method taking its request message and returning its response
 * message, sent with the protobuf serialization (body layout in
 * docs/protocol.md). The proxy type comes from a TS interface you give, since
 * protobufjs has no compile-time types without code generation:
 *
 * ```ts
 * interface Greeter { SayHello(request: { name: string }): { message: string } }
 * const GreeterService = defineProtoService<Greeter>('greeter.proto');
 * ```
 */
import {
  type LoadProtoOptions,
  loadProtoService,
  type ProtoMethod,
  type ProtoServiceDefinition,
} from './serialization/proto-service-loader.js';
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import { findSerialization } from './serialization/serialization.js';
import type { AsyncProxy, MethodDescriptor, ServiceDefinition, ServiceImpl } from './service.js';

/** Java Dubbo's protobuf id and dubbo-go's (docs/protocol.md). */
const PROTOBUF_IDS: ReadonlySet<number> = new Set([21, 22]);

/** The shape used when no interface is given: messages as plain objects. */
export type ProtoShape = Record<string, (request: Record<string, unknown>) => Record<string, unknown>>;

/** Defines a service from a loaded proto service, or loads it from a .proto file first. */
export function defineProtoService<T = ProtoShape>(
  source: ProtoServiceDefinition | string | string[],
  options: LoadProtoOptions = {},
): ServiceDefinition<AsyncProxy<T>, ServiceImpl<T>> {
  const proto = typeof source === 'string' || Array.isArray(source) ? loadProtoService(source, options) : source;
  const methods = new Map<string, MethodDescriptor>();
  for (const method of Object.values(proto.methods)) methods.set(method.name, describe(method));
  return { name: proto.name, kind: 'protobuf', methods, serialization: 'protobuf' };
}

function describe(method: ProtoMethod): MethodDescriptor {
  return {
    name: method.name,
    parameterTypes: [method.parameterType],
    returnType: method.returnType,
    oneWay: false,
    requestType: method.requestType,
    responseType: method.responseType,
    // The response header names no type, so the consumer decodes with the method's.
    decodeResult: (value) => (value instanceof Uint8Array ? method.decodeResponse(value) : value),
  };
}

/**
 * Throws INVALID_ARGUMENT when `serialization` is protobuf and `definition`
 * is not a protobuf service: protobuf bodies need message types, which only a
 * `.proto` gives (`refer()` and `addService()` call this before any method runs).
 */
export function checkProtobufFits(definition: ServiceDefinition, serialization: string | undefined): void {
  if (serialization === undefined || definition.kind === 'protobuf') return;
  const found = findSerialization(serialization);
  if (found === undefined || !PROTOBUF_IDS.has(found.id)) return;
  throw new RpcError(
    ErrorCode.INVALID_ARGUMENT,
    `serialization '${serialization}' needs a protobuf service: ${definition.name} is not one (define it from a .proto with defineProtoService, or use hessian2 or json)`,
  );
}
