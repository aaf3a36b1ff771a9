/**
 * The proxy `BrowserRpcClient.refer` returns: the Node client's proxy traps
 * (rpc/consumer/proxy.ts) over a method caller that turns each call into a
 * BrowserCall, its Java types chosen as the Node client chooses them
 * (rpc/consumer/request-builder.ts).
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import { serviceProxy } from '../consumer/proxy.js';
import { parameterTypesFor } from '../consumer/request-builder.js';
import { defineService, findMethod, type GenericMethods, type ServiceDefinition } from '../service.js';

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

export function createBrowserProxy(
  definitionOrName: ServiceDefinition | string,
  options: BrowserReferOptions,
  invoke: (call: BrowserCall) => Promise<unknown>,
): unknown {
  const definition = typeof definitionOrName === 'string' ? defineService<unknown>(definitionOrName) : definitionOrName;
  if (definition.kind === 'protobuf') throw new RpcError(ErrorCode.INVALID_ARGUMENT, 'protobuf services are not supported by the browser client');
  const service = definition.name;
  return serviceProxy(definition, (method, args) => {
    const parameterTypes = parameterTypesFor(method, findMethod(definition, method), args);
    const attachments = method === '$invoke' ? { ...options.attachments, generic: 'true' } : options.attachments;
    return invoke({ ...options, attachments, service, method, parameterTypes, args });
  });
}
