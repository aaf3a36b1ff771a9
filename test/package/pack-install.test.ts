/**
 * The package as a user gets it: `npm pack` the project, install the tarball
 * into a fresh app directory, type-check a strict consumer (the README's
 * example plus every entry point) with TypeScript 5.x and with the project's
 * own compiler, run it, check that metrics land in the app's own prom-client,
 * and run the installed `getty-rpc` command.
 *
 * `npm pack --ignore-scripts` packs the dist/ that `npm test` has just built
 * (the `prepack` script builds the same files; running it here would rebuild
 * dist/ under the feet of tests running alongside). Dependencies come from the
 * npm cache when they are there (--prefer-offline).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildBrowserBundle } from '../../rpc/browser/build.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TSC5 = path.join(ROOT, 'node_modules', 'typescript5', 'bin', 'tsc');
const TSC_PROJECT = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: readonly string[], cwd: string, timeoutMs: number): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const npm = (args: readonly string[], cwd: string, timeoutMs = 240_000) => run(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, cwd, timeoutMs);
const node = (args: readonly string[], cwd: string) => run(process.execPath, args, cwd, 60_000);

/** The first ```ts block after the README heading "Define a service, export it, call it". */
export async function readmeExample(): Promise<string> {
  const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Define a service, export it, call it'));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  assert.ok(match, 'README has the example');
  return match[1]!;
}

