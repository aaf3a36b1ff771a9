/**
 * An Invoker calls one service at one provider (or, for a cluster invoker, at
 * one of several). dubbo-go's `protocol.Invoker`.
 */
import type { ServiceUrl } from '../registry/service-url.js';
import type { Invocation } from './invocation.js';

export interface Invoker {
  /** The provider URL (for a cluster invoker, the consumer's reference URL). */
  readonly url: ServiceUrl;
  /** False once the provider is known to be unreachable or destroyed. */
  isAvailable(): boolean;
  /** Resolves with the result value, rejects with an RpcError. */
  invoke(invocation: Invocation): Promise<unknown>;
  destroy(): void;
}

/** Makes an invoker for one provider URL (the protocol layer provides it). */
export type InvokerFactory = (providerUrl: ServiceUrl) => Invoker;
