/** What one fuzz target found, and its rendering as a markdown row. */
export interface Finding {
  index: number;
  error: string;
  /** The input, hex (first 512 bytes). */
  input: string;
}

export interface TargetReport {
  target: string;
  inputs: number;
  seconds: number;
  outcomes: Record<string, number>;
  crashes: Finding[];
  /** A decode that never returned (the watchdog stopped the worker). */
  hang: Finding | null;
  /** Inputs over the 50 ms single-request budget, on replay too. */
  overBudget: number;
  /** Inputs over 50 ms once but not on replay (a pause of the machine, not the input). */
  transientSlow: number;
  slowestMs: number;
  slowestInput: string;
  /** Object.prototype gained keys while decoding. */
  prototypeChanged: boolean;
}

export function emptyReport(target: string): TargetReport {
  return {
    target,
    inputs: 0,
    seconds: 0,
    outcomes: {},
    crashes: [],
    hang: null,
    overBudget: 0,
    transientSlow: 0,
    slowestMs: 0,
    slowestInput: '',
    prototypeChanged: false,
  };
}

export function count(outcomes: Record<string, number>, label: string, n = 1): void {
  outcomes[label] = (outcomes[label] ?? 0) + n;
}

export const TABLE_HEADER =
  '| target | inputs | s | crashes | hangs | > 50 ms (replayed) | > 50 ms once | slowest ms | prototype changed | top outcomes |\n|---|---|---|---|---|---|---|---|---|---|';

export function tableRow(r: TargetReport): string {
  const top = Object.entries(r.outcomes)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([label, n]) => `${label} ${n}`)
    .join('; ');
  return `| ${r.target} | ${r.inputs} | ${r.seconds.toFixed(1)} | ${r.crashes.length} | ${r.hang === null ? 0 : 1} | ${r.overBudget} | ${r.transientSlow} | ${r.slowestMs.toFixed(2)} | ${r.prototypeChanged ? 'YES' : 'no'} | ${top} |`;
}
