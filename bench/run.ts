/**
 * `npm run bench` (full, ≤ 10 min) and `npm run bench:quick` (≤ 1 min).
 * Prints a markdown table and writes bench/results/{latest.json,latest.svg}
 * (quick runs write quick-latest.* instead, so they never replace a full run).
 *
 * Options: --quick, --systems=a,b (ids, see systems/all-systems.ts),
 * --windows=N, --window-ms=N, --warmup-ms=N, --no-write, --no-open-loop
 * (skip the "p99 at half of peak" open-loop runs),
 * --shapes=1x256x64,100x1x915 (connections x in flight x payload bytes),
 * --profile-dir=DIR (every server and load child writes a .cpuprofile there).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import {
  type BenchPlan,
  FULL_SHAPES,
  FULL_TIMING,
  OPEN_LOOP_SHAPES,
  QUICK_OPEN_LOOP_SYSTEMS,
  parseShapes,
  QUICK_SHAPES,
  type Shape,
  QUICK_TIMING,
} from './lib/bench-plan.js';
import type { BenchResult } from './lib/bench-result.js';
import { runBench } from './lib/bench-runner.js';
import { endAllChildren, setChildExecArgv } from './lib/child-process-handle.js';
import { renderSvg } from './lib/report-svg.js';
import { renderTable } from './lib/report-table.js';
import { SYSTEM_IDS } from './systems/all-systems.js';

const RESULTS_DIR = fileURLToPath(new URL('../../bench/results/', import.meta.url));

function option(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

function positiveInt(name: string, fallback: number): number {
  const raw = option(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new RpcError(ErrorCode.INVALID_ARGUMENT, `--${name} must be a positive integer`);
  return value;
}

function planFromArgs(): BenchPlan {
  const quick = process.argv.includes('--quick');
  const base = quick ? QUICK_TIMING : FULL_TIMING;
  const systems = option('systems')?.split(',') ?? [...SYSTEM_IDS];
  const unknown = systems.filter((s) => !SYSTEM_IDS.includes(s));
  if (unknown.length > 0) throw new RpcError(ErrorCode.INVALID_ARGUMENT, `unknown systems: ${unknown.join(', ')} (known: ${SYSTEM_IDS.join(', ')})`);
  if (!systems.includes('raw-net')) systems.unshift('raw-net');
  const timing = {
    warmupMs: positiveInt('warmup-ms', base.warmupMs),
    windowMs: positiveInt('window-ms', base.windowMs),
    windows: positiveInt('windows', base.windows),
  };
  const openLoop = process.argv.includes('--no-open-loop')
    ? undefined
    : { shapes: OPEN_LOOP_SHAPES, systems: quick ? QUICK_OPEN_LOOP_SYSTEMS : undefined };
  return { mode: quick ? 'quick' : 'full', shapes: shapesFromArgs(quick), timing, systems, openLoop };
}

function shapesFromArgs(quick: boolean): Shape[] {
  const text = option('shapes');
  if (text === undefined) return quick ? QUICK_SHAPES : FULL_SHAPES;
  const shapes = parseShapes(text);
  if (!shapes) throw new RpcError(ErrorCode.INVALID_ARGUMENT, `--shapes takes CONNSxINFLIGHTxBYTES,... (e.g. 1x256x64), got ${text}`);
  return shapes;
}

async function writeResults(result: BenchResult): Promise<void> {
  const prefix = result.plan.mode === 'quick' ? 'quick-latest' : 'latest';
  await mkdir(RESULTS_DIR, { recursive: true });
  const json = JSON.stringify(result, null, 2) + '\n';
  await writeFile(`${RESULTS_DIR}${prefix}.json`, json);
  await writeFile(`${RESULTS_DIR}${prefix}.svg`, renderSvg(result));
  await writeFile(`${RESULTS_DIR}run-${result.date.replace(/[:.]/g, '-')}.json`, json);
}

async function main(): Promise<void> {
  const plan = planFromArgs();
  const profileDir = option('profile-dir');
  if (profileDir !== undefined) setChildExecArgv(['--cpu-prof', `--cpu-prof-dir=${profileDir}`]);
  process.once('SIGINT', () => {
    endAllChildren();
    process.exit(130);
  });
  const result = await runBench(plan, (line) => process.stderr.write(`${line}\n`));
  process.stdout.write(renderTable(result) + '\n');
  if (!process.argv.includes('--no-write')) await writeResults(result);
}

main().catch((err: unknown) => {
  endAllChildren();
  console.error(err);
  process.exitCode = 1;
});
