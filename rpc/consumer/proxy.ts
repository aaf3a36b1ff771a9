/**
 * Typed proxies: the object `client.refer(...)` returns. Each method call
 * becomes an RPC through its `ServiceReference`; the TypeScript type comes from
 * the service definition (rpc/service.ts).
 *
 * Per-call options (timeout, AbortSignal, attachments, one-way) are given by
 * binding them to a proxy rather than as a trailing argument, so they can
 * never be mistaken for a parameter of a method that takes a map:
 *
 * ```ts
 * await withCallOptions(demo, { timeoutMs: 500, signal }).sayHello('world');
 * ```
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import type { CallOptions } from '../context.js';
import { checkMethodOptions } from '../method-options.js';
import type { ServiceReference } from './service-reference.js';
import type { ProxyOf, ServiceDefinition } from '../service.js';

const kBinding = Symbol('getty-rpc.proxy');

interface Binding {
  reference: ServiceReference;
  options: CallOptions;
}

type Method = (...args: unknown[]) => Promise<unknown>;

/** Names every proxy answers, whatever the definition. */
const BUILT_IN = new Set(['$invoke', '$echo']);
/** Names an inferred proxy never turns into calls: promise and JSON probes, Object's own. */
const NEVER_CALLS = new Set(['then', 'toJSON', ...Object.getOwnPropertyNames(Object.prototype)]);

/** Calls one method of a service: what every proxy method ends in. */
export type MethodCaller = (method: string, args: unknown[]) => Promise<unknown>;

/** A proxy calling through `reference` with `options` bound. */
export function createProxy<D extends ServiceDefinition>(reference: ServiceReference, options: CallOptions = {}): ProxyOf<D> {
  const binding: Binding = { reference, options };
  return serviceProxy(reference.definition, (method, args) => reference.call(method, args, options), binding) as ProxyOf<D>;
}

/**
 * The proxy traps every consumer shares, the Node client's and the browser
 * client's: a method per callable name (made once, then cached), `undefined`
 * for every other name, so awaiting, JSON-encoding or inspecting a proxy
 * never makes a remote call. `binding` answers the private key
 * withCallOptions reads.
 */
export function serviceProxy(definition: ServiceDefinition, call: MethodCaller, binding?: object): object {
  const methods = new Map<string, Method>();
  return new Proxy(Object.create(null) as object, {
    get(_target, property) {
      if (property === kBinding) return binding;
      if (typeof property !== 'string' || !isCallable(definition, property)) return undefined;
      let method = methods.get(property);
      if (!method) methods.set(property, (method = bindMethod(call, property)));
      return method;
    },
    has(_target, property) {
      return typeof property === 'string' && isCallable(definition, property);
    },
  });
}

/** A copy of `proxy` whose calls use `options` (merged over options already bound). */
export function withCallOptions<P extends object>(proxy: P, options: CallOptions): P {
  const binding = (proxy as Record<symbol, Binding | undefined>)[kBinding];
  if (!binding) throw new RpcError(ErrorCode.INVALID_ARGUMENT, 'withCallOptions needs a proxy returned by client.refer()');
  checkMethodOptions('withCallOptions', { timeoutMs: options.timeoutMs, attemptTimeoutMs: options.attemptTimeoutMs, retries: options.retries });
  const merged: CallOptions = { ...binding.options, ...options };
  if (binding.options.attachments || options.attachments) {
    merged.attachments = { ...binding.options.attachments, ...options.attachments };
  }
  return createProxy(binding.reference, merged) as unknown as P;
}

/** The reference behind a proxy (undefined for other objects). */
export function referenceOf(proxy: object): ServiceReference | undefined {
  return (proxy as Record<symbol, Binding | undefined>)[kBinding]?.reference;
}

function bindMethod(call: MethodCaller, name: string): Method {
  if (name === '$invoke') return (method, types, args) => call(name, [method, types ?? [], args ?? []]);
  return (...args) => call(name, args);
}

/**
 * `then` is never a method (an awaited proxy must not look like a promise),
 * nor `toJSON` (JSON.stringify probes it) nor any Object.prototype name.
 * Inferred definitions accept any other name not starting with `$`, plus
 * `$invoke` and `$echo`; Java-typed ones their own methods.
 */
function isCallable(definition: ServiceDefinition, name: string): boolean {
  if (NEVER_CALLS.has(name)) return false;
  if (BUILT_IN.has(name)) return true;
  return definition.methods === undefined ? !name.startsWith('$') : definition.methods.has(name);
}
