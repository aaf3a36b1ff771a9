/**
 * Real ZooKeeper and etcd servers for the registry tests, run through the
 * project's own scripts/services/*.sh: installed when missing, started on free
 * loopback ports with a throwaway data dir, stopped (and the dir removed) by
 * the test's `after()`, or by the script once this process is gone (a test run
 * killed before its clean-up). `restart()` keeps the data dir, as the restart tests need.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type ServerKind = 'zookeeper' | 'etcd';

export interface TestServer {
  readonly kind: ServerKind;
  /** `127.0.0.1:port` */
  readonly address: string;
  readonly port: number;
  readonly dir: string;
  /** Milliseconds the last start took (install excluded). */
  readonly startMs: number;
  stop(): Promise<void>;
  /** Starts again on the same port and data dir. */
  start(): Promise<void>;
  /** Stops the server and deletes its data dir; safe to call twice. */
  dispose(): Promise<void>;
}

export interface StartOptions {
  /** ZooKeeper tickTime, ms; the minimum session timeout is two ticks. Default 2000. */
  zkTickTimeMs?: number;
}

/** The repository root: the nearest folder above this file holding package.json and scripts/. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'scripts', 'services'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find scripts/services above the test file');
    dir = parent;
  }
  return dir;
}

function script(kind: ServerKind): string {
  return join(repoRoot(), 'scripts', 'services', `${kind}.sh`);
}

const installs = new Map<ServerKind, Promise<unknown>>();

/** Installs the Debian packages once per process (the script returns at once when present). */
export function ensureInstalled(kind: ServerKind): Promise<unknown> {
  let pending = installs.get(kind);
  if (!pending) {
    pending = run('bash', [script(kind), 'install'], { timeout: 600_000 });
    installs.set(kind, pending);
  }
  return pending;
}

/** A loopback port nobody listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function portIsFree(port: number): Promise<boolean> {
  const server = net.createServer();
  const ok = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false)).listen(port, '127.0.0.1', () => resolve(true));
  });
  if (ok) await new Promise((resolve) => server.close(resolve));
  return ok;
}

/** A free port whose successor is free too (etcd's peer port). */
export async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await freePort();
    if (port < 65535 && (await portIsFree(port + 1))) return port;
  }
  throw new Error('no free port pair on 127.0.0.1');
}

export async function startServer(kind: ServerKind, options: StartOptions = {}): Promise<TestServer> {
  await ensureInstalled(kind);
  const dir = await mkdtemp(join(tmpdir(), `getty-rpc-${kind}-`));
  const port = kind === 'etcd' ? await freePortPair() : await freePort();
  // SERVICE_OWNER_PID: the server stops by itself if this process dies before its after() (a killed or bailed test run).
  const env: NodeJS.ProcessEnv = { ...process.env, ZK_HEAP_MAX: '128m', SERVICE_OWNER_PID: String(process.pid) };
  if (options.zkTickTimeMs) env.ZK_TICK_TIME = String(options.zkTickTimeMs);
  const server = {
    kind,
    address: `127.0.0.1:${port}`,
    port,
    dir,
    startMs: 0,
    async start() {
      const began = performance.now();
      await run('bash', [script(kind), 'start', String(port), dir], { env, timeout: 90_000 });
      server.startMs = performance.now() - began;
    },
    async stop() {
      await run('bash', [script(kind), 'stop', dir], { timeout: 60_000 });
    },
    async dispose() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await server.start();
  } catch (err) {
    await server.dispose().catch(() => undefined);
    throw err;
  }
  return server;
}
