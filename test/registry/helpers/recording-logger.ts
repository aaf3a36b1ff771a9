/** A Logger that keeps what a registry tells it, by level, for tests that wait on outage reports. */
import type { Logger } from '../../../common/diagnostics.js';

export interface RecordingLogger extends Logger {
  readonly warnings: string[];
  readonly infos: string[];
}

export function recordingLogger(): RecordingLogger {
  const warnings: string[] = [];
  const infos: string[] = [];
  const ignore = (): void => undefined;
  return {
    warnings,
    infos,
    debug: ignore,
    error: ignore,
    warn: (_fields, message) => warnings.push(message),
    info: (_fields, message) => infos.push(message),
  };
}
