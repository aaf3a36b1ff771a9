import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../common/rpc-error.js';
import type { FileRegistry } from '../../registry/file.js';
import { providerUrl } from '../../registry/provider-url.js';
import { createRegistry, type Registry } from '../../registry/index.js';
import { ServiceUrl } from '../../registry/service-url.js';
import { startChildProvider } from './helpers/child-provider.js';
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

  function open(url = registryUrl): FileRegistry {
    const registry = createRegistry(url) as FileRegistry;
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
    // Issue 4: a test rebuilt its provider URL for unregister; on a loaded machine a second
    // boundary fell in between, the timestamp param differed, and nothing was removed.
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

  it('removes its entries on close, and rejects calls afterwards', async () => {
    const registry = createRegistry(registryUrl);
    await registry.register(provider(20885, 'org.example.Closing'));
    await registry.close();
    await registry.close();
    assert.deepEqual(await readdir(join(dir, 'org.example.Closing', 'providers')), []);
    await assert.rejects(registry.register(provider(20885, 'org.example.Closing')), (err) => isRpcError(err, ErrorCode.REGISTRY_CLOSED));
  });

  it('fails with REGISTRY_UNAVAILABLE when the folder cannot be created', async () => {
    const blocker = join(dir, 'a-file');
    await writeFile(blocker, 'not a folder');
    const registry = open(`file://${blocker}/inside`);
    await assert.rejects(registry.register(provider(20886, 'org.example.Blocked')), (err) => isRpcError(err, ErrorCode.REGISTRY_UNAVAILABLE));
    await assert.rejects(registry.subscribe(consumerOf('org.example.Blocked'), () => undefined), (err) => isRpcError(err, ErrorCode.REGISTRY_UNAVAILABLE));
  });

  it('rejects URLs that name a host or inconsistent timings', () => {
    assert.throws(() => createRegistry('file://otherhost/dir'), (err) => isRpcError(err, ErrorCode.BAD_URL));
    assert.throws(() => createRegistry('file:///tmp/x?refreshMs=5000&staleMs=1000'), (err) => isRpcError(err, ErrorCode.BAD_URL));
    assert.throws(() => createRegistry('file:///tmp/x?pollMs=-1'), (err) => isRpcError(err, ErrorCode.BAD_URL));
  });

  it('defaults to a folder under the system temp dir', () => {
    const registry = createRegistry('file://') as FileRegistry;
    assert.equal(registry.options.dir, join(tmpdir(), 'getty-rpc-registry'));
  });
});
