/**
 * The registry server of the ZooKeeper and etcd examples: the one the user
 * names (ZK_ADDR / ETCD_ADDR = host:port), or else a throwaway one started with
 * the project's scripts/services/<kind>.sh on a free loopback port, with its
 * files in a temporary folder that is removed afterwards. The scripts need the
 * Debian packages: `bash scripts/services/<kind>.sh install` installs them.
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

/** Runs `use(address)` against the named server or a throwaway one; stops the throwaway one afterwards. */
export async function withRegistryServer<T>(kind: ServerKind, envVar: string, use: (address: string) => Promise<T>): Promise<T> {
  const given = process.env[envVar];
  if (given) return use(given);
  const script = serviceScript(kind);
  const dir = await mkdtemp(join(tmpdir(), `getty-rpc-example-${kind}-`));
  try {
    const port = await freePort(kind === 'etcd' ? 2 : 1);
    console.log(`${envVar} is not set: starting a throwaway ${kind} on 127.0.0.1:${port} (scripts/services/${kind}.sh)`);
    await run('bash', [script, 'start', String(port), dir], { timeout: 90_000 });
    return await use(`127.0.0.1:${port}`);
  } finally {
    await run('bash', [script, 'stop', dir], { timeout: 60_000 }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

/** scripts/services/<kind>.sh of this checkout (the nearest folder above holding it). */
function serviceScript(kind: ServerKind): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, 'scripts', 'services', `${kind}.sh`);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error(`scripts/services/${kind}.sh not found; set the server address instead`);
  }
}

/** A loopback port that is free, with `count - 1` free successors (etcd also takes port + 1 for peers). */
async function freePort(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await listenOnce(0);
    let free = true;
    for (let next = 1; next < count && free; next++) free = (await listenOnce(port + next).catch(() => 0)) !== 0;
    if (free) return port;
  }
  throw new Error('no free loopback port');
}

function listenOnce(port: number): Promise<number> {
  const server = net.createServer();
  return new Promise((resolve, reject) => {
    server.once('error', reject).listen(port, '127.0.0.1', () => {
      const bound = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(bound));
    });
  });
}
