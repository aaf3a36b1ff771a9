/**
 * Real in-process Invoker objects for cluster and load-balance tests: pure
 * selection and fault-tolerance logic needs no network, only providers whose
 * answers the test controls.
 */
import { ErrorCode, RpcError } from '../../../common/rpc-error.js';
// Registers every cluster strategy and balancer, as an application importing the package does.
import '../../../rpc/cluster/index.js';
import { ServiceUrl, type UrlParams } from '../../../registry/service-url.js';
import type { Invocation } from '../../../rpc/invocation.js';
import type { Invoker } from '../../../rpc/invoker.js';

export const SERVICE = 'org.example.EchoService';

export type Responder = (invocation: Invocation, call: number) => Promise<unknown>;

/** A provider URL on 127.0.0.1:<port> for SERVICE. */
export function providerUrl(port: number, params: UrlParams = {}): ServiceUrl {
  return new ServiceUrl({ protocol: 'dubbo', host: '127.0.0.1', port, path: SERVICE, params: { interface: SERVICE, side: 'provider', ...params } });
}

/** The consumer's reference URL for SERVICE. */
export function consumerUrl(params: UrlParams = {}): ServiceUrl {
  return new ServiceUrl({ protocol: 'consumer', host: '127.0.0.1', port: 0, path: SERVICE, params: { interface: SERVICE, side: 'consumer', ...params } });
}

export function invocation(methodName = 'echo', args: unknown[] = [], extra: Partial<Invocation> = {}): Invocation {
  return { interfaceName: SERVICE, methodName, parameterTypes: args.map(() => 'java.lang.Object'), args, attachments: {}, ...extra };
}

/** Always rejects with `code`. */
export function failsWith(code: RpcError['code']): Responder {
  return async () => {
    throw new RpcError(code, `provider failed with ${code}`);
  };
}

export class TestInvoker implements Invoker {
  readonly url: ServiceUrl;
  calls = 0;
  available = true;
  destroyed = false;

  constructor(
    port: number,
    /** Default: answers with its own port. */
    private readonly responder?: Responder,
    params: UrlParams = {},
  ) {
    this.url = providerUrl(port, params);
  }

  get port(): number {
    return this.url.port;
  }

  isAvailable(): boolean {
    return this.available && !this.destroyed;
  }

  async invoke(inv: Invocation): Promise<unknown> {
    if (this.destroyed) throw new RpcError(ErrorCode.CLIENT_CLOSED, 'destroyed');
    this.calls++;
    return this.responder ? this.responder(inv, this.calls) : this.port;
  }

  destroy(): void {
    this.destroyed = true;
  }
}

/** A promise with its resolve and reject, for providers that answer when the test says so. */
export function deferred<T = unknown>(): { promise: Promise<T>; resolve(value: T): void; reject(err: unknown): void } {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => [resolve, reject] = [res, rej]);
  return { promise, resolve, reject };
}

/** A seeded uniform source, so statistical tests give the same numbers every run. */
export { seededRandom } from '../protocol/seeded-random.js';

/** Rejects when `promise` has not settled within `ms` (a ref'd timer also keeps the test alive meanwhile). */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** How many times each invoker (by port) was selected. */
export function tally(picks: readonly (Invoker | undefined)[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const pick of picks) {
    const port = pick?.url.port ?? -1;
    counts.set(port, (counts.get(port) ?? 0) + 1);
  }
  return counts;
}
