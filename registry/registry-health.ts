/**
 * Whether a registry can be reached, told once per change: a warning through
 * the registry's logger when it goes down (consumers keep their last provider
 * list meanwhile, providers cannot register), an info line when it is back,
 * and both on the `getty-rpc:registry:outage` diagnostics channel
 * (common/diagnostics.ts).
 */
import { channels, type Logger } from '../common/diagnostics.js';

export class RegistryHealth {
  private down = false;

  constructor(
    private readonly registry: string,
    private readonly logger: Logger,
  ) {}

  /** The registry cannot be reached (`error` says why). Repeats while down are not told again. */
  lost(error: unknown, what: string): void {
    if (this.down) return;
    this.down = true;
    const reason = error instanceof Error ? error.message : String(error);
    this.logger.warn({ registry: this.registry, reason }, `registry ${this.registry} unreachable (${what}): ${reason}`);
    if (channels.registryOutage.hasSubscribers) channels.registryOutage.publish({ registry: this.registry, state: 'down', error });
  }

  /** Reached again after `lost`. */
  restored(): void {
    if (!this.down) return;
    this.down = false;
    this.logger.info({ registry: this.registry }, `registry ${this.registry} reachable again`);
    if (channels.registryOutage.hasSubscribers) channels.registryOutage.publish({ registry: this.registry, state: 'up' });
  }
}
