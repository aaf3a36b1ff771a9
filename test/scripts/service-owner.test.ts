/**
 * scripts/services/*.sh with SERVICE_OWNER_PID: a server whose owner dies
 * without stopping it (a test process killed by a runner's bail or timeout)
 * stops by itself, so killed test runs leave no ZooKeeper or etcd behind.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ensureInstalled, freePort, freePortPair, repoRoot } from '../registry/helpers/servers.js';

const run = promisify(execFile);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (!alive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return !alive(pid);
}

for (const kind of ['zookeeper', 'etcd'] as const) {
  describe(`${kind}.sh with SERVICE_OWNER_PID`, () => {
    const script = join(repoRoot(), 'scripts', 'services', `${kind}.sh`);
    const owners: ChildProcess[] = [];
    const dirs: string[] = [];
    after(async () => {
      for (const owner of owners) owner.kill('SIGKILL');
      for (const dir of dirs) {
        await run('bash', [script, 'stop', dir]).catch(() => undefined);
        await rm(dir, { recursive: true, force: true });
      }
    });

    async function startOwned(): Promise<{ owner: ChildProcess; serverPid: number }> {
      await ensureInstalled(kind);
      const dir = await mkdtemp(join(tmpdir(), `getty-rpc-owner-${kind}-`));
      dirs.push(dir);
      const owner = spawn('sleep', ['120'], { stdio: 'ignore' });
      owners.push(owner);
      const port = kind === 'etcd' ? await freePortPair() : await freePort();
      const env = { ...process.env, ZK_HEAP_MAX: '128m', SERVICE_OWNER_PID: String(owner.pid) };
      await run('bash', [script, 'start', String(port), dir], { env, timeout: 90_000 });
      const serverPid = Number(readFileSync(join(dir, `${kind}.pid`), 'utf8').trim());
      assert.ok(alive(serverPid), 'the server runs after start');
      return { owner, serverPid };
    }

    it('stops the server once the owner process is gone', { timeout: 120_000 }, async () => {
      const { owner, serverPid } = await startOwned();
      owner.kill('SIGKILL');
      assert.ok(await gone(serverPid, 20_000), `${kind} (pid ${serverPid}) still runs 20 s after its owner died`);
    });

    it('keeps the server while the owner lives', { timeout: 120_000 }, async () => {
      const { serverPid } = await startOwned();
      // The watcher checks every second: three checks later the server must still run.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      assert.ok(alive(serverPid));
    });
  });
}
