/** The shape of bench/results/latest.json. */
import type { BenchPlan, Shape } from './bench-plan.js';
import type { TrialFigures } from './cell-run.js';
import type { CellSummary } from './cell-summary.js';

export interface CellResult {
  system: string;
  label: string;
  shape: Shape;
  /** Absent when the cell was skipped. */
  trials?: TrialFigures[];
  summary?: CellSummary;
  /** calls/s as a fraction of raw net's median for the same shape in this run. */
  ratioToRawNet?: number;
  /** Why the cell has no figures (system unavailable, run failed). */
  skipped?: string;
  /** The same system and shape in open loop at half of this cell's calls/s (plans with `openLoop`). */
  halfPeak?: HalfPeakResult;
}

export interface HalfPeakResult {
  /** The open loop's schedule: half of the closed-loop median. */
  ratePerSec: number;
  trials?: TrialFigures[];
  summary?: CellSummary;
  /** This p99 over raw net's p99 at raw net's own half peak, same shape and run. */
  p99RatioToRawNet?: number;
  skipped?: string;
}

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  totalMemBytes: number;
  node: string;
  platform: string;
  fdLimitNote: string;
}

export interface BenchResult {
  date: string;
  machine: MachineInfo;
  plan: BenchPlan;
  cells: CellResult[];
  durationMs: number;
}
