import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { FSWatcher } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { after, afterEach, before, describe, it } from 'node:test';
import { FileDirectoryWatch, listLiveEntries } from '../../registry/file-directory-watch.js';
import { ProviderList } from '../../registry/provider-list.js';
import { providerUrl } from '../../registry/provider-url.js';
import { queryEscape, rawUrlString } from '../../registry/registry-path.js';
import { RegistryHealth } from '../../registry/registry-health.js';
import { blockFolder } from './helpers/block-folder.js';
import { recordingLogger } from './helpers/recording-logger.js';
import { ListRecorder, pollUntil } from './helpers/wait.js';

const WAIT_MS = 10_000;
const STALE_MS = 60_000;
const INTERFACE = 'org.example.Watched';
/** A poll period no test waits for: what such a test sees came through fs.watch. */
const NO_POLL_MS = 3_600_000;

/** An entry as writeEntry lays it out, for a provider on `port` written by `pid` on `host`. */
function entry(port: number, pid = process.pid, host = 'elsewhere'): string {
  const url = providerUrl({ host: '127.0.0.1', port, interfaceName: INTERFACE, methods: ['ping'], application: 'watch-test' });
  return JSON.stringify({ url: queryEscape(rawUrlString(url)), pid, host });
}

/** The watch's fs.watch handle: the tests below stand in for a failing file system by emitting on it. */
function watcherOf(watch: FileDirectoryWatch): FSWatcher {
  return (watch as unknown as { watcher: FSWatcher }).watcher;
}

