import assert from 'node:assert/strict';
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { entryFileName, MAX_ENTRY_BYTES, readEntry, removeEntry, writeEntry } from '../../registry/file-entry.js';
import { providerUrl } from '../../registry/provider-url.js';
import { queryEscape, rawUrlString } from '../../registry/registry-path.js';
import type { ServiceUrl } from '../../registry/service-url.js';
import { pollUntil } from './helpers/wait.js';

const WAIT_MS = 10_000;
const STALE_MS = 60_000;
/** Above Linux's PID_MAX_LIMIT (2^22): no process ever has it, so signal 0 always answers ESRCH. */
const NEVER_A_PID = 4_194_305;
const READER = fileURLToPath(new URL('./fixtures/read-entry-process.js', import.meta.url));

function provider(port: number, params: Record<string, string> = {}): ServiceUrl {
  return providerUrl({ host: '127.0.0.1', port, interfaceName: 'org.example.Entry', methods: ['ping'], application: 'entry-test', params });
}

/** The JSON of an entry as writeEntry lays it out, with any fields. */
function recordOf(url: ServiceUrl, pid: unknown, host: unknown): string {
  return JSON.stringify({ url: queryEscape(rawUrlString(url)), pid, host });
}

function notLive(dead: boolean) {
  return { live: false, dead };
}

/** The one-letter state of a process in /proc (`Z` for a zombie), '' when there is none. */
async function processState(pid: number): Promise<string> {
  const status = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return status.slice(status.lastIndexOf(')') + 2, status.lastIndexOf(')') + 3);
}

/**
 * A zombie: `sh` starts a child that exits at once, then becomes `sleep`,
 * which never reaps it. `release()` ends the sleeper (the zombie goes to init).
 */
async function startZombie(): Promise<{ pid: number; release(): Promise<void> }> {
  // The background child exits only once its shell has become `sleep` (exec), which never reaps
  // it; exiting earlier could let the shell reap it first, and no zombie would appear.
  const script = 'p=$$; ( while [ "$(cat /proc/$p/comm)" != sleep ]; do sleep 0.01; done ) & echo $!; exec sleep 600';
  const parent = spawn('sh', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(parent, 'exit');
  let printed = '';
  while (!printed.includes('\n')) printed += String((await once(parent.stdout!, 'data'))[0]);
  const pid = Number(printed.trim());
  try {
    await pollUntil(async () => (await processState(pid)) === 'Z', WAIT_MS, `process ${pid} to become a zombie`);
  } catch (err) {
    parent.kill('SIGKILL');
    throw err;
  }
  return {
    pid,
    async release() {
      parent.kill('SIGKILL');
      await exited;
    },
  };
}

/** Whether a user other than the owner may enter every folder above `file` (a StrykerJS sandbox is mode 700). */
async function othersCanReach(file: string): Promise<boolean> {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    if (((await stat(dir)).mode & 0o001) === 0) return false;
    if (dirname(dir) === dir) return true;
  }
}

/**
 * Reads an entry in a child process running as `nobody`, which may not signal root's processes.
 * No execArgv: preloaded hooks of the parent (a mutation runner's) may write files `nobody` cannot.
 */
