/**
 * `npm run bench:import`: how long `import 'getty-rpc'` takes next to
 * `import '@grpc/grpc-js'`, measured the same way in the same run.
 *
 * Every sample is a fresh `node` process that times one dynamic import with
 * performance.now() (so node's own start-up is left out); targets are run in
 * turn (A B C A B C ...) so a busy spell on the machine hits all of them. The
 * median of `--runs` samples is reported with the spread, and one extra
 * process per target counts the modules it loads: ES modules seen by a
 * loader hook (count-hooks.ts) and CommonJS modules in require.cache.
 *
 * Options: --runs=N (default 15), --json (machine-readable output only),
 * --targets=a,b (specifiers; default getty-rpc, its subpaths and @grpc/grpc-js).
 * Needs `npm run build` first: getty-rpc resolves to this package's dist/.
 */
import { execFile } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PROJECT_DIR = fileURLToPath(new URL('../../..', import.meta.url));
const HOOKS_URL = new URL('./count-hooks.js', import.meta.url).href;
const DEFAULT_TARGETS = ['getty-rpc', 'getty-rpc/transport', 'getty-rpc/registry', 'getty-rpc/plugin', '@grpc/grpc-js'];
const BASELINE = '@grpc/grpc-js';

export interface ImportFigures {
  target: string;
  medianMs: number;
  minMs: number;
  maxMs: number;
  esModules: number;
  commonJsModules: number;
}

function option(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((arg) => arg.startsWith(prefix))?.slice(prefix.length);
}

async function nodeEval(code: string): Promise<string> {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code], { cwd: PROJECT_DIR, timeout: 60_000 });
  return stdout;
}

/** One fresh process: ms spent in `import(target)`. */
async function timeOnce(target: string): Promise<number> {
  const code = `const t0 = performance.now(); await import(${JSON.stringify(target)}); console.log(performance.now() - t0);`;
  return Number(await nodeEval(code));
}

/** One fresh process with the counting hooks: ES and CommonJS modules loaded by `import(target)`. */
async function countModules(target: string): Promise<{ esModules: number; commonJsModules: number }> {
  const code = `
    import { register, createRequire } from 'node:module';
    import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
    const { port1, port2 } = new MessageChannel();
    register(${JSON.stringify(HOOKS_URL)}, { data: { port: port2 }, transferList: [port2] });
    await import(${JSON.stringify(target)});
    const urls = new Set();
    for (let m = receiveMessageOnPort(port1); m; m = receiveMessageOnPort(port1)) if (m.message.format === 'module') urls.add(m.message.url);
    const cjs = Object.keys(createRequire(import.meta.url).cache).length;
    port1.close();
    console.log(JSON.stringify({ esModules: urls.size, commonJsModules: cjs }));`;
  return JSON.parse(await nodeEval(code)) as { esModules: number; commonJsModules: number };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export async function measureImportTimes(targets: readonly string[], runs: number): Promise<ImportFigures[]> {
  const samples = new Map(targets.map((target) => [target, [] as number[]]));
  for (let i = 0; i < runs; i++) {
    for (const target of targets) samples.get(target)!.push(await timeOnce(target));
  }
  const figures: ImportFigures[] = [];
  for (const target of targets) {
    const times = samples.get(target)!;
    figures.push({ target, medianMs: median(times), minMs: Math.min(...times), maxMs: Math.max(...times), ...(await countModules(target)) });
  }
  return figures;
}

function report(figures: readonly ImportFigures[], runs: number): string {
  const baseline = figures.find((f) => f.target === BASELINE);
  const lines = [
    `import time, median of ${runs} fresh processes (${new Date().toISOString()}, node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'})`,
    '',
    `| import | median ms | min–max ms | ES modules | CommonJS modules |${baseline ? ` × ${BASELINE} |` : ''}`,
    `|---|---:|---:|---:|---:|${baseline ? '---:|' : ''}`,
  ];
  for (const f of figures) {
    const ratio = baseline ? ` ${(f.medianMs / baseline.medianMs).toFixed(2)} |` : '';
    lines.push(`| \`${f.target}\` | ${f.medianMs.toFixed(1)} | ${f.minMs.toFixed(1)}–${f.maxMs.toFixed(1)} | ${f.esModules} | ${f.commonJsModules} |${ratio}`);
  }
  return lines.join('\n');
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const runs = Number(option('runs') ?? 15);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a whole number >= 1');
  const targets = option('targets')?.split(',') ?? DEFAULT_TARGETS;
  const figures = await measureImportTimes(targets, runs);
  if (process.argv.includes('--json')) console.log(JSON.stringify(figures, null, 2));
  else console.log(report(figures, runs));
}