describe('file registry folders', () => {
  let dir: string;
  let serial = 0;
  const started: FileDirectoryWatch[] = [];
  /** A fresh folder path (not created). */
  const folderPath = () => join(dir, `folder-${++serial}`);

  async function startWatch(folder: string, pollMs: number, health?: RegistryHealth) {
    const recorder = new ListRecorder();
    const watch = new FileDirectoryWatch(folder, new ProviderList(INTERFACE, recorder.listener), { pollMs, staleMs: STALE_MS }, health);
    started.push(watch);
    await watch.start();
    return { watch, recorder };
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'getty-rpc-file-watch-'));
  });

  afterEach(() => {
    for (const watch of started.splice(0)) watch.stop();
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('listLiveEntries', () => {
    it('lists only live entries named *.json that are not hidden, keyed by file name', async () => {
      const folder = folderPath();
      await mkdir(folder);
      await writeFile(join(folder, '1-listed.json'), entry(1));
      await writeFile(join(folder, 'notes.txt'), entry(2));
      await writeFile(join(folder, '.hidden.json'), entry(3));
      await writeFile(join(folder, '.1-listed.json.42.1.tmp'), entry(4));
      const live = await listLiveEntries(folder, STALE_MS);
      assert.deepEqual([...live.keys()], ['1-listed.json']);
      assert.equal(live.get('1-listed.json')!.port, 1);
    });

    it('removes the entries of dead writers, and leaves the junk it cannot judge', async () => {
      const folder = folderPath();
      await mkdir(folder);
      await writeFile(join(folder, 'stale.json'), entry(1));
      await utimes(join(folder, 'stale.json'), 1, 1);
      await writeFile(join(folder, 'broken.json'), '{"url": ');
      assert.equal((await listLiveEntries(folder, STALE_MS)).size, 0);
      assert.deepEqual(await readdir(folder), ['broken.json']);
    });

    it('creates a missing folder, with its parents, and finds it empty', async () => {
      const folder = join(folderPath(), 'nested', 'providers');
      assert.equal((await listLiveEntries(folder, STALE_MS)).size, 0);
      assert.deepEqual(await readdir(folder), []);
    });
  });

  describe('FileDirectoryWatch', () => {
    it('notices a new entry through fs.watch, without waiting for a poll', async () => {
      const folder = folderPath();
      const { recorder } = await startWatch(folder, NO_POLL_MS);
      assert.deepEqual(recorder.lists, [[]]);
      await writeFile(join(folder, '1-new.json'), entry(20880));
      await recorder.untilPorts([20880], WAIT_MS);
    });

    it('notices through its poll a writer that died, which changes no file', async () => {
      const writer = spawn('sleep', ['600'], { stdio: 'ignore' });
      const exited = once(writer, 'exit');
      try {
        const folder = folderPath();
        await mkdir(folder);
        await writeFile(join(folder, `${writer.pid}-writer.json`), entry(20881, writer.pid, hostname()));
        const { recorder } = await startWatch(folder, 50);
        assert.deepEqual(recorder.lists.map((list) => list.map((url) => url.port)), [[20881]]);
        writer.kill('SIGKILL');
        await exited;
        await recorder.untilPorts([], WAIT_MS);
      } finally {
        writer.kill('SIGKILL');
      }
    });

    it('does not keep the process alive by watching', async () => {
      const watchers = () => process.getActiveResourcesInfo().filter((type) => type === 'FSEventWrap').length;
      // Watchers stopped by earlier tests may still be closing.
      await pollUntil(() => watchers() === 0, WAIT_MS, 'no fs.watch handle to keep the process alive', 0);
      await startWatch(folderPath(), NO_POLL_MS);
      assert.equal(watchers(), 0);
    });

    it('closes fs.watch when it fails, and keeps finding entries by polling', async () => {
      const folder = folderPath();
      const { watch, recorder } = await startWatch(folder, 50);
      const watcher = watcherOf(watch);
      let closed = false;
      watcher.once('close', () => (closed = true));
      watcher.emit('error', new Error('watch failed'));
      await nextTurn();
      assert.equal(closed, true);
      await writeFile(join(folder, '1-polled.json'), entry(20882));
      await recorder.untilPorts([20882], WAIT_MS);
    });

    it('ignores a failure of fs.watch told after stop()', async () => {
      const { watch } = await startWatch(folderPath(), NO_POLL_MS);
      const watcher = watcherOf(watch);
      watch.stop();
      assert.doesNotThrow(() => watcher.emit('error', new Error('late failure')));
    });

    it('reports a poll that cannot read its folder through its health, once, and then the recovery', async () => {
      const folder = folderPath();
      const logger = recordingLogger();
      const { recorder } = await startWatch(folder, 50, new RegistryHealth('file:///registry', logger));
      await blockFolder(folder, WAIT_MS);
      await pollUntil(() => logger.warnings.length > 0, WAIT_MS, 'the failed scan to be reported');
      assert.match(logger.warnings[0]!, new RegExp(`unreachable \\(scan ${folder}\\): `));
      await rm(folder);
      await pollUntil(() => logger.infos.length > 0, WAIT_MS, 'the recovery to be reported');
      assert.deepEqual(logger.infos, ['registry file:///registry reachable again']);
      assert.equal(logger.warnings.length, 1);
      await writeFile(join(folder, '1-back.json'), entry(20883));
      await recorder.untilPorts([20883], WAIT_MS);
    });

    it('keeps polling without a health to report to, through polls that fail', async () => {
      const folder = folderPath();
      const { watch, recorder } = await startWatch(folder, 50);
      // Without fs.watch, every scan below is a poll's.
      watcherOf(watch).emit('error', new Error('watch failed'));
      let failures = 0;
      const scan = watch.scan.bind(watch);
      watch.scan = () =>
        scan().catch((err: unknown) => {
          failures++;
          throw err;
        });
      await blockFolder(folder, WAIT_MS);
      await pollUntil(() => failures > 0, WAIT_MS, 'a scan to fail');
      await nextTurn();
      await rm(folder);
      await mkdir(folder, { recursive: true });
      await writeFile(join(folder, '1-back.json'), entry(20884));
      await recorder.untilPorts([20884], WAIT_MS);
    });
  });
});
