/**
 * The listener end of a config-center watch: forwards a value only when it
 * differs from the last one delivered, never after `stop()`, and keeps a
 * throwing listener from breaking the registry's watch loop.
 */
import type { ConfigListener } from './registry.js';

export class ConfigFeed {
  active = true;
  private delivered = false;
  private last: string | undefined;

  constructor(private readonly listener: ConfigListener) {}

  deliver(text: string | undefined): void {
    if (!this.active || (this.delivered && text === this.last)) return;
    this.delivered = true;
    this.last = text;
    try {
      this.listener(text);
    } catch (err) {
      process.emitWarning(`config listener threw: ${String(err)}`, 'RegistryWarning');
    }
  }

  stop(): void {
    this.active = false;
  }
}

