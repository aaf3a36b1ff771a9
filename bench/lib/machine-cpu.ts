/**
 * Whole-machine CPU time, to tell how much of the window other processes
 * (other sessions on this shared machine) used: foreign = machine busy time −
 * server − client. Resolution is the kernel tick (~10 ms per CPU).
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';

export interface MachineCpuSample {
  busyMs: number;
  atMs: number;
}

export function sampleMachineCpu(): MachineCpuSample {
  let busyMs = 0;
  for (const cpu of os.cpus()) busyMs += cpu.times.user + cpu.times.nice + cpu.times.sys + cpu.times.irq;
  return { busyMs, atMs: performance.now() };
}

/** Busy time between two samples as percent of one core. */
export function machineBusyPercent(from: MachineCpuSample, to: MachineCpuSample): number {
  const wallMs = to.atMs - from.atMs;
  return wallMs > 0 ? ((to.busyMs - from.busyMs) / wallMs) * 100 : 0;
}
