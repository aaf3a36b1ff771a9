/** Number formatting shared by the table and the chart. */

export function formatRate(perSec: number): string {
  if (perSec >= 1e6) return `${(perSec / 1e6).toFixed(2)} M`;
  if (perSec >= 1e4) return `${Math.round(perSec / 1e3)} k`;
  if (perSec >= 1e3) return `${(perSec / 1e3).toFixed(1)} k`;
  return String(Math.round(perSec));
}

export function formatMicros(us: number): string {
  if (us >= 1e6) return `${(us / 1e6).toFixed(2)} s`;
  if (us >= 1e3) return `${(us / 1e3).toFixed(2)} ms`;
  return `${Math.round(us)} µs`;
}

export function formatPercent(p: number): string {
  return `${Math.round(p)}%`;
}

export function formatRatio(ratio: number | undefined): string {
  if (ratio === undefined) return '–';
  return ratio >= 0.1 ? `${(ratio * 100).toFixed(0)}%` : `${(ratio * 100).toFixed(1)}%`;
}

export function formatMiB(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}
