/**
 * Which provider a call's last attempt went to, for consumer filters that
 * run before the cluster chooses (the tracing filter's `net.peer.name` /
 * `net.peer.port`, as Java Dubbo's `DefaultDubboClientObservationConvention`
 * reads them from the invoked invoker). Keyed by the call's attachments
 * object, which the filters below the asking one pass on unchanged even
 * when they copy the invocation. Nothing is recorded until a filter asks
 * (`watchAttemptedProviders`), so calls without such a filter pay one
 * number test per attempt.
 */
import type { ServiceUrl } from '../../registry/service-url.js';
import type { Invocation } from '../invocation.js';

let watchers = 0;
const attempted = new WeakMap<object, ServiceUrl>();

/** Called once by each filter that will read `attemptedProvider`; recording stays on from then. */
export function watchAttemptedProviders(): void {
  watchers++;
}

/** Called by the cluster for each attempt. */
export function recordAttempt(invocation: Invocation, provider: ServiceUrl): void {
  if (watchers > 0) attempted.set(invocation.attachments, provider);
}

/** The provider of the last attempt made with these attachments; undefined when none was made (no provider, mock). */
export function attemptedProvider(attachments: object): ServiceUrl | undefined {
  return attempted.get(attachments);
}
