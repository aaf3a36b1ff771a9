/**
 * A provider's invoker seen through the configurators: the same connection,
 * with the URL the rules produced (weight, loadbalance, retries, ...), so a
 * rule change never reconnects. The directory owns the inner invoker;
 * destroying this view does nothing.
 */
import type { ServiceUrl } from '../../registry/service-url.js';
import type { Invocation } from '../invocation.js';
import type { Invoker } from '../invoker.js';

export class ConfiguredInvoker implements Invoker {
  constructor(
    readonly url: ServiceUrl,
    readonly inner: Invoker,
  ) {}

  isAvailable(): boolean {
    return this.inner.isAvailable();
  }

  invoke(invocation: Invocation): Promise<unknown> {
    return this.inner.invoke(invocation);
  }

  destroy(): void {}
}
