/**
 * Runs a plan: one server child per available system (kept for the whole
 * run), then for every shape every system in turn, each cell with a fresh
 * load child. Interleaving systems within a shape keeps the ratio to raw net
 * fair when the machine's background load drifts during the run. Shapes in
 * the plan's `openLoop` then run each system once more, in open loop at half
 * of its closed-loop calls/s (p99 at half of peak).
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { BenchPlan, Shape } from './bench-plan.js';
import { shapeName } from './bench-plan.js';
import type { BenchResult, CellResult, HalfPeakResult, MachineInfo } from './bench-result.js';
import { runCell } from './cell-run.js';
import { summarize } from './cell-summary.js';
import { ServerProcess } from './server-process.js';
import { loadSystem } from '../systems/all-systems.js';

export type Log = (line: string) => void;

interface Contender {
  id: string;
  label: string;
  extraWarmupMs: number;
  runsShape: (shape: Shape) => boolean;
  server?: ServerProcess;
  skipped?: string;
}

export async function runBench(plan: BenchPlan, log: Log = () => undefined): Promise<BenchResult> {
  const startedMs = performance.now();
  const contenders: Contender[] = [];
  for (const id of plan.systems) contenders.push(await prepare(id));
  try {
    await startServers(contenders, log);
    const cells: CellResult[] = [];
    for (const shape of plan.shapes) {
      const row: CellResult[] = [];
      for (const c of contenders) if (c.runsShape(shape)) row.push(await runOne(c, shape, plan, log));
      if (runsOpenLoop(plan, shape)) await runHalfPeaks(contenders, row, plan, log);
      cells.push(...row);
    }
    addRatios(cells);
    return { date: new Date().toISOString(), machine: machineInfo(), plan, cells, durationMs: performance.now() - startedMs };
  } finally {
    await Promise.all(contenders.map((c) => c.server?.stop()));
  }
}

async function prepare(id: string): Promise<Contender> {
  const system = await loadSystem(id);
  const skipped = await system.unavailableReason();
  const runsShape = system.runsShape ?? (() => true);
  return { id, label: system.label, extraWarmupMs: system.extraWarmupMs ?? 0, runsShape, skipped };
}

/** Sequential: servers starting together would compete for the 2 cores. */
async function startServers(contenders: Contender[], log: Log): Promise<void> {
  for (const c of contenders) {
    if (c.skipped !== undefined) {
      log(`skip ${c.id}: ${c.skipped}`);
      continue;
    }
    try {
      c.server = await ServerProcess.start(c.id);
    } catch (err) {
      c.skipped = `server did not start: ${(err as Error).message}`;
      log(`skip ${c.id}: ${c.skipped}`);
    }
  }
}

/** A failed cell is retried once: a child can fail to start when dist/ is rebuilt under it. */
const CELL_ATTEMPTS = 2;

async function runOne(c: Contender, shape: Shape, plan: BenchPlan, log: Log): Promise<CellResult> {
  const base = { system: c.id, label: c.label, shape };
  let result: CellResult = { ...base, skipped: c.skipped ?? 'server not running' };
  for (let attempt = 1; attempt <= CELL_ATTEMPTS && c.server !== undefined; attempt++) {
    result = await attemptCell(c, c.server, shape, plan, log);
    if (result.summary) break;
  }
  return result;
}

async function attemptCell(c: Contender, server: ServerProcess, shape: Shape, plan: BenchPlan, log: Log): Promise<CellResult> {
  const base = { system: c.id, label: c.label, shape };
  try {
    const trials = await runCell(server, c.id, shape, plan.timing, c.extraWarmupMs);
    const summary = summarize(trials);
    log(`${c.id.padEnd(16)} ${shapeName(shape).padEnd(16)} ${Math.round(summary.median.callsPerSec)} calls/s`);
    return { ...base, trials, summary };
  } catch (err) {
    log(`${c.id} ${shapeName(shape)} failed: ${(err as Error).message}`);
    return { ...base, skipped: `run failed: ${(err as Error).message}` };
  }
}

function runsOpenLoop(plan: BenchPlan, shape: Shape): boolean {
  return plan.openLoop?.shapes.some((s) => sameShape(s, shape)) ?? false;
}

/** Open loop at half of each system's closed-loop calls/s in this shape (same run, same servers). */
async function runHalfPeaks(contenders: Contender[], row: CellResult[], plan: BenchPlan, log: Log): Promise<void> {
  const systems = plan.openLoop?.systems;
  for (const cell of row) {
    const c = contenders.find((x) => x.id === cell.system);
    if (!c?.server || !cell.summary || (systems !== undefined && !systems.includes(c.id))) continue;
    cell.halfPeak = await runHalfPeak(c, c.server, cell.shape, cell.summary.median.callsPerSec / 2, plan, log);
  }
}

async function runHalfPeak(c: Contender, server: ServerProcess, shape: Shape, ratePerSec: number, plan: BenchPlan, log: Log): Promise<HalfPeakResult> {
  try {
    const trials = await runCell(server, c.id, shape, plan.timing, c.extraWarmupMs, ratePerSec);
    const summary = summarize(trials);
    log(`${c.id.padEnd(16)} ${shapeName(shape).padEnd(16)} open loop at ${Math.round(ratePerSec)}/s: p99 ${Math.round(summary.median.p99Micros)} µs`);
    return { ratePerSec, trials, summary };
  } catch (err) {
    log(`${c.id} ${shapeName(shape)} open loop failed: ${(err as Error).message}`);
    return { ratePerSec, skipped: `run failed: ${(err as Error).message}` };
  }
}

function addRatios(cells: CellResult[]): void {
  for (const cell of cells) {
    const raw = cells.find((c) => c.system === 'raw-net' && sameShape(c.shape, cell.shape));
    const rawCalls = raw?.summary?.median.callsPerSec ?? 0;
    if (cell.summary && rawCalls > 0) cell.ratioToRawNet = cell.summary.median.callsPerSec / rawCalls;
    const rawP99 = raw?.halfPeak?.summary?.median.p99Micros ?? 0;
    const p99 = cell.halfPeak?.summary?.median.p99Micros;
    if (cell.halfPeak && p99 !== undefined && rawP99 > 0) cell.halfPeak.p99RatioToRawNet = p99 / rawP99;
  }
}

function sameShape(a: Shape, b: Shape): boolean {
  return a.connections === b.connections && a.inFlight === b.inFlight && a.payloadBytes === b.payloadBytes;
}

export function machineInfo(): MachineInfo {
  return {
    nproc: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    totalMemBytes: os.totalmem(),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    fdLimitNote: 'see `ulimit -n` (20 000 on the reference machine)',
  };
}