/** Touches every entry point's types, so the strict compile checks all the .d.ts a user can reach. */
const ALL_ENTRIES = `
import * as root from 'getty-rpc';
import * as plugin from 'getty-rpc/plugin';
import * as protocol from 'getty-rpc/protocol';
import * as registry from 'getty-rpc/registry';
import * as transport from 'getty-rpc/transport';
import type * as browser from 'getty-rpc/browser';
export const names: number = Object.keys(root).length + Object.keys(plugin).length + Object.keys(protocol).length
  + Object.keys(registry).length + Object.keys(transport).length;
export type BrowserClient = browser.BrowserRpcClient;
const filter: root.Filter = (invocation, next) => next(invocation);
export const metrics: root.MetricsFilterOptions = { side: 'consumer' };
export const strictOptions: root.ReferOptions = { url: 'dubbo://127.0.0.1:1', version: '1.0.0', filters: [filter] };
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    exactOptionalPropertyTypes: true,
    skipLibCheck: false,
    types: ['node'],
    outDir: 'out',
  },
  files: ['main.ts', 'all-entries.ts'],
};

describe('npm pack, then install into a fresh app', { timeout: 600_000 }, () => {
  let work: string;
  let app: string;
  let packed: string[];

  before(async () => {
    assert.ok(existsSync(path.join(ROOT, 'dist', 'lib', 'index.js')), 'run `npm run build` first (it writes dist/lib)');
    if (!existsSync(path.join(ROOT, 'dist', 'browser', 'getty-rpc-browser.js'))) await buildBrowserBundle();
    work = await mkdtemp(path.join(tmpdir(), 'getty-rpc-pack-'));
    const pack = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT, 120_000);
    assert.equal(pack.code, 0, pack.stderr);
    const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
    packed = info!.files.map((file) => file.path);
    app = path.join(work, 'app');
    await run('mkdir', ['-p', app], work, 10_000);
    await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'pack-install-app', private: true, type: 'module' }));
    await writeFile(path.join(app, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
    await writeFile(path.join(app, 'main.ts'), await readmeExample());
    await writeFile(path.join(app, 'all-entries.ts'), ALL_ENTRIES);
    const versionOf = async (name: string) => (JSON.parse(await readFile(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
    const tarball = path.join(work, info!.filename);
    // The app's own prom-client (getty-rpc's is an optional peer): the metrics must land in it.
    const deps = [tarball, `@types/node@${await versionOf('@types/node')}`, `prom-client@${await versionOf('prom-client')}`];
    const install = await npm(['install', ...deps, '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], app);
    assert.equal(install.code, 0, install.stderr);
  });

  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('ships the built library, its types, LICENSE, README, docs and the browser bundle, and nothing else', () => {
    for (const file of ['dist/lib/index.js', 'dist/lib/getty-rpc.js', 'dist/index.d.ts', 'dist/plugin.d.ts', 'dist/protocol.d.ts', 'LICENSE', 'README.md', 'docs/api.md', 'docs/cli.md', 'dist/browser/getty-rpc-browser.js']) {
      assert.ok(packed.includes(file), `${file} is in the tarball`);
    }
    const strays = packed.filter((file) => /^dist\/(test|bench|examples|tools)\//.test(file) || (/\.ts$/.test(file) && !file.endsWith('.d.ts')) || file.startsWith('scripts/'));
    assert.deepEqual(strays, []);
  });

  it('installs with its runtime type dependencies', async () => {
    assert.ok(existsSync(path.join(app, 'node_modules', '@types', 'ws', 'package.json')), '@types/ws comes with getty-rpc');
    const license = await readFile(path.join(app, 'node_modules', 'getty-rpc', 'LICENSE'), 'utf8');
    assert.match(license, /Apache License\s+Version 2\.0, January 2004/);
  });

  it('type-checks the README example and every entry point under strict settings with TypeScript 5.x', async () => {
    const version = await node([TSC5, '--version'], app);
    assert.match(version.stdout, /Version 5\./);
    const compile = await node([TSC5, '-p', '.'], app);
    assert.equal(compile.code, 0, compile.stdout + compile.stderr);
  });

  it("type-checks the same files with the project's own compiler", async () => {
    const compile = await node([TSC_PROJECT, '-p', '.', '--outDir', 'out-project'], app);
    assert.equal(compile.code, 0, compile.stdout + compile.stderr);
  });

  it('runs the compiled README example against the installed package', async () => {
    const result = await node(['out/main.js'], app);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), 'Hello world');
  });

  it('resolves and loads every entry point, each without ZooKeeper, etcd, prom-client or snappy', async () => {
    const code = `
      import { createRequire } from 'node:module';
      for (const entry of ['getty-rpc', 'getty-rpc/plugin', 'getty-rpc/protocol', 'getty-rpc/registry', 'getty-rpc/transport']) await import(entry);
      const loaded = Object.keys(createRequire(import.meta.url).cache);
      console.log(JSON.stringify(loaded.filter((f) => /node_modules\\/(etcd3|node-zookeeper-client|prom-client|snappy|ws)\\//.test(f))));
      console.log(import.meta.resolve('getty-rpc/browser'));`;
    const result = await node(['--input-type=module', '-e', code], app);
    assert.equal(result.code, 0, result.stderr);
    const [heavy, browser] = result.stdout.trim().split('\n');
    assert.deepEqual(JSON.parse(heavy!), []);
    assert.match(browser!, /getty-rpc\/dist\/browser\/getty-rpc-browser\.js$/);
  });

  it("records metrics in the app's prom-client: its global register by default, or the Registry given", async () => {
    const code = `
      import client from 'prom-client';
      import { metricsFilter } from 'getty-rpc';
      const call = { interfaceName: 'org.example.S', methodName: 'm', parameterTypes: [], args: [], attachments: {} };
      await metricsFilter({ side: 'consumer' })(call, async () => 'ok');
      const own = new client.Registry();
      await metricsFilter({ registry: own })(call, async () => 'ok');
      const line = /rpc_calls_total\\{side="(consumer|provider)",service="org.example.S",method="m",outcome="OK"\\} 1/;
      console.log(JSON.stringify([line.exec(await client.register.metrics())?.[1], line.exec(await own.metrics())?.[1]]));`;
    const result = await node(['--input-type=module', '-e', code], app);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), ['consumer', 'provider']);
  });

  it('installs the getty-rpc command', async () => {
    const result = await node([path.join(app, 'node_modules', 'getty-rpc', 'dist', 'lib', 'getty-rpc.js'), '--help'], app);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^usage: getty-rpc/m);
    assert.ok(existsSync(path.join(app, 'node_modules', '.bin', 'getty-rpc')));
  });
});
