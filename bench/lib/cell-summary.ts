/** Reduces a cell's trials to medians and a spread, and relates it to raw net. */
import type { TrialFigures } from './cell-run.js';

export interface CellSummary {
  /** Median over trials of each figure. */
  median: TrialFigures;
  /** (max − min) / median of calls/s over trials, in percent. */
  spreadPercent: number;
  minCallsPerSec: number;
  maxCallsPerSec: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function summarize(trials: readonly TrialFigures[]): CellSummary {
  const pick = (key: Exclude<keyof TrialFigures, 'shed'>): number => median(trials.map((t) => t[key]));
  const calls = trials.map((t) => t.callsPerSec);
  const med = pick('callsPerSec');
  const minCallsPerSec = Math.min(...calls);
  const maxCallsPerSec = Math.max(...calls);
  return {
    median: {
      callsPerSec: med,
      p50Micros: pick('p50Micros'),
      p99Micros: pick('p99Micros'),
      maxMicros: pick('maxMicros'),
      errors: Math.max(...trials.map((t) => t.errors)),
      serverCpuPercent: pick('serverCpuPercent'),
      clientCpuPercent: pick('clientCpuPercent'),
      foreignCpuPercent: pick('foreignCpuPercent'),
      serverRssBytes: pick('serverRssBytes'),
      ...(trials.some((t) => t.shed !== undefined) ? { shed: Math.max(...trials.map((t) => t.shed ?? 0)) } : {}),
    },
    spreadPercent: med > 0 ? ((maxCallsPerSec - minCallsPerSec) / med) * 100 : 0,
    minCallsPerSec,
    maxCallsPerSec,
  };
}
