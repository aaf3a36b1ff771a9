/**
 * A Router narrows the providers a call may go to, before load balancing
 * (Java Dubbo's `StateRouter`, dubbo-go's `cluster/router` `PriorityRouter`).
 * Routers run in ascending `priority`; each gets the previous one's output.
 */
import type { ServiceUrl } from '../../registry/service-url.js';
import type { Invocation } from '../invocation.js';

/** Anything with a provider URL: invokers in the directory, plain URLs in tests. */
export interface Routable {
  readonly url: ServiceUrl;
}

/** What a router may read of a call. */
export type RoutedCall = Pick<Invocation, 'methodName' | 'args' | 'attachments'>;

export interface Router {
  /** Lower runs first. */
  readonly priority: number;
  /**
   * True when the result depends on the call (method, arguments,
   * attachments); false when it depends only on the provider list and the
   * consumer URL, so the result can be cached until either changes.
   */
  readonly readsCall: boolean;
  route<T extends Routable>(targets: readonly T[], consumer: ServiceUrl, call: RoutedCall): readonly T[];
}

/** Sorts routers by ascending priority, keeping the given order among equals. */
export function sortRouters(routers: readonly Router[]): Router[] {
  return routers
    .map((router, index) => ({ router, index }))
    .sort((a, b) => a.router.priority - b.router.priority || a.index - b.index)
    .map(({ router }) => router);
}
