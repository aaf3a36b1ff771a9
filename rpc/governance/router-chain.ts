/**
 * Runs routers in priority order. The leading routers that do not read the
 * call depend only on the provider list and the consumer URL, so their
 * result is computed once per list and reused (Java Dubbo's `runtime=false`
 * caching, applied only where it cannot change the answer); the rest run on
 * every call. An empty chain costs one length check per call.
 */
import type { ServiceUrl } from '../../registry/service-url.js';
import { type Routable, type RoutedCall, type Router, sortRouters } from './router.js';

export class RouterChain {
  readonly routers: readonly Router[];
  private readonly cachedCount: number;
  private cacheInput: readonly Routable[] | undefined;
  private cacheOutput: readonly Routable[] = [];

  constructor(routers: readonly Router[]) {
    this.routers = sortRouters(routers);
    const firstCallReader = this.routers.findIndex((router) => router.readsCall);
    this.cachedCount = firstCallReader < 0 ? this.routers.length : firstCallReader;
  }

  get isEmpty(): boolean {
    return this.routers.length === 0;
  }

  route<T extends Routable>(targets: readonly T[], consumer: ServiceUrl, call: RoutedCall): readonly T[] {
    if (this.routers.length === 0) return targets;
    let current = this.cachedPrefix(targets, consumer, call);
    for (let i = this.cachedCount; i < this.routers.length; i++) current = this.routers[i]!.route(current, consumer, call);
    return current;
  }

  /** Keyed on the list's identity: the directory hands out a new array whenever its providers change. */
  private cachedPrefix<T extends Routable>(targets: readonly T[], consumer: ServiceUrl, call: RoutedCall): readonly T[] {
    if (this.cachedCount === 0) return targets;
    if (this.cacheInput !== targets) {
      let current: readonly T[] = targets;
      for (let i = 0; i < this.cachedCount; i++) current = this.routers[i]!.route(current, consumer, call);
      this.cacheInput = targets;
      this.cacheOutput = current;
    }
    return this.cacheOutput as readonly T[];
  }
}
