/**
 * RegistryDirectory over the real embedded file registry (registry/file.ts),
 * where registry-directory.test.ts uses an in-memory stand-in: providers
 * registered by other registry instances and by other processes, removed by
 * unregister, by SIGKILL, by going stale (a SIGSTOPped writer), and a folder
 * wiped by hand.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { providerUrl } from '../../../registry/provider-url.js';
import { createRegistry, type Registry } from '../../../registry/index.js';
import type { ServiceUrl } from '../../../registry/service-url.js';
import { RegistryDirectory, type RegistryDirectoryOptions } from '../../../rpc/cluster/registry-directory.js';
import type { Invoker } from '../../../rpc/invoker.js';
import { type ChildProvider, startChildProvider } from '../../registry/helpers/child-provider.js';
import { pollUntil } from '../../registry/helpers/wait.js';
import { consumerUrl, invocation, SERVICE, TestInvoker } from './test-invoker.js';

/** Bound on every wait for the directory to reflect the registry. */
const WAIT_MS = 10_000;

const ports = (list: readonly Invoker[]) => list.map((invoker) => invoker.url.port).sort((a, b) => a - b);

/** The directory's current invokers (a RegistryDirectory lists the same ones for every invocation). */
const listed = (directory: RegistryDirectory) => directory.list(invocation());

/** The real registry, with every list it delivers recorded (to know when a directory has seen one). */
function recording(registry: Registry): { registry: Registry; lists: (readonly ServiceUrl[])[] } {
  const lists: (readonly ServiceUrl[])[] = [];
  const wrapped: Registry = Object.create(registry);
  wrapped.subscribe = (url, listener) => registry.subscribe(url, (list) => {
    lists.push(list);
    listener(list);
  });
  return { registry: wrapped, lists };
}

function provider(port: number): ServiceUrl {
  return providerUrl({ host: '127.0.0.1', port, interfaceName: SERVICE, methods: ['echo'], application: 'directory-file-test' });
}

/** Resolves once the directory lists exactly `want` (now or after a change); rejects after WAIT_MS. */
function untilPorts(directory: RegistryDirectory, want: number[], what: string): Promise<void> {
  const wanted = [...want].sort((a, b) => a - b).join(',');
  const matches = (list: readonly Invoker[]) => ports(list).join(',') === wanted;
  if (matches(listed(directory))) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`${what}: directory still lists [${ports(listed(directory))}], wanted [${wanted}]`));
    }, WAIT_MS);
    const stop = directory.onChange((list) => {
      if (!matches(list)) return;
      clearTimeout(timer);
      stop();
      resolve();
    });
  });
}

/**
 * Starts one provider process per port; if any fails to start, kills the ones
 * that did (a live child with an IPC channel would keep the test process alive).
 */
async function startChildren(registryUrl: string, ports: number[]): Promise<ChildProvider[]> {
  const started = await Promise.allSettled(ports.map((port) => startChildProvider(registryUrl, port, SERVICE)));
  const children = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failure = started.find((result) => result.status === 'rejected');
  if (failure) {
    await Promise.all(children.map((child) => child.kill()));
    throw failure.reason;
  }
  return children;
}