async function readEntryAsNobody(path: string): Promise<unknown> {
  const child: ChildProcess = fork(READER, [path, String(STALE_MS)], { uid: 65534, gid: 65534, execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [message] = await once(child, 'message');
  return message;
}

describe('file registry entries', () => {
  let dir: string;
  let serial = 0;
  /** A fresh path in the test folder. */
  const pathOf = (name = `${++serial}-entry.json`) => join(dir, name);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'getty-rpc-file-entry-'));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('entryFileName', () => {
    it('names an entry <pid>-<20 hex digits>.json, the same for an equal URL of a later second', () => {
      const name = entryFileName(provider(20880, { timestamp: '1700000000' }), 4242);
      assert.match(name, /^4242-[0-9a-f]{20}\.json$/);
      assert.equal(entryFileName(provider(20880, { timestamp: '1700000001' }), 4242), name);
      assert.notEqual(entryFileName(provider(20881), 4242), name);
      assert.equal(entryFileName(provider(20880), process.pid), entryFileName(provider(20880)));
    });
  });

  describe('writeEntry', () => {
    it('writes the URL, its own pid and host, and leaves no temp file', async () => {
      const folder = pathOf('written');
      await mkdir(folder);
      const url = provider(20882);
      await writeEntry(folder, 'one.json', url);
      assert.deepEqual(await readdir(folder), ['one.json']);
      assert.deepEqual(JSON.parse(await readFile(join(folder, 'one.json'), 'utf8')), JSON.parse(recordOf(url, process.pid, hostname())));
    });

    it('fails, and removes its temp file, when the entry cannot be put in place', async () => {
      const folder = pathOf('blocked');
      await mkdir(join(folder, 'one.json', 'inside'), { recursive: true });
      await assert.rejects(writeEntry(folder, 'one.json', provider(20883)), (err: NodeJS.ErrnoException) => err.syscall === 'rename');
      assert.deepEqual(await readdir(folder), ['one.json']);
    });
  });

  describe('readEntry', () => {
    it('reads a fresh entry of another host as live, with its URL', async () => {
      const path = pathOf();
      await writeFile(path, recordOf(provider(20884), process.pid, 'elsewhere'));
      const state = await readEntry(path, STALE_MS);
      assert.equal(state.live, true);
      assert.equal(state.live && state.url.toString(), provider(20884).toString());
    });

    it('trusts an entry of another host whatever its pid: only its mtime can tell', async () => {
      const path = pathOf();
      await writeFile(path, recordOf(provider(20885), NEVER_A_PID, 'elsewhere'));
      assert.equal((await readEntry(path, STALE_MS)).live, true);
    });

    it('reads an entry of this host whose process runs as live', async () => {
      const path = pathOf();
      await writeFile(path, recordOf(provider(20886), process.pid, hostname()));
      assert.equal((await readEntry(path, STALE_MS)).live, true);
    });

    it('finds an entry of this host dead when its process is gone', async () => {
      const path = pathOf();
      await writeFile(path, recordOf(provider(20887), NEVER_A_PID, hostname()));
      assert.deepEqual(await readEntry(path, STALE_MS), notLive(true));
    });

    it('finds an entry of this host dead when its process is a zombie', async () => {
      const zombie = await startZombie();
      try {
        const path = pathOf();
        await writeFile(path, recordOf(provider(20888), zombie.pid, hostname()));
        assert.deepEqual(await readEntry(path, STALE_MS), notLive(true));
      } finally {
        await zombie.release();
      }
    });

    it('reads an entry as live when its process runs under another user (signal 0 answers EPERM)', async (t) => {
      // pid 1 runs as root: a reader that is not root may not signal it, yet it runs.
      const path = pathOf();
      await writeFile(path, recordOf(provider(20889), 1, hostname()));
      const initUid = (await stat('/proc/1')).uid;
      if (process.getuid!() === 0 && initUid === 0) {
        if (!(await othersCanReach(READER))) {
          t.skip('the test files lie in a folder other users cannot enter (a mutation-testing sandbox): no reader under another user');
          return;
        }
        await chmod(dir, 0o755);
        await chmod(path, 0o644);
        assert.deepEqual(await readEntryAsNobody(path), { live: true, dead: false });
      } else if (process.getuid!() !== initUid) {
        assert.equal((await readEntry(path, STALE_MS)).live, true);
      } else {
        t.skip('pid 1 runs as this user: no process of another user to probe');
      }
    });

    it('finds an entry dead once untouched for longer than staleMs, not before', async (t) => {
      const path = pathOf();
      await writeFile(path, recordOf(provider(20890), process.pid, 'elsewhere'));
      const touchedMs = 1_700_000_000_000;
      await utimes(path, touchedMs / 1000, touchedMs / 1000);
      t.mock.method(Date, 'now', () => touchedMs + 5_000);
      assert.equal((await readEntry(path, 5_000)).live, true, 'exactly staleMs old');
      assert.deepEqual(await readEntry(path, 4_999), notLive(true));
    });

    it('reads an entry of exactly MAX_ENTRY_BYTES, and skips a larger one unread (not dead, even when old)', async () => {
      const record = recordOf(provider(20891), process.pid, 'elsewhere');
      const largest = pathOf();
      await writeFile(largest, record.padEnd(MAX_ENTRY_BYTES, ' '));
      assert.equal((await readEntry(largest, STALE_MS)).live, true);
      const oversize = pathOf();
      await writeFile(oversize, record.padEnd(MAX_ENTRY_BYTES + 1, ' '));
      assert.deepEqual(await readEntry(oversize, STALE_MS), notLive(false));
      await utimes(oversize, 1, 1);
      assert.deepEqual(await readEntry(oversize, STALE_MS), notLive(false));
    });

    it('skips a folder named like an entry (not dead, even when old)', async () => {
      const path = pathOf();
      await mkdir(path);
      await utimes(path, 1, 1);
      assert.deepEqual(await readEntry(path, STALE_MS), notLive(false));
    });

    it('skips, as junk that is not dead, an entry without a string url or an integer pid', async () => {
      // Pid and host say "dead writer": only the missing url keeps the file from being removed.
      const noUrl = pathOf();
      await writeFile(noUrl, JSON.stringify({ url: 20892, pid: NEVER_A_PID, host: hostname() }));
      assert.deepEqual(await readEntry(noUrl, STALE_MS), notLive(false));
      for (const pid of ['1', 1.5, undefined]) {
        const path = pathOf();
        await writeFile(path, recordOf(provider(20893), pid, 'elsewhere'));
        assert.deepEqual(await readEntry(path, STALE_MS), notLive(false), `pid ${pid}`);
      }
    });

    it('skips broken JSON, a URL that does not parse and a missing file, as not dead', async () => {
      const broken = pathOf();
      await writeFile(broken, '{"url": ');
      assert.deepEqual(await readEntry(broken, STALE_MS), notLive(false));
      const badUrl = pathOf();
      await writeFile(badUrl, JSON.stringify({ url: 'not%ZZa url', pid: process.pid, host: 'elsewhere' }));
      assert.deepEqual(await readEntry(badUrl, STALE_MS), notLive(false));
      assert.deepEqual(await readEntry(pathOf(), STALE_MS), notLive(false));
    });
  });

  describe('removeEntry', () => {
    it('removes a file, and ignores one that is already gone', async () => {
      const path = pathOf();
      await writeFile(path, '{}');
      await removeEntry(path);
      await removeEntry(path);
      await assert.rejects(stat(path), { code: 'ENOENT' });
    });
  });
});
