/**
 * CPU time and RSS of another process on this machine, read from Linux's
 * /proc (for node:cluster workers, whose usage the bench adds to their
 * primary's). Elsewhere, or once the process is gone, it reads as zero.
 */
import { readFileSync } from 'node:fs';

/** Linux reports utime/stime in clock ticks: USER_HZ is 100 on every mainstream build. */
const TICKS_PER_SECOND = 100;
const PAGE_BYTES = 4096;

export interface ProcUsage {
  /** user + system CPU time, in µs (10 ms resolution). */
  cpuMicros: number;
  rssBytes: number;
}

export function procUsage(pid: number): ProcUsage {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const rssPages = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]);
    return { cpuMicros: (ticks / TICKS_PER_SECOND) * 1e6, rssBytes: rssPages * PAGE_BYTES };
  } catch {
    return { cpuMicros: 0, rssBytes: 0 };
  }
}

/** Sum over `pids`. */
export function procUsageOf(pids: readonly number[]): ProcUsage {
  const total = { cpuMicros: 0, rssBytes: 0 };
  for (const pid of pids) {
    const usage = procUsage(pid);
    total.cpuMicros += usage.cpuMicros;
    total.rssBytes += usage.rssBytes;
  }
  return total;
}
