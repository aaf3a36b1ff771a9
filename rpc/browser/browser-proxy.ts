/**
 * The proxy `BrowserRpcClient.refer` returns: every property is a method
 * that turns its arguments into a BrowserCall. Parameter Java types come
 * from a Java-typed definition, else are inferred from the values, as the
 * Node client does (docs/rpc.md).
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import { inferJavaType } from '../protocol/java-types.js';
import { findMethod, type GenericMethods, type ServiceDefinition } from '../service.js';

export interface BrowserReferOptions {
  version?: string;
  group?: string;
  /** `hessian2` (default) or `json`. */
  serialization?: string;
  /** This reference's per-call timeout in ms (default: the client's). */
  timeoutMs?: number;
  /** Sent with every call. */
  attachments?: Record<string, string>;
}

/** One call, as the proxy hands it to the client. */
export interface BrowserCall extends BrowserReferOptions {
  service: string;
  method: string;
  parameterTypes: readonly string[];
  args: readonly unknown[];
}

/** The proxy of a service known by name only: any method, results untyped. */
export type BrowserProxy = Record<string, (...args: unknown[]) => Promise<unknown>> & GenericMethods;

// Same descriptors as the Node client (rpc/service-reference.ts, rpc/filters/generic-filter.ts).
const ECHO_TYPES: readonly string[] = ['java.lang.Object'];
const GENERIC_TYPES: readonly string[] = ['java.lang.String', '[Ljava.lang.String;', '[Ljava.lang.Object;'];

export function createBrowserProxy(
  definitionOrName: ServiceDefinition | string,
  options: BrowserReferOptions,
  invoke: (call: BrowserCall) => Promise<unknown>,
): unknown {
  const definition = typeof definitionOrName === 'string' ? undefined : definitionOrName;
  const service = definition?.name ?? (definitionOrName as string);
  if (definition?.kind === 'protobuf') throw new RpcError(ErrorCode.INVALID_ARGUMENT, 'protobuf services are not supported by the browser client');
  const methods = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  const methodFor = (method: string) => (...args: unknown[]) => {
    const parameterTypes = typesOf(definition, method, args);
    const attachments = method === '$invoke' ? { ...options.attachments, generic: 'true' } : options.attachments;
    return invoke({ ...options, attachments, service, method, parameterTypes, args });
  };
  return new Proxy(Object.create(null), {
    get(_target, name) {
      // `then` stays undefined so awaiting a proxy does not call the provider.
      if (typeof name !== 'string' || name === 'then') return undefined;
      let method = methods.get(name);
      if (method === undefined) methods.set(name, (method = methodFor(name)));
      return method;
    },
  });
}

function typesOf(definition: ServiceDefinition | undefined, method: string, args: readonly unknown[]): readonly string[] {
  if (method === '$echo') return ECHO_TYPES;
  if (method === '$invoke') return GENERIC_TYPES;
  const declared = definition === undefined ? undefined : findMethod(definition, method)?.parameterTypes;
  return declared ?? args.map(inferJavaType);
}
