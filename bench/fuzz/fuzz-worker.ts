/**
 * Runs one in-process target in a worker thread, so the main thread can
 * stop it when one input never returns. The input being decoded is copied
 * into shared memory first: after a hang, the main thread reads it there.
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { count, emptyReport, type TargetReport } from './fuzz-report.js';
import { inProcessTargets } from './fuzz-targets.js';
import { Mutator } from './mutator.js';

export interface WorkerJob {
  target: string;
  count: number;
  seed: number;
  /** [inputs done, length of the current input] as Int32, then the input bytes. */
  shared: SharedArrayBuffer;
}

export const SHARED_HEADER_BYTES = 8;
const BUDGET_MS = 50;
const MAX_CRASHES = 20;
/** Not timed: the decoders' first runs include compiling them. */
const WARM_UP_INPUTS = 2000;

async function run(job: WorkerJob): Promise<TargetReport> {
  const target = inProcessTargets().find((t) => t.name === job.target);
  if (target === undefined) throw new Error(`unknown target ${job.target}`);
  const report = emptyReport(target.name);
  const corpus = target.corpus();
  const mutator = new Mutator(job.seed);
  const progress = new Int32Array(job.shared, 0, 2);
  const current = new Uint8Array(job.shared, SHARED_HEADER_BYTES);
  const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).length;
  warmUp(target, corpus, job.seed);
  const started = performance.now();
  for (let i = 0; i < job.count; i++) {
    const input = target.fixUp(mutator, mutator.mutate(mutator.pick(corpus), corpus));
    const shown = Math.min(input.length, current.length);
    current.set(input.subarray(0, shown));
    Atomics.store(progress, 1, shown);
    const t0 = performance.now();
    let outcome: string;
    try {
      outcome = target.decode(input);
    } catch (err) {
      outcome = 'CRASH';
      if (report.crashes.length < MAX_CRASHES) {
        report.crashes.push({ index: i, error: String((err as Error)?.stack ?? err).slice(0, 400), input: input.toString('hex').slice(0, 1024) });
      }
    }
    let ms = performance.now() - t0;
    if (ms > BUDGET_MS || ms > Math.max(1, report.slowestMs)) {
      // A pause of the loaded machine (GC, another process) is not the input's cost: an
      // input that would be the slowest or over budget is replayed and kept at its best time.
      const replayed = replay(target, input);
      if (ms > BUDGET_MS && replayed <= BUDGET_MS) report.transientSlow++;
      ms = Math.min(ms, replayed);
    }
    if (ms > report.slowestMs) {
      report.slowestMs = ms;
      report.slowestInput = input.toString('hex').slice(0, 1024);
    }
    if (ms > BUDGET_MS) report.overBudget++;
    count(report.outcomes, outcome);
    if (Object.getOwnPropertyNames(Object.prototype).length !== prototypeKeys) report.prototypeChanged = true;
    Atomics.store(progress, 0, i + 1);
    if (i % 1000 === 999 && target.drain !== undefined) {
      await new Promise((resolve) => setImmediate(resolve));
      for (const label of target.drain()) count(report.outcomes, label);
    }
  }
  report.inputs = job.count;
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

/** The fastest of three more decodes of `input`, in ms. */
function replay(target: ReturnType<typeof inProcessTargets>[number], input: Buffer): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    try {
      target.decode(input);
    } catch {
      // its outcome was counted already
    }
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/** Inputs from another seed first, so compiling the decoders is not counted as a slow input. */
function warmUp(target: ReturnType<typeof inProcessTargets>[number], corpus: Buffer[], seed: number): void {
  const mutator = new Mutator(seed ^ 0x5eed);
  for (let i = 0; i < WARM_UP_INPUTS; i++) {
    try {
      target.decode(target.fixUp(mutator, mutator.mutate(mutator.pick(corpus), corpus)));
    } catch {
      // counted in the run proper, if it happens again there
    }
  }
}

if (parentPort !== null && workerData !== null) {
  const port = parentPort;
  run(workerData as WorkerJob).then(
    (report) => port.postMessage(report),
    (err) => port.postMessage({ error: String((err as Error)?.stack ?? err) }),
  );
}
