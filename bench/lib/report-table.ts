/** Renders a BenchResult as a markdown table (what `npm run bench` prints). */
import { shapeName } from './bench-plan.js';
import type { BenchResult, CellResult } from './bench-result.js';
import { formatMiB, formatMicros, formatPercent, formatRate, formatRatio } from './format.js';

const HEADER =
  '| system | shape (conns×in-flight×payload) | calls/s (median) | spread | vs raw net | p50 | p99 | server CPU | server RSS | client CPU | foreign CPU |';
const RULE = '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|';

/** Rows with more than this foreign CPU (percent of one core) are marked ⚠. */
const FOREIGN_WARN_PERCENT = 25;

export function renderTable(result: BenchResult): string {
  const m = result.machine;
  const t = result.plan.timing;
  const lines = [
    `getty-rpc bench (${result.plan.mode}) — ${result.date}, nproc ${m.nproc}, node ${m.node}, ${m.cpuModel}`,
    `warm-up ${t.warmupMs} ms, ${t.windows} window(s) × ${t.windowMs} ms per cell; medians over windows; loopback`,
    '',
    HEADER,
    RULE,
    ...result.cells.map(renderRow),
    ...renderHalfPeaks(result.cells),
  ];
  return lines.join('\n');
}

const HALF_PEAK_HEADER =
  '| system | shape | rate (½ of peak) | calls/s done | p50 | p99 | p99 vs raw net at its ½ peak | closed-loop p99 | shed | server CPU | foreign CPU |';

/** The open-loop table: p99 at half of each system's own peak, against raw net's at its half peak. */
function renderHalfPeaks(cells: CellResult[]): string[] {
  const rows = cells.filter((c) => c.halfPeak !== undefined).map(renderHalfPeak);
  if (rows.length === 0) return [];
  return ['', 'p99 at half of peak throughput (open loop, calls on a fixed schedule):', '', HALF_PEAK_HEADER, RULE, ...rows];
}

function renderHalfPeak(cell: CellResult): string {
  const half = cell.halfPeak!;
  const head = `| ${cell.label} | ${shapeName(cell.shape)} | ${formatRate(half.ratePerSec)}/s |`;
  if (!half.summary) return `${head} skipped: ${half.skipped ?? 'no figures'} | | | | | | | | |`;
  const md = half.summary.median;
  const ratio = half.p99RatioToRawNet === undefined ? '–' : `${half.p99RatioToRawNet.toFixed(2)}×`;
  const warn = md.foreignCpuPercent > FOREIGN_WARN_PERCENT ? ' ⚠' : '';
  const errors = md.errors > 0 ? ` (${md.errors} errors)` : '';
  const cells = [
    formatRate(md.callsPerSec) + errors,
    formatMicros(md.p50Micros),
    formatMicros(md.p99Micros),
    ratio,
    formatMicros(cell.summary?.median.p99Micros ?? 0),
    String(md.shed ?? 0),
    formatPercent(md.serverCpuPercent),
    formatPercent(md.foreignCpuPercent) + warn,
  ];
  return `${head} ${cells.join(' | ')} |`;
}

function renderRow(cell: CellResult): string {
  const shape = shapeName(cell.shape);
  if (!cell.summary) return `| ${cell.label} | ${shape} | skipped: ${cell.skipped ?? 'no figures'} | | | | | | | | |`;
  const s = cell.summary;
  const md = s.median;
  const warn = md.foreignCpuPercent > FOREIGN_WARN_PERCENT ? ' ⚠' : '';
  const errors = md.errors > 0 ? ` (${md.errors} errors)` : '';
  return [
    '',
    cell.label,
    shape,
    formatRate(md.callsPerSec) + errors,
    formatPercent(s.spreadPercent),
    formatRatio(cell.ratioToRawNet),
    formatMicros(md.p50Micros),
    formatMicros(md.p99Micros),
    formatPercent(md.serverCpuPercent),
    formatMiB(md.serverRssBytes),
    formatPercent(md.clientCpuPercent),
    formatPercent(md.foreignCpuPercent) + warn,
    '',
  ].join(' | ').trim();
}
