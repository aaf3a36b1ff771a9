/**
 * Loads a protobuf service from a .proto file (protobufjs) into a definition
 * the RPC layer can use: interface name, and per method the request and
 * response message types with their Java type names. Every message type of
 * the file is registered with the protobuf serialization, so requests decode
 * into objects on the provider.
 */
import type protobuf from 'protobufjs';
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import { ProtoMessageCodec, type ProtoValueOptions } from './proto-message-codec.js';
import { registerProtoType } from './protobuf.js';
import { protobufjs } from './protobufjs-module.js';

export interface ProtoMethod {
  readonly name: string;
  readonly requestType: protobuf.Type;
  readonly responseType: protobuf.Type;
  /** Java type name of the single parameter (what the descriptor carries). */
  readonly parameterType: string;
  readonly returnType: string;
  /** Decodes a response value (raw bytes on the wire) into a plain object; BAD_RESPONSE when it is not one. */
  decodeResponse(bytes: Uint8Array): Record<string, unknown>;
  /** Encodes a request object, checking every field name (INVALID_ARGUMENT naming an unknown one). */
  encodeRequest(value: unknown): Uint8Array;
}

export interface ProtoServiceDefinition {
  /** Dubbo interface name: `<java_package>.<Service>` when the file sets java_package, else the full proto name. */
  readonly name: string;
  readonly methods: Readonly<Record<string, ProtoMethod>>;
  readonly root: protobuf.Root;
}

/**
 * `longs` ('number' | 'bigint') and `enums` ('name' | 'number') say how 64-bit
 * integers and enums are given to JS (proto-message-codec.ts).
 */
export interface LoadProtoOptions extends ProtoValueOptions {
  /** Service to load (simple or full name); default: the only service in the file. */
  service?: string;
  /** Extra directories searched for imports. */
  includeDirs?: string[];
  /**
   * Field names as written in the .proto (`unit_price_cents`) instead of
   * protobufjs's default lowerCamelCase (`unitPriceCents`, also proto3's JSON
   * mapping). Default false.
   */
  keepCase?: boolean;
}

/** Reads `file` (or several) synchronously and returns the chosen service's definition. */
export function loadProtoService(file: string | string[], options: LoadProtoOptions = {}): ProtoServiceDefinition {
  let root: protobuf.Root;
  try {
    root = loadRoot(file, options.includeDirs ?? [], options.keepCase === true);
  } catch (err) {
    throw new RpcError(ErrorCode.INVALID_ARGUMENT, `cannot load proto ${String(file)}: ${(err as Error).message}`, { cause: err });
  }
  return protoServiceFromRoot(root, options.service, options);
}

function loadRoot(file: string | string[], includeDirs: string[], keepCase: boolean): protobuf.Root {
  const root = new (protobufjs().Root)();
  if (includeDirs.length > 0) root.resolvePath = (origin, target) => resolveInclude(origin, target, includeDirs);
  return root.loadSync(file, { keepCase });
}

function resolveInclude(origin: string, target: string, includeDirs: string[]): string {
  const fromOrigin = protobufjs().util.path.resolve(origin, target);
  for (const dir of includeDirs) {
    const candidate = protobufjs().util.path.resolve(dir + '/', target);
    if (protobufjs().util.fs?.existsSync?.(candidate)) return candidate;
  }
  return fromOrigin;
}

/**
 * Builds the definition from an already loaded root (e.g.
 * `protobuf.parse(text).root`; its field names are as that parse made them).
 */
export function protoServiceFromRoot(root: protobuf.Root, serviceName?: string, values: ProtoValueOptions = {}): ProtoServiceDefinition {
  root.resolveAll();
  const codecs = registerAllTypes(root, values);
  const service = findService(root, serviceName);
  const methods: Record<string, ProtoMethod> = {};
  for (const method of service.methodsArray) methods[method.name] = toProtoMethod(method, codecs);
  return { name: javaNameOf(service), methods, root };
}

function findService(root: protobuf.Root, serviceName: string | undefined): protobuf.Service {
  const services = collect(root, protobufjs().Service);
  const found = serviceName === undefined ? (services.length === 1 ? services[0] : undefined) : services.find((s) => s.name === serviceName || fullName(s) === serviceName);
  if (found === undefined) {
    const names = services.map(fullName).join(', ') || 'none';
    throw new RpcError(ErrorCode.INVALID_ARGUMENT, `service ${serviceName ?? '(only one)'} not found; the proto defines: ${names}`);
  }
  return found;
}

function toProtoMethod(method: protobuf.Method, codecs: Map<protobuf.Type, ProtoMessageCodec>): ProtoMethod {
  if (method.requestStream || method.responseStream) {
    throw new RpcError(ErrorCode.INVALID_ARGUMENT, `streaming method ${method.name} cannot travel on the Dubbo 2 protocol`);
  }
  const requestType = method.resolvedRequestType!;
  const responseType = method.resolvedResponseType!;
  const request = codecs.get(requestType)!;
  const response = codecs.get(responseType)!;
  return {
    name: method.name,
    requestType,
    responseType,
    parameterType: javaNameOf(requestType),
    returnType: javaNameOf(responseType),
    decodeResponse: (bytes) => response.decode(bytes, ErrorCode.BAD_RESPONSE),
    encodeRequest: (value) => request.encode(value),
  };
}

function registerAllTypes(root: protobuf.Root, values: ProtoValueOptions): Map<protobuf.Type, ProtoMessageCodec> {
  const codecs = new Map<protobuf.Type, ProtoMessageCodec>();
  for (const type of collect(root, protobufjs().Type)) {
    const codec = new ProtoMessageCodec(type, values);
    codecs.set(type, codec);
    registerProtoType(fullName(type), codec);
    registerProtoType(javaNameOf(type), codec);
  }
  return codecs;
}

function collect<T extends protobuf.ReflectionObject>(ns: protobuf.NamespaceBase, kind: abstract new (...args: never[]) => T): T[] {
  const out: T[] = [];
  for (const nested of ns.nestedArray) {
    if (nested instanceof kind) out.push(nested);
    if (nested instanceof protobufjs().Namespace) out.push(...collect(nested, kind));
  }
  return out;
}

function fullName(obj: protobuf.ReflectionObject): string {
  return obj.fullName.replace(/^\./, '');
}

/** `<java_package>.<Name>` when the file sets java_package (java_multiple_files style), else the proto full name. */
function javaNameOf(obj: protobuf.ReflectionObject): string {
  const javaPackage = findJavaPackage(obj);
  if (javaPackage === undefined) return fullName(obj);
  const ownPackage = packageOf(obj);
  const local = ownPackage === '' ? fullName(obj) : fullName(obj).slice(ownPackage.length + 1);
  return `${javaPackage}.${local}`;
}

function findJavaPackage(obj: protobuf.ReflectionObject): string | undefined {
  for (let at: protobuf.ReflectionObject | null = obj; at !== null; at = at.parent) {
    const option = at.options?.java_package;
    if (typeof option === 'string') return option;
  }
  return undefined;
}

/** The proto package: full names of enclosing namespaces that are not messages. */
function packageOf(obj: protobuf.ReflectionObject): string {
  let at = obj.parent;
  const { Namespace, Service, Type } = protobufjs();
  while (at !== null && !(at instanceof Namespace && !(at instanceof Type) && !(at instanceof Service))) at = at.parent;
  return at === null ? '' : fullName(at);
}
