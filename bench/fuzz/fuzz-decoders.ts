/**
 * `npm run fuzz` — sends mutated valid frames to every decoder and reports
 * crashes (a throw that is not an RpcError, or an uncaught exception), hangs
 * (an input not done within --hang-ms), inputs over the 50 ms budget, the
 * slowest input, and whether Object.prototype changed. Not part of CI.
 *
 * Options: --count=N inputs per in-process target (default 1 000 000),
 * --net-count=N per socket target (default count / 100), --seed=S
 * (default 1), --targets=a,b (default all), --hang-ms=N (default 10 000),
 * --json=FILE (writes the reports).
 *
 * In-process targets: the Dubbo codec with hessian2, JSON and protobuf
 * bodies (header and body decoders), LengthFieldCodec, WebSocket frames
 * (ws's parser, then every Dubbo frame of each message). Socket targets: a
 * ws RpcServer and a UDP endpoint on loopback (net-targets.ts).
 */
import { writeFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { type TargetReport, TABLE_HEADER, tableRow } from './fuzz-report.js';
import { inProcessTargets } from './fuzz-targets.js';
import { SHARED_HEADER_BYTES, type WorkerJob } from './fuzz-worker.js';
import { fuzzUdpSession, fuzzWsSession } from './net-targets.js';

interface Options {
  count: number;
  netCount: number;
  seed: number;
  targets: string[] | null;
  hangMs: number;
  json: string | null;
}

function parseOptions(argv: string[]): Options {
  const get = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const number = (name: string, fallback: number) => {
    const value = get(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer`);
    return n;
  };
  const count = number('count', 1_000_000);
  return {
    count,
    netCount: number('net-count', Math.max(100, Math.floor(count / 100))),
    seed: number('seed', 1),
    targets: get('targets')?.split(',') ?? null,
    hangMs: number('hang-ms', 10_000),
    json: get('json') ?? null,
  };
}

/** One in-process target in a worker; a worker without progress for hangMs is stopped and its input reported. */
function runInWorker(target: string, options: Options): Promise<TargetReport> {
  const shared = new SharedArrayBuffer(SHARED_HEADER_BYTES + 4096);
  const job: WorkerJob = { target, count: options.count, seed: options.seed, shared };
  const worker = new Worker(new URL('./fuzz-worker.js', import.meta.url), { workerData: job });
  const progress = new Int32Array(shared, 0, 2);
  return new Promise((resolve, reject) => {
    let last = -1;
    let lastChange = Date.now();
    const watchdog = setInterval(() => {
      const done = Atomics.load(progress, 0);
      if (done !== last) {
        last = done;
        lastChange = Date.now();
        return;
      }
      if (Date.now() - lastChange < options.hangMs) return;
      clearInterval(watchdog);
      const length = Atomics.load(progress, 1);
      const input = Buffer.from(new Uint8Array(shared, SHARED_HEADER_BYTES, length)).toString('hex');
      void worker.terminate();
      resolve({
        target,
        inputs: done,
        seconds: 0,
        outcomes: {},
        crashes: [],
        hang: { index: done, error: `no progress for ${options.hangMs} ms`, input },
        overBudget: 0,
        transientSlow: 0,
        slowestMs: options.hangMs,
        slowestInput: input,
        prototypeChanged: false,
      });
    }, 1000);
    worker.once('message', (message: TargetReport | { error: string }) => {
      clearInterval(watchdog);
      void worker.terminate();
      if ('error' in message) reject(new Error(message.error));
      else resolve(message);
    });
    worker.once('error', (err) => {
      clearInterval(watchdog);
      reject(err);
    });
  });
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const wanted = (name: string) => options.targets === null || options.targets.includes(name);
  const reports: TargetReport[] = [];
  console.log(`fuzz: ${options.count} inputs per in-process target, ${options.netCount} per socket target, seed ${options.seed}`);
  for (const target of inProcessTargets()) {
    if (!wanted(target.name)) continue;
    const report = await runInWorker(target.name, options);
    console.log(tableRow(report));
    reports.push(report);
  }
  if (wanted('ws-session')) reports.push(await fuzzWsSession(options.netCount, options.seed));
  if (wanted('udp-session')) reports.push(await fuzzUdpSession(options.netCount, options.seed));
  console.log(`\n${TABLE_HEADER}`);
  for (const report of reports) console.log(tableRow(report));
  for (const report of reports) {
    for (const crash of report.crashes) console.log(`\nCRASH ${report.target} #${crash.index}: ${crash.error}\n  input ${crash.input}`);
    if (report.hang !== null) console.log(`\nHANG ${report.target} #${report.hang.index}: ${report.hang.error}\n  input ${report.hang.input}`);
    console.log(`slowest ${report.target}: ${report.slowestMs.toFixed(2)} ms, input ${report.slowestInput.slice(0, 160)}`);
  }
  if (options.json !== null) await writeFile(options.json, `${JSON.stringify(reports, null, 2)}\n`);
  const bad = reports.some((r) => r.crashes.length > 0 || r.hang !== null || r.prototypeChanged);
  process.exitCode = bad ? 1 : 0;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 2;
});
