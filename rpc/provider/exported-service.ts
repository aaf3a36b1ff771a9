/**
 * `ExportedService`: one service added to an `RpcServer` — its definition,
 * implementation and the provider filter chain in front of it (dubbo-go's
 * exporter and its default service filters, dubbo-go `protocol/dubbo/dubbo_exporter.go`, `filter/`).
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import { composeFilters, type Filter, type Next } from '../filter.js';
import { accessLogFilter, type AccessLogSink } from '../filters/access-log-filter.js';
import { concurrencyLimitFilter } from '../filters/concurrency-limit-filter.js';
import { echoFilter } from '../filters/echo-filter.js';
import { genericFilter } from '../filters/generic-filter.js';
import { tokenFilter } from '../filters/token-filter.js';
import { type TpsLimitOptions, tpsLimitFilter } from '../filters/tps-limit-filter.js';
import type { Invocation } from '../invocation.js';
import { type AnyFunction, findMethod, type ServiceDefinition } from '../service.js';

/** Options of `server.addService(definition, impl, options)`. */
export interface ServiceOptions {
  /** Service version (default ''). */
  version?: string;
  /** Service group (default ''). */
  group?: string;
  /** Calls must carry this `token` attachment (token filter). */
  token?: string;
  /** Limit calls per window (tps filter). */
  tpsLimit?: TpsLimitOptions;
  /** Most calls in flight per method (execute filter). */
  executeLimit?: number;
  /** Log every call: `true` for console.info, or a sink function (accesslog filter). */
  accessLog?: boolean | AccessLogSink;
  /** Extra filters for this service, inside the server's filters. */
  filters?: readonly Filter[];
  /** Weight advertised in the registry URL (default 100). */
  weight?: number;
  /**
   * Extra params of the registered provider URL, which routing rules can
   * match: `{ region: 'hz', 'dubbo.tag': 'gray' }` (docs/governance.md).
   * They cannot replace the params that identify the service.
   */
  parameters?: Readonly<Record<string, string>>;
}

/** Params `parameters` may not set: they identify the service or are written by the server. */
const RESERVED_PARAMS: ReadonlySet<string> = new Set(['interface', 'methods', 'side', 'application', 'version', 'group', 'anyhost', 'pid', 'timestamp', '__proto__']);

const OBJECT_METHODS: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

export class ExportedService {
  readonly name: string;
  readonly version: string;
  readonly group: string;
  /** Runs a call through the filters into the implementation. */
  readonly invoke: Next;

  constructor(
    readonly definition: ServiceDefinition,
    private readonly impl: object,
    readonly options: ServiceOptions,
    serverFilters: readonly Filter[],
  ) {
    this.name = definition.name;
    this.version = options.version ?? '';
    this.group = options.group ?? '';
    checkImpl(definition, impl);
    checkParameters(options.parameters);
    this.invoke = composeFilters([...builtInFilters(options), ...serverFilters, ...(options.filters ?? [])], (invocation) =>
      this.callMethod(invocation),
    );
  }

  /** Method names, for the registry URL's `methods` param. */
  get methodNames(): string[] {
    if (this.definition.methods) return [...this.definition.methods.keys()];
    return implMethodNames(this.impl);
  }

  /** The declared Java return type of a method, if any. */
  returnTypeOf(method: string): string | undefined {
    return findMethod(this.definition, method)?.returnType;
  }

  /** Not `async`: a method's own promise is passed on with one `then` that types its failure. */
  private callMethod(invocation: Invocation): Promise<unknown> {
    let result: unknown;
    try {
      const fn = this.methodOf(invocation.methodName);
      this.checkArity(invocation);
      result = fn.apply(this.impl, invocation.args as unknown[]);
    } catch (err) {
      return Promise.reject(err instanceof RpcError ? err : asServiceError(err));
    }
    if (result instanceof Promise || typeof (result as { then?: unknown } | null)?.then === 'function') {
      return Promise.resolve(result).then(undefined, rejectAsServiceError);
    }
    return Promise.resolve(result);
  }

  private methodOf(name: string): AnyFunction {
    const fn = OBJECT_METHODS.has(name) ? undefined : (this.impl as Record<string, unknown>)[name];
    const declared = this.definition.methods === undefined || this.definition.methods.has(name);
    if (typeof fn !== 'function' || !declared) {
      throw new RpcError(ErrorCode.METHOD_NOT_FOUND, `no method '${name}' in service ${this.name}`);
    }
    return fn as AnyFunction;
  }

