import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, isRpcError, type RpcError } from '../../common/rpc-error.js';
import type { FileRegistry } from '../../registry/file.js';
import { entryFileName } from '../../registry/file-entry.js';
import { providerUrl } from '../../registry/provider-url.js';
import { createRegistry, type Registry } from '../../registry/index.js';
import type { RegistryHooks } from '../../registry/registry.js';
import { ServiceUrl } from '../../registry/service-url.js';
import { blockFolder } from './helpers/block-folder.js';
import { trackLiveTimers } from './helpers/live-timers.js';
import { startChildProvider } from './helpers/child-provider.js';
import { recordingLogger } from './helpers/recording-logger.js';
import { ListRecorder, pollUntil } from './helpers/wait.js';

const WAIT_MS = 10_000;

function init(interfaceName: string, port = 20886) {
  return { host: '127.0.0.1', port, interfaceName, methods: ['ping'], application: 'file-test' };
}

function provider(port: number, interfaceName: string): ServiceUrl {
  return providerUrl(init(interfaceName, port));
}

function consumerOf(interfaceName: string): ServiceUrl {
  return ServiceUrl.parse(`consumer://127.0.0.1/${interfaceName}?side=consumer`);
}

describe('FileRegistry', () => {
  let dir: string;
  let registryUrl: string;
  const opened: Registry[] = [];

  function open(url = registryUrl, hooks: RegistryHooks = {}): FileRegistry {
    const registry = createRegistry(url, hooks) as FileRegistry;
    opened.push(registry);
    return registry;
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'getty-rpc-file-registry-'));
    registryUrl = `file://${dir}?pollMs=200&refreshMs=500&staleMs=2000`;
  });

  after(async () => {
    for (const registry of opened) await registry.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('lets a consumer discover a provider and see it leave', async () => {
    const providerSide = open();
    const consumerSide = open();
    const recorder = new ListRecorder();
    await consumerSide.subscribe(consumerOf('org.example.Greeter'), recorder.listener);
    assert.deepEqual(recorder.lists, [[]]);
    const url = provider(20880, 'org.example.Greeter');
    await providerSide.register(url);
    await recorder.untilPorts([20880], WAIT_MS);
    assert.equal((await consumerSide.lookup(consumerOf('org.example.Greeter')))[0]!.params.methods, 'ping');
    await providerSide.unregister(url);
    await recorder.untilPorts([], WAIT_MS);
  });

  it('sees a provider registered by another process, and drops it when that process is SIGKILLed', async () => {
    const consumerSide = open();
    const recorder = new ListRecorder();
    await consumerSide.subscribe(consumerOf('org.example.Killed'), recorder.listener);
    const survivor = await startChildProvider(registryUrl, 20881, 'org.example.Killed');
    const victim = await startChildProvider(registryUrl, 20882, 'org.example.Killed');
    await recorder.untilPorts([20881, 20882], WAIT_MS);
    await victim.kill();
    await recorder.untilPorts([20881], WAIT_MS);
    // The dead writer's file is cleaned up; the survivor's stays.
    const files = await readdir(join(dir, 'org.example.Killed', 'providers'));
    assert.deepEqual(files.map((name) => name.split('-')[0]), [String(survivor.pid)]);
    await survivor.close();
    await recorder.untilPorts([], WAIT_MS);
  });

  it('ignores entries nobody refreshes, junk files and oversize files', async () => {
    const folder = join(dir, 'org.example.Junk', 'providers');
    await mkdir(folder, { recursive: true });
    const stale = join(folder, '1-stale.json');
    await writeFile(stale, JSON.stringify({ url: encodeURIComponent(provider(1, 'org.example.Junk').toString()), pid: 1, host: 'elsewhere' }));
    const old = new Date(Date.now() - 60_000);
    await utimes(stale, old, old);
    await writeFile(join(folder, '2-broken.json'), '{"url": ');
    await writeFile(join(folder, '3-huge.json'), Buffer.alloc(100 * 1024, 0x20));
    await writeFile(join(folder, '4-nourl.json'), JSON.stringify({ url: 'not%ZZa url', pid: process.pid, host: 'elsewhere' }));
    const registry = open();
    await registry.register(provider(20883, 'org.example.Junk'));
    assert.deepEqual((await registry.lookup(consumerOf('org.example.Junk'))).map((url) => url.port), [20883]);
  });

  it('keeps its own entries fresh beyond staleMs', async () => {
    const registry = open();
    await registry.register(provider(20884, 'org.example.Fresh'));
    const recorder = new ListRecorder();
    await open().subscribe(consumerOf('org.example.Fresh'), recorder.listener);
    // Wait on the refresher itself: the file's mtime must move past its first write.
    const folder = join(dir, 'org.example.Fresh', 'providers');
    const [name] = await readdir(folder);
    const mtime = async () => (await stat(join(folder, name!))).mtimeMs;
    const first = await mtime();
    await pollUntil(async () => (await mtime()) !== first, WAIT_MS, 'the entry to be touched');
    assert.deepEqual((await registry.lookup(consumerOf('org.example.Fresh'))).map((url) => url.port), [20884]);
  });

  it('unregisters by registration: an equal provider URL built in a later second removes the entry', async () => {
    // A provider URL rebuilt for unregister on a loaded machine may fall in the next second:
    // its timestamp param differs, and it must still remove the entry.
    const registry = open();
    const folder = join(dir, 'org.example.Rebuilt', 'providers');
    const built = (timestamp: string) => providerUrl({ ...init('org.example.Rebuilt'), params: { timestamp } });
    await registry.register(built('1700000000'));
    await registry.register(built('1700000001')); // the same registration again: still one entry
    assert.equal((await readdir(folder)).length, 1);
    await registry.unregister(built('1700000002'));
    assert.deepEqual(await readdir(folder), []);
  });

  it('leaves no entry behind when unregister runs while register is still writing', async () => {
    const registry = open();
    const url = provider(20887, 'org.example.Racing');
    const registering = registry.register(url);
    await registry.unregister(url);
    await registering;
    assert.deepEqual(await readdir(join(dir, 'org.example.Racing', 'providers')), []);
    assert.deepEqual(await registry.lookup(consumerOf('org.example.Racing')), []);
  });

  it('leaves no timer or folder watch behind when close() runs while register(), subscribe() and lookup() are in flight, and fails them as closed', async () => {
    const tracker = trackLiveTimers();
    const timers = tracker.live;
    try {
      const registry = createRegistry(registryUrl);
      const outcome = (pending: Promise<unknown>) => pending.then(() => 'resolved', (err: unknown) => err);
      const registering = outcome(registry.register(provider(20884, 'org.example.ClosingRace')));
      let closed = false;
      let heardAfterClose = false;
      const subscribed = outcome(registry.subscribe(consumerOf('org.example.ClosingRace'), () => (heardAfterClose ||= closed)));
      const lookedUp = outcome(registry.lookup(consumerOf('org.example.ClosingRace')));
      await registry.close();
      closed = true;
      for (const [call, ended] of [['register', await registering], ['subscribe', await subscribed], ['lookup', await lookedUp]] as const) {
        assert.ok(isRpcError(ended, ErrorCode.REGISTRY_CLOSED) && ended.message === `${call}: registry closed`, `${call}: ${String(ended)}`);
      }
      assert.equal(heardAfterClose, false, 'the listener hears nothing after close()');
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(timers.size, 0, 'every timer the registry started was cleared');
      assert.deepEqual(await readdir(join(dir, 'org.example.ClosingRace', 'providers')), []);
    } finally {
      tracker.stop();
    }
  });

  it('keeps one refresh timer for all its entries, and clears it on close', async () => {
    const tracker = trackLiveTimers();
    const timers = tracker.live;
    try {
      const registry = createRegistry(registryUrl);
      await registry.register(provider(20890, 'org.example.OneTimer'));
      await registry.register(provider(20891, 'org.example.OneTimer'));
      assert.equal(timers.size, 1, 'one refresh timer while registered');
      await registry.close();
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(timers.size, 0, 'no timer left after close()');
    } finally {
      tracker.stop();
    }
  });

  it('removes its entries on close, and rejects every call afterwards, naming it', async () => {
    const registry = createRegistry(registryUrl);
    const url = provider(20885, 'org.example.Closing');
    await registry.register(url);
    await registry.close();
    await registry.close();
    assert.deepEqual(await readdir(join(dir, 'org.example.Closing', 'providers')), []);
    const calls: [string, () => Promise<unknown>][] = [
      ['register', () => registry.register(url)],
      ['unregister', () => registry.unregister(url)],
      ['subscribe', () => registry.subscribe(consumerOf('org.example.Closing'), () => undefined)],
      ['lookup', () => registry.lookup(consumerOf('org.example.Closing'))],
    ];
    for (const [name, call] of calls) {
      await assert.rejects(call(), (err) => isRpcError(err, ErrorCode.REGISTRY_CLOSED) && err.message === `${name}: registry closed`);
    }
  });

  it('stops calling a listener once unsubscribed', async () => {
    const registry = open();
    const gone = new ListRecorder();
    const kept = new ListRecorder();
    const unsubscribe = await registry.subscribe(consumerOf('org.example.Unsubscribed'), gone.listener);
    await registry.subscribe(consumerOf('org.example.Unsubscribed'), kept.listener);
    await unsubscribe();
    await registry.register(provider(20889, 'org.example.Unsubscribed'));
    await kept.untilPorts([20889], WAIT_MS);
    // Give the stopped subscription time to see the entry, were it still polling: until the entry's first refresh.
    const folder = join(dir, 'org.example.Unsubscribed', 'providers');
    const [name] = await readdir(folder);
    const written = (await stat(join(folder, name!))).mtimeMs;
    await pollUntil(async () => (await stat(join(folder, name!))).mtimeMs !== written, WAIT_MS, 'the entry to be refreshed');
    assert.deepEqual(gone.lists, [[]]);
  });

  it('tells the logger it was given when a subscribed folder becomes unusable', async () => {
    const logger = recordingLogger();
    const registry = open(registryUrl, { logger });
    await registry.subscribe(consumerOf('org.example.Outage'), () => undefined);
    const folder = join(dir, 'org.example.Outage', 'providers');
    await blockFolder(folder, WAIT_MS);
    await pollUntil(() => logger.warnings.length > 0, WAIT_MS, 'the outage to be told');
    assert.match(logger.warnings[0]!, new RegExp(`unreachable \\(scan ${folder}\\): `));
    await rm(folder);
  });

  it('forgets a registration whose write failed: close leaves alone the entry written there since', async () => {
    const blocker = join(dir, 'org.example.Retried');
    await writeFile(blocker, 'stands where the interface folder goes');
    const url = provider(20890, 'org.example.Retried');
    const path = join(blocker, 'providers', entryFileName(url));
    const failing = open();
    await assert.rejects(failing.register(url), (err: RpcError) => {
      assert.equal(err.code, ErrorCode.REGISTRY_UNAVAILABLE);
      assert.ok(err.cause instanceof Error);
      assert.equal(err.message, `file registry cannot use ${path}: ${err.cause.message}`);
      return true;
    });
    await rm(blocker);
    // Another registry of this process writes the same entry file.
    await open().register(url);
    await failing.close();
    assert.deepEqual(await readdir(join(blocker, 'providers')), [basename(path)]);
  });

  it('keeps a registration of the same entry made while a write failed: it stays listed, and close removes it', async () => {
    const registry = open();
    const folder = join(dir, 'org.example.Overtaken', 'providers');
    const built = (timestamp: string) => providerUrl({ ...init('org.example.Overtaken'), params: { timestamp } });
    // A lone surrogate cannot be escaped into the entry (encodeURIComponent throws): that write fails after its mkdir.
    const unwritable = registry.register(built('\uD800'));
    const kept = built('1700000000');
    const registering = registry.register(kept);
    await assert.rejects(unwritable, (err) => isRpcError(err, ErrorCode.REGISTRY_UNAVAILABLE) && err.cause instanceof URIError);
    await registering;
    assert.deepEqual(
      (await registry.lookup(consumerOf('org.example.Overtaken'))).map((url) => url.params.timestamp),
      ['1700000000'],
    );
    await registry.close();
    assert.deepEqual(await readdir(folder), []);
  });

  it('fails with REGISTRY_UNAVAILABLE when the folder cannot be created', async () => {
    const blocker = join(dir, 'a-file');
    await writeFile(blocker, 'not a folder');
    const registry = open(`file://${blocker}/inside`);
    await assert.rejects(registry.register(provider(20886, 'org.example.Blocked')), (err) => isRpcError(err, ErrorCode.REGISTRY_UNAVAILABLE));
    await assert.rejects(registry.subscribe(consumerOf('org.example.Blocked'), () => undefined), (err) => isRpcError(err, ErrorCode.REGISTRY_UNAVAILABLE));
  });

  it('reads its folder and timings from the URL, on this host', () => {
    assert.deepEqual(open().options, { dir, pollMs: 200, refreshMs: 500, staleMs: 2000 });
    assert.equal(open(`file://localhost${dir}`).options.dir, dir);
  });

  it('rejects URLs that name a host or inconsistent timings', () => {
    const badUrl = (message: string) => (err: unknown) => isRpcError(err, ErrorCode.BAD_URL) && err.message === message;
    assert.throws(() => createRegistry('file://otherhost/dir'), badUrl('file registry URLs name a local folder (file:///dir), not a host: file://otherhost/dir'));
    assert.throws(() => createRegistry('file:///tmp/x?refreshMs=5000&staleMs=1000'), badUrl('staleMs (1000) must exceed refreshMs (5000)'));
    assert.throws(() => createRegistry('file:///tmp/x?refreshMs=5000&staleMs=5000'), badUrl('staleMs (5000) must exceed refreshMs (5000)'));
    assert.throws(() => createRegistry('file:///tmp/x?pollMs=-1'), (err) => isRpcError(err, ErrorCode.BAD_URL));
  });

  it('names the timing it cannot read', () => {
    for (const name of ['pollMs', 'refreshMs', 'staleMs']) {
      assert.throws(
        () => createRegistry(`file:///tmp/x?${name}=soon`),
        (err) => isRpcError(err, ErrorCode.BAD_URL) && err.message === `bad duration for '${name}': soon`,
      );
    }
  });

  it('defaults to a folder under the system temp dir', () => {
    const registry = createRegistry('file://') as FileRegistry;
    assert.equal(registry.options.dir, join(tmpdir(), 'getty-rpc-registry'));
  });
});
