/**
 * Renders calls/s per shape per system as a grouped bar chart in plain SVG.
 * The y axis is logarithmic: the systems span three orders of magnitude
 * (grpc-js ~5 k/s, raw net ~2 M/s), so a linear axis would hide the peers.
 */
import { shapeName } from './bench-plan.js';
import type { BenchResult, CellResult } from './bench-result.js';
import { formatRate } from './format.js';

const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f'];
const PLOT = { left: 70, top: 40, height: 320, barWidth: 14, groupGap: 26 };

export function renderSvg(result: BenchResult): string {
  const systems = [...new Map(result.cells.map((c) => [c.system, c.label])).entries()];
  const shapes = [...new Map(result.cells.map((c) => [shapeName(c.shape), c.shape])).keys()];
  const groupWidth = systems.length * PLOT.barWidth + PLOT.groupGap;
  const width = PLOT.left + shapes.length * groupWidth + 20;
  const legendTop = PLOT.top + PLOT.height + 50;
  const height = legendTop + systems.length * 18 + 10;
  const scale = logScale(result.cells);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${PLOT.left}" y="20" font-size="13">calls/s per shape per system (log scale) — ${escapeXml(result.date)}, ${result.plan.mode}</text>`,
    ...axis(scale, width),
    ...shapes.flatMap((shape, g) => group(result.cells, shape, g, groupWidth, systems, scale)),
    ...systems.map(([id, label], i) => legendRow(id, label, i, legendTop)),
    '</svg>',
  ];
  return parts.join('\n') + '\n';
}

interface LogScale {
  minExp: number;
  maxExp: number;
  y(value: number): number;
}

function logScale(cells: CellResult[]): LogScale {
  const values = cells.map((c) => c.summary?.median.callsPerSec ?? 0).filter((v) => v > 0);
  const minExp = Math.floor(Math.log10(Math.min(...values, 1e3)));
  const maxExp = Math.ceil(Math.log10(Math.max(...values, 1e4)));
  const y = (value: number): number => {
    const clamped = Math.max(value, 10 ** minExp);
    const frac = (Math.log10(clamped) - minExp) / (maxExp - minExp);
    return PLOT.top + PLOT.height * (1 - frac);
  };
  return { minExp, maxExp, y };
}

function axis(scale: LogScale, width: number): string[] {
  const lines: string[] = [];
  for (let e = scale.minExp; e <= scale.maxExp; e++) {
    const y = scale.y(10 ** e).toFixed(1);
    lines.push(`<line x1="${PLOT.left}" x2="${width - 10}" y1="${y}" y2="${y}" stroke="#ddd"/>`);
    lines.push(`<text x="${PLOT.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${formatRate(10 ** e)}</text>`);
  }
  return lines;
}

function group(
  cells: CellResult[],
  shape: string,
  g: number,
  groupWidth: number,
  systems: [string, string][],
  scale: LogScale,
): string[] {
  const x0 = PLOT.left + g * groupWidth + PLOT.groupGap / 2;
  const labelY = PLOT.top + PLOT.height + 16;
  const out = [`<text x="${x0 + (groupWidth - PLOT.groupGap) / 2}" y="${labelY}" text-anchor="middle">${escapeXml(shape)}</text>`];
  systems.forEach(([id], i) => {
    const cell = cells.find((c) => c.system === id && shapeName(c.shape) === shape);
    const value = cell?.summary?.median.callsPerSec ?? 0;
    if (value <= 0) return;
    const y = scale.y(value);
    const x = x0 + i * PLOT.barWidth;
    const h = PLOT.top + PLOT.height - y;
    out.push(
      `<rect x="${x}" y="${y.toFixed(1)}" width="${PLOT.barWidth - 2}" height="${h.toFixed(1)}" fill="${PALETTE[i % PALETTE.length]}"><title>${escapeXml(`${id} ${shape}: ${formatRate(value)} calls/s`)}</title></rect>`,
    );
  });
  return out;
}

function legendRow(id: string, label: string, i: number, top: number): string {
  const y = top + i * 18;
  const color = PALETTE[i % PALETTE.length];
  return `<rect x="${PLOT.left}" y="${y - 10}" width="12" height="12" fill="${color}"/><text x="${PLOT.left + 18}" y="${y}">${escapeXml(`${id} — ${label}`)}</text>`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