  private checkArity(invocation: Invocation): void {
    const declared = findMethod(this.definition, invocation.methodName)?.parameterTypes;
    if (declared && declared.length !== invocation.args.length) {
      throw new RpcError(
        ErrorCode.BAD_REQUEST,
        `${this.name}.${invocation.methodName} takes ${declared.length} arguments, got ${invocation.args.length}`,
      );
    }
  }
}

/** dubbo-go's default provider chain, with the optional ones only when configured. */
function builtInFilters(options: ServiceOptions): Filter[] {
  const filters: Filter[] = [echoFilter()];
  if (options.token) filters.push(tokenFilter(options.token));
  if (options.accessLog) filters.push(accessLogFilter(options.accessLog === true ? {} : { sink: options.accessLog }));
  if (options.tpsLimit) filters.push(tpsLimitFilter(options.tpsLimit));
  filters.push(genericFilter());
  if (options.executeLimit !== undefined) filters.push(concurrencyLimitFilter({ max: options.executeLimit }));
  return filters;
}

function checkImpl(definition: ServiceDefinition, impl: object): void {
  if (typeof impl !== 'object' || impl === null) {
    throw new RpcError(ErrorCode.INVALID_ARGUMENT, `implementation of ${definition.name} must be an object`);
  }
  for (const name of definition.methods?.keys() ?? []) {
    if (typeof (impl as Record<string, unknown>)[name] !== 'function') {
      throw new RpcError(ErrorCode.INVALID_ARGUMENT, `implementation of ${definition.name} lacks method ${name}`);
    }
  }
}

/** Own and class methods of an implementation object, without Object's. */
function implMethodNames(impl: object): string[] {
  const names = new Set<string>();
  for (let o: object | null = impl; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const name of Object.getOwnPropertyNames(o)) {
      if (name !== 'constructor' && typeof (impl as Record<string, unknown>)[name] === 'function') names.add(name);
    }
  }
  return [...names].sort();
}

function rejectAsServiceError(err: unknown): never {
  throw asServiceError(err);
}

/**
 * What a provider method threw, as an RpcError. An RpcError stays as it is;
 * anything else is a business exception: SERVICE_ERROR, sent to the caller as
 * a Java exception of type `javaType` (if the error has one) or
 * java.lang.RuntimeException, whose message is the only text a Java or Go
 * consumer reads: so the thrown value's data travels in it (thrownText).
 */
function asServiceError(err: unknown): RpcError {
  if (err instanceof RpcError) return err;
  const javaType = (err as { javaType?: unknown } | null)?.javaType;
  const remoteType = typeof javaType === 'string' ? javaType : 'java.lang.RuntimeException';
  return new RpcError(ErrorCode.SERVICE_ERROR, thrownText(err), { remoteType, cause: err });
}

/** Longest text of a thrown value's data carried in the message, in characters. */
export const MAX_THROWN_TEXT = 4096;

/**
 * The message of a thrown value: an Error's message, followed by the JSON of
 * its own enumerable fields (`code`, `sku` ..., not `javaType`) when it has
 * some; any other value (`throw { code: 42 }`) as its JSON text; bounded to
 * MAX_THROWN_TEXT characters.
 */
function thrownText(err: unknown): string {
  if (typeof err === 'string') return bounded(err);
  if (!(err instanceof Error)) return bounded(jsonText(err) ?? String(err));
  const fields: Record<string, unknown> = { ...err };
  delete fields.javaType;
  const extra = Object.keys(fields).length > 0 ? jsonText(fields) : undefined;
  return bounded(extra === undefined ? err.message : `${err.message} ${extra}`);
}

/** JSON text, or undefined for what JSON cannot write (cycles, functions); bigints as strings. */
function jsonText(value: unknown): string | undefined {
  try {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  } catch {
    return undefined;
  }
}

function bounded(text: string): string {
  return text.length <= MAX_THROWN_TEXT ? text : `${text.slice(0, MAX_THROWN_TEXT)}… (${text.length - MAX_THROWN_TEXT} more characters)`;
}

function checkParameters(parameters: Readonly<Record<string, string>> | undefined): void {
  for (const [key, value] of Object.entries(parameters ?? {})) {
    if (key === '' || RESERVED_PARAMS.has(key) || typeof value !== 'string') {
      throw new RpcError(ErrorCode.INVALID_ARGUMENT, `service parameter '${key}' must be a string and not one of ${[...RESERVED_PARAMS].join(', ')}`);
    }
  }
}
