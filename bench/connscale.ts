/**
 * `node dist/bench/connscale.js`: idle sessions held by one server process,
 * heartbeats on; memory per session and cron cost, raw node:net as baseline.
 *
 * Options: --sessions=N (default 19 000; the fd limit here is 20 000 per
 * process, so one server process cannot hold more; a provider on N cluster
 * workers, system getty-rpc-hessian2-wN with N ≤ 8, up to N × 19 000),
 * --heartbeat-ms=N (default 5000),
 * --idle-ms=N (default 10 000), --systems=a,b (default raw-net,getty-transport),
 * --no-write. Writes bench/results/connscale-latest.json.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import { machineInfo } from './lib/bench-runner.js';
import { endAllChildren } from './lib/child-process-handle.js';
import { type ConnscalePlan, type ConnscaleResult, runConnscale } from './lib/connscale-runner.js';
import { formatMiB, formatPercent } from './lib/format.js';
import { SYSTEM_IDS } from './systems/all-systems.js';

const RESULTS_DIR = fileURLToPath(new URL('../../bench/results/', import.meta.url));
/** Leave headroom under the 20 000 fd limit for each server process's own descriptors. */
const MAX_SESSIONS_PER_PROCESS = 19_000;

/** getty-rpc-hessian2-w6 → 6 worker processes; any other system is one process. */
function serverProcesses(system: string): number {
  return Number(/-w(\d+)$/.exec(system)?.[1] ?? 1);
}

function knownSystem(system: string): boolean {
  return SYSTEM_IDS.includes(system) || /^getty-rpc-hessian2-w[1-8]$/.test(system);
}

function option(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

function intOption(name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = option(name);
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value <= 0 || value > max) {
    throw new RpcError(ErrorCode.INVALID_ARGUMENT, `--${name} must be an integer in 1..${max}`);
  }
  return value;
}

function planFromArgs(): ConnscalePlan {
  const systems = option('systems')?.split(',') ?? ['raw-net', 'getty-transport'];
  const unknown = systems.filter((s) => !knownSystem(s));
  if (unknown.length > 0) throw new RpcError(ErrorCode.INVALID_ARGUMENT, `unknown systems: ${unknown.join(', ')}`);
  const maxSessions = MAX_SESSIONS_PER_PROCESS * Math.min(...systems.map(serverProcesses));
  return {
    systems,
    sessions: intOption('sessions', MAX_SESSIONS_PER_PROCESS, maxSessions),
    heartbeatMs: intOption('heartbeat-ms', 5_000),
    idleMs: intOption('idle-ms', 10_000),
  };
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(2)} KiB`;
}

function renderTable(plan: ConnscalePlan, results: ConnscaleResult[]): string {
  const raw = results.find((r) => r.system === 'raw-net' && r.skipped === undefined);
  const rows = results.map((r) => {
    if (r.skipped !== undefined) return `| ${r.system} | ${r.target} | skipped: ${r.skipped} | | | | | | |`;
    const ratio = raw && raw.rssPerSessionBytes > 0 ? `${(r.rssPerSessionBytes / raw.rssPerSessionBytes).toFixed(2)}×` : '–';
    return `| ${r.system} | ${r.target} | ${r.held} / ${r.heldAfterIdle} | ${formatMiB(r.serverRssBytes)} | ${kib(r.rssPerSessionBytes)} | ${ratio} | ${kib(r.heapPerSessionBytes)} | ${formatPercent(r.idleCpuPercent)} | ${r.cpuMicrosPerSessionPeriod.toFixed(2)} µs |`;
  });
  return [
    `connection scale — heartbeat every ${plan.heartbeatMs} ms, idle window ${plan.idleMs} ms`,
    '',
    '| system | target | held (connected / after idle) | server RSS | RSS / session | vs raw net | JS heap / session | idle server CPU | CPU / session / period |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

async function main(): Promise<void> {
  const plan = planFromArgs();
  process.once('SIGINT', () => {
    endAllChildren();
    process.exit(130);
  });
  const results = await runConnscale(plan, (line) => process.stderr.write(`${line}\n`));
  process.stdout.write(renderTable(plan, results) + '\n');
  if (process.argv.includes('--no-write')) return;
  const record = { date: new Date().toISOString(), machine: machineInfo(), plan, results };
  await writeFile(`${RESULTS_DIR}connscale-latest.json`, JSON.stringify(record, null, 2) + '\n');
}

main().catch((err: unknown) => {
  endAllChildren();
  console.error(err);
  process.exitCode = 1;
});