describe('RegistryDirectory over the file registry', () => {
  let dir: string;
  let registryUrl: string;
  const opened: Registry[] = [];
  const directories: RegistryDirectory[] = [];

  function open(): Registry {
    const registry = createRegistry(registryUrl);
    opened.push(registry);
    return registry;
  }

  function directoryOver(registry: Registry, options: RegistryDirectoryOptions = {}) {
    const made: TestInvoker[] = [];
    const directory = new RegistryDirectory(consumerUrl(), [registry], (url) => {
      const invoker = new TestInvoker(url.port);
      made.push(invoker);
      return invoker;
    }, options);
    directories.push(directory);
    return { directory, made };
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'getty-rpc-directory-file-'));
    // Short timings so removals are seen quickly: writers refresh every 300 ms, readers drop entries untouched for 1.5 s.
    registryUrl = `file://${dir}?pollMs=200&refreshMs=300&staleMs=1500`;
  });

  // Each test closes what it opened, so a provider one test leaves registered cannot show up in the next.
  afterEach(async () => {
    for (const directory of directories.splice(0)) await directory.close();
    for (const registry of opened.splice(0)) await registry.close();
  });

  after(() => rm(dir, { recursive: true, force: true }));

  it('lists providers registered elsewhere and destroys the invoker of one that unregisters', async () => {
    const providerSide = open();
    await providerSide.register(provider(30001));
    await providerSide.register(provider(30002));
    const { directory, made } = directoryOver(open());
    await directory.ready();
    assert.deepEqual(ports(listed(directory)), [30001, 30002]);

    // provider() is built again here: its timestamp may be a second later, and unregister must still match.
    await providerSide.unregister(provider(30002));
    await untilPorts(directory, [30001], 'after unregister');
    assert.equal(made.find((invoker) => invoker.port === 30002)?.destroyed, true);
    assert.equal(made.find((invoker) => invoker.port === 30001)?.destroyed, false);
    await providerSide.unregister(provider(30001));
    await untilPorts(directory, [], 'after the last provider left');
  });

  it('drops the provider of a SIGKILLed process by itself', async () => {
    const children = await startChildren(registryUrl, [30011, 30012]);
    const victim = children[0]!;
    try {
      const { directory, made } = directoryOver(open());
      await directory.ready();
      await untilPorts(directory, [30011, 30012], 'both processes registered');
      await victim.kill();
      await untilPorts(directory, [30012], 'after SIGKILL');
      assert.equal(made.find((invoker) => invoker.port === 30011)?.destroyed, true);
    } finally {
      await Promise.all(children.map((child) => child.kill()));
    }
  });

  it('drops a frozen provider (SIGSTOP) once its entry is stale, and takes it back after SIGCONT', async () => {
    const frozen = await startChildProvider(registryUrl, 30021, SERVICE);
    try {
      const { directory } = directoryOver(open());
      await untilPorts(directory, [30021], 'registered');
      process.kill(frozen.pid, 'SIGSTOP'); // our own child: its refresher stops touching the entry
      await untilPorts(directory, [], 'stale after staleMs');
      process.kill(frozen.pid, 'SIGCONT');
      await untilPorts(directory, [30021], 'fresh again');
    } finally {
      process.kill(frozen.pid, 'SIGCONT');
      await frozen.close();
    }
  });

  it('keeps the last provider under emptyProtection when the list empties, and empties without it', async () => {
    const providerSide = open();
    await providerSide.register(provider(30031));
    const seen = recording(open());
    const protectedDir = directoryOver(seen.registry, { emptyProtection: true }).directory;
    const plain = directoryOver(open()).directory;
    await Promise.all([untilPorts(protectedDir, [30031], 'protected'), untilPorts(plain, [30031], 'plain')]);
    await providerSide.unregister(provider(30031));
    await untilPorts(plain, [], 'plain directory emptied');
    await pollUntil(() => seen.lists.at(-1)?.length === 0, WAIT_MS, 'the empty list delivered to the protected directory', 50);
    assert.deepEqual(ports(listed(protectedDir)), [30031], 'emptyProtection kept the last list');
  });

  it('recovers when the registry folder is wiped: writers put their entries back within refreshMs', async () => {
    const providerSide = open();
    await providerSide.register(provider(30041));
    const { directory } = directoryOver(open(), { emptyProtection: true });
    await untilPorts(directory, [30041], 'registered');
    // Moved away in one step (live watchers recreate folders, so a recursive rm could race them).
    const trash = join(dir, 'wiped');
    await rename(join(dir, SERVICE), trash);
    await rm(trash, { recursive: true, force: true });
    await providerSide.register(provider(30042)); // a change the directory can only see once the folder exists again
    await untilPorts(directory, [30041, 30042], 'after the wipe');
  });
});
