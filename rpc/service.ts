/**
 * Service definitions: what a provider exports and a consumer refers to.
 *
 * Three kinds:
 * - `java`: `defineService(name, { method: { params: ['java.lang.String'], returns: 'int' } })`
 *   for interop with Java / Go: the Java types are sent on the wire and the
 *   proxy is typed from them (rpc/java-type-map.ts);
 * - `inferred`: `defineService<MyInterface>(name)` for TS↔TS: any method name is
 *   callable, the Java types of each call are inferred from the JS argument
 *   values (rules in docs/rpc.md), the proxy is typed from the interface;
 * - `protobuf`: built from a `.proto` service (rpc/proto-service.ts).
 */
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import type { JavaParams, JavaParamToTs, JavaToTs } from './java-type-map.js';
import { checkMethodOptions, type MethodOptions, pickMethodOptions } from './method-options.js';

/** One method of a Java-typed definition, with its call settings (rpc/method-options.ts). */
export interface MethodSpec extends MethodOptions {
  /** Java type names of the parameters, e.g. `['java.lang.String', 'int']`. */
  readonly params: readonly string[];
  /** Java return type (default `java.lang.Object`, typed `unknown`). */
  readonly returns?: string;
  /** A one-way method: the consumer sends and does not wait for a response. */
  readonly oneWay?: boolean;
}

export type MethodSpecs = Record<string, MethodSpec>;

export type DefinitionKind = 'java' | 'inferred' | 'protobuf';

/** What the RPC layer knows of one method at run time. */
export interface MethodDescriptor {
  readonly name: string;
  /** Undefined: inferred from the argument values at call time. */
  readonly parameterTypes: readonly string[] | undefined;
  readonly returnType: string | undefined;
  readonly oneWay: boolean;
  /** Call settings declared with the method (timeoutMs, retries, idempotent ...), if any. */
  readonly options?: MethodOptions;
  /** protobuf: the request and response message types (protobufjs `Type`). */
  readonly requestType?: unknown;
  readonly responseType?: unknown;
  /** Turns the wire value of a result into what the caller gets (protobuf: bytes → object). */
  readonly decodeResult?: (value: unknown) => unknown;
}

// biome-ignore lint/suspicious/noExplicitAny: the widest function type, for constraints only
export type AnyFunction = (...args: any[]) => unknown;

/** A service definition; `P` is the proxy type, `I` the implementation type (both compile-time only). */
export interface ServiceDefinition<P = unknown, I = unknown> {
  /** The interface name (Dubbo's `interface` / `path`). */
  readonly name: string;
  readonly kind: DefinitionKind;
  /** The declared methods; undefined for `inferred` (any method name is callable). */
  readonly methods: ReadonlyMap<string, MethodDescriptor> | undefined;
  /** A serialization the definition needs (protobuf), else undefined. */
  readonly serialization?: string;
  /** Phantom fields carrying the types; never set. */
  readonly __proxy?: P;
  readonly __impl?: I;
}

type ReturnOf<S extends MethodSpec> = S extends { oneWay: true }
  ? undefined
  : S extends { returns: infer R extends string }
    ? JavaToTs<R>
    : unknown;

/** What an implementation may return: reference types may be null, as in Java. */
type ImplReturnOf<S extends MethodSpec> = S extends { oneWay: true }
  ? undefined
  : S extends { returns: infer R extends string }
    ? JavaParamToTs<R> | undefined
    : unknown;

/** The proxy of a Java-typed definition (reference results typed non-null for convenience). */
export type JavaProxy<M extends MethodSpecs> = {
  [K in keyof M & string]: (...args: JavaParams<M[K]['params']>) => Promise<ReturnOf<M[K]>>;
};

/** The implementation a provider gives for a Java-typed definition. */
export type JavaImpl<M extends MethodSpecs> = {
  [K in keyof M & string]: (...args: JavaParams<M[K]['params']>) => ImplReturnOf<M[K]> | Promise<ImplReturnOf<M[K]>>;
};

type MethodKeys<T> = { [K in keyof T]: T[K] extends AnyFunction ? K : never }[keyof T] & string;

/** The proxy of a TS interface: every method returns a promise. */
export type AsyncProxy<T> = {
  [K in MethodKeys<T>]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

/** The implementation of a TS interface: methods may return values or promises. */
export type ServiceImpl<T> = {
  [K in MethodKeys<T>]: T[K] extends (...args: infer A) => infer R
    ? (...args: A) => Awaited<R> | Promise<Awaited<R>>
    : never;
};

/** Methods every proxy has (go-anchors §5.4). */
export interface GenericMethods {
  /** Generic call: `$invoke('sayHello', ['java.lang.String'], ['world'])`. */
  $invoke(method: string, parameterTypes: readonly string[], args: readonly unknown[]): Promise<unknown>;
  /** Health check: the provider returns `value` unchanged. */
  $echo<T>(value: T): Promise<T>;
}

/** The proxy type `client.refer(definition)` returns. */
export type ProxyOf<D> = D extends ServiceDefinition<infer P, unknown> ? P & GenericMethods : never;

/** The implementation type `server.addService(definition, impl)` takes. */
export type ImplOf<D> = D extends ServiceDefinition<unknown, infer I> ? I : never;

/** Defines a Java-typed service (interop with Java / Go Dubbo). */
export function defineService<const M extends MethodSpecs>(
  name: string,
  methods: M,
): ServiceDefinition<JavaProxy<M>, JavaImpl<M>>;
/** Defines a service from a TS interface; Java types are inferred per call. */
export function defineService<T>(name: string): ServiceDefinition<AsyncProxy<T>, ServiceImpl<T>>;
export function defineService(name: string, methods?: MethodSpecs): ServiceDefinition {
  checkName(name);
  if (methods === undefined) return { name, kind: 'inferred', methods: undefined };
  return { name, kind: 'java', methods: describeMethods(name, methods) };
}

function checkName(name: string): void {
  if (typeof name !== 'string' || !/^[\w.$/-]+$/.test(name)) {
    throw new RpcError(ErrorCode.INVALID_ARGUMENT, `bad service name: ${String(name)}`);
  }
}

function describeMethods(service: string, specs: MethodSpecs): ReadonlyMap<string, MethodDescriptor> {
  const methods = new Map<string, MethodDescriptor>();
  for (const [name, spec] of Object.entries(specs)) methods.set(name, describeMethod(service, name, spec));
  return methods;
}

function describeMethod(service: string, name: string, spec: MethodSpec): MethodDescriptor {
  const where = `${service}.${name}`;
  if (name.startsWith('$')) throw new RpcError(ErrorCode.INVALID_ARGUMENT, `${where}: names starting with $ are reserved`);
  if (!Array.isArray(spec?.params) || !spec.params.every((p) => typeof p === 'string' && p !== '')) {
    throw new RpcError(ErrorCode.INVALID_ARGUMENT, `${where}: params must be an array of Java type names`);
  }
  const options = pickMethodOptions(spec);
  if (options) checkMethodOptions(where, options);
  const descriptor = { name, parameterTypes: [...spec.params], returnType: spec.returns, oneWay: spec.oneWay === true };
  return options ? { ...descriptor, options } : descriptor;
}

/** The descriptor of `method`, or undefined when the definition does not declare it. */
export function findMethod(definition: ServiceDefinition, method: string): MethodDescriptor | undefined {
  return definition.methods?.get(method);
}
