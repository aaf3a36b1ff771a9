/**
 * RpcServer and RpcClient wired to real registries (go-anchors §4, §5.6):
 * providers register on start and unregister before they stop serving; the
 * consumer registers itself under /consumers; while the registry server is
 * down the consumer keeps calling the providers it last knew, and after the
 * server is back it sees the providers re-registered and new ones appear.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import zookeeper from 'node-zookeeper-client';
import { consumerUrl } from '../../registry/provider-url.js';
import { decodeNodeName, queryEscape } from '../../registry/registry-path.js';
import { createRegistry, type Registry } from '../../registry/index.js';
import type { ServiceUrl } from '../../registry/service-url.js';
import { RpcClient } from '../../rpc/client.js';
import { RpcServer } from '../../rpc/server.js';
import { pollUntil } from '../registry/helpers/wait.js';
import { startServer, type TestServer } from '../registry/helpers/servers.js';
import { WhoAmI } from './fixtures/echo-service.js';

const WAIT_MS = 20_000;
const CONSUMERS_PATH = `/dubbo/${queryEscape(WhoAmI.name)}/consumers`;

async function startProvider(registryUrl: string | string[], name: string, answer: (seq: number) => Promise<string> | string = () => name): Promise<RpcServer> {
  const server = new RpcServer({ port: 0, registry: registryUrl, application: `wiring-${name}` });
  server.addService(WhoAmI, { whoami: answer });
  await server.start();
  return server;
}

async function providerPorts(registry: Registry): Promise<number[]> {
  const list = await registry.lookup(consumerUrl({ host: '127.0.0.1', interfaceName: WhoAmI.name, application: 'observer' }));
  return list.map((url) => url.port).sort((a, b) => a - b);
}

function assertConsumerUrl(url: ServiceUrl, application: string): void {
  assert.equal(url.protocol, 'consumer');
  assert.equal(url.interfaceName, WhoAmI.name);
  assert.equal(url.getParam('side'), 'consumer');
  assert.equal(url.getParam('category'), 'consumers');
  assert.equal(url.getParam('application'), application);
  assert.equal(url.getParam('methods'), 'whoami');
}

/** Calls in a loop until stopped, counting who answered and what failed. */
class Caller {
  readonly answeredBy = new Map<string, number>();
  readonly failures: unknown[] = [];
  private running = true;
  private readonly done: Promise<void>;

  constructor(call: (seq: number) => Promise<string>) {
    this.done = (async () => {
      for (let seq = 0; this.running; seq++) {
        try {
          const name = await call(seq);
          this.answeredBy.set(name, (this.answeredBy.get(name) ?? 0) + 1);
        } catch (err) {
          this.failures.push(err);
        }
        await new Promise((resolve) => setImmediate(resolve)); // lets the test's own steps run between calls
      }
    })();
  }

  count(name: string): number {
    return this.answeredBy.get(name) ?? 0;
  }

  /** For failure messages: who answered, and the first failures. */
  describe(): string {
    return `answered ${JSON.stringify([...this.answeredBy])}, ${this.failures.length} failed ${this.failures.slice(0, 2).map(String).join('; ')}`;
  }

  /** pollUntil, with this caller's state in the error. */
  async until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
    await pollUntil(check, WAIT_MS, what).catch((err: Error) => {
      throw new Error(`${err.message} (${this.describe()})`);
    });
  }

  stop(): Promise<void> {
    this.running = false;
    return this.done;
  }
}

/**
 * The outage scenario for one registry server: calls keep succeeding while it is
 * stopped; once restarted, the provider is listed again and a provider started
 * afterwards is discovered and called.
 */
async function outageScenario(server: TestServer, registryUrl: string): Promise<void> {
  const providers = [await startProvider(registryUrl, 'A')];
  const client = new RpcClient({ registry: registryUrl, application: 'wiring-consumer' });
  const observer = createRegistry(registryUrl);
  const ref = client.refer(WhoAmI);
  const caller = new Caller(async (seq) => (await ref.whoami(seq)) ?? '');
  try {
    await caller.until(() => caller.count('A') > 0, 'a first answer');
    await server.stop();
    const beforeDown = caller.count('A');
    await caller.until(() => caller.count('A') >= beforeDown + 200, '200 calls while the registry is down');
    await server.start();
    await caller.until(async () => (await providerPorts(observer).catch((): number[] => [])).includes(providers[0]!.port), 'A listed again');
    providers.push(await startProvider(registryUrl, 'B'));
    await caller.until(() => caller.count('B') > 0, 'the consumer calling B, registered after the restart');
  } finally {
    await caller.stop();
    await client.close({ graceMs: 500 });
    await Promise.all(providers.map((p) => p.stop({ graceMs: 500 })));
    await observer.close();
  }
  assert.deepEqual(caller.failures.map(String).slice(0, 3), [], 'every call succeeded throughout');
}

describe('RPC on the file registry', () => {
  let dir: string;
  let registryUrl: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'getty-rpc-wiring-'));
    registryUrl = `file://${dir}?pollMs=200`;
  });
  after(() => rm(dir, { recursive: true, force: true }));

  async function consumerEntries(): Promise<ServiceUrl[]> {
    const folder = join(dir, ...CONSUMERS_PATH.split('/').slice(2));
    const names = await readdir(folder).catch(() => [] as string[]);
    const records = await Promise.all(names.filter((n) => n.endsWith('.json')).map((n) => readFile(join(folder, n), 'utf8')));
    return records.map((text) => decodeNodeName((JSON.parse(text) as { url: string }).url));
  }

  it('registers the consumer URL under consumers, and client.close() removes it', async () => {
    const provider = await startProvider(registryUrl, 'A');
    const client = new RpcClient({ registry: registryUrl, application: 'file-consumer' });
    try {
      assert.equal(await client.refer(WhoAmI).whoami(1), 'A');
      const [entry, ...others] = await consumerEntries();
      assert.equal(others.length, 0);
      assertConsumerUrl(entry!, 'file-consumer');
      await client.close();
      assert.deepEqual(await consumerEntries(), []);
    } finally {
      await client.close();
      await provider.stop();
    }
  });

  it('a graceful stop unregisters the provider before it stops serving the calls in flight', async () => {
    let release!: () => void;
    const gate = new Promise<string>((resolve) => (release = () => resolve('held')));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const provider = await startProvider(registryUrl, 'A', () => {
      entered();
      return gate;
    });
    const observer = createRegistry(registryUrl);
    const client = new RpcClient({ registry: registryUrl, application: 'file-consumer' });
    try {
      const held = client.refer(WhoAmI, { timeoutMs: WAIT_MS }).whoami(1);
      await inside;
      const stopped = provider.stop({ graceMs: WAIT_MS });
      await pollUntil(async () => !(await providerPorts(observer)).includes(provider.port), WAIT_MS, 'the provider unregistered');
      assert.equal(provider.activeCalls, 1, 'the held call is still being served after unregistering');
      release();
      assert.equal(await held, 'held');
      await stopped;
    } finally {
      release();
      await client.close();
      await provider.stop();
      await observer.close();
    }
  });

  it('serves one provider registered in two registries (file + another file folder) as one', async () => {
    const second = await mkdtemp(join(tmpdir(), 'getty-rpc-wiring-2-'));
    const registries = [registryUrl, `file://${second}?pollMs=200`];
    const provider = await startProvider(registries, 'A');
    const client = new RpcClient({ registry: registries, application: 'two-registries' });
    try {
      const ref = client.refer(WhoAmI, { loadbalance: 'roundrobin' });
      for (let seq = 0; seq < 10; seq++) assert.equal(await ref.whoami(seq), 'A');
      assert.equal(client.pendingCalls, 0);
    } finally {
      await client.close();
      await provider.stop();
      await rm(second, { recursive: true, force: true });
    }
  });
});

describe('RPC on ZooKeeper', () => {
  let zk: TestServer;
  before(async () => {
    zk = await startServer('zookeeper');
  });
  after(() => zk?.dispose());

  it('registers the consumer under /dubbo/<interface>/consumers as a decodable consumer URL', async () => {
    const registryUrl = `zookeeper://${zk.address}`;
    const provider = await startProvider(registryUrl, 'A');
    const client = new RpcClient({ registry: registryUrl, application: 'zk-consumer' });
    const raw = zookeeper.createClient(zk.address);
    try {
      assert.equal(await client.refer(WhoAmI).whoami(1), 'A');
      await new Promise<void>((resolve) => raw.once('connected', resolve).connect());
      const names = await new Promise<string[]>((resolve, reject) => raw.getChildren(CONSUMERS_PATH, (err, list) => (err ? reject(err) : resolve(list))));
      assert.equal(names.length, 1);
      assertConsumerUrl(decodeNodeName(names[0]!), 'zk-consumer');
    } finally {
      raw.close();
      await client.close();
      await provider.stop();
    }
  });

  it('keeps calling the last known provider while ZooKeeper is down, then finds a new one after the restart', async () => {
    await outageScenario(zk, `zookeeper://${zk.address}?timeout=2s`);
  });
});

describe('RPC on etcd', () => {
  let etcd: TestServer;
  before(async () => {
    etcd = await startServer('etcd');
  });
  after(() => etcd?.dispose());

  it('registers the consumer under /dubbo/<interface>/consumers/', async () => {
    const registryUrl = `etcd://${etcd.address}`;
    const provider = await startProvider(registryUrl, 'A');
    const client = new RpcClient({ registry: registryUrl, application: 'etcd-consumer' });
    const raw = new Etcd3({ hosts: `http://${etcd.address}` });
    try {
      assert.equal(await client.refer(WhoAmI).whoami(1), 'A');
      const keys = await raw.getAll().prefix(`${CONSUMERS_PATH}/`).keys();
      assert.equal(keys.length, 1);
      assertConsumerUrl(decodeNodeName(keys[0]!.split('/').at(-1)!), 'etcd-consumer');
    } finally {
      raw.close();
      await client.close();
      await provider.stop();
    }
  });

  it('keeps calling the last known provider while etcd is down, then finds a new one after the restart', async () => {
    await outageScenario(etcd, `etcd://${etcd.address}?timeout=2s`);
  });
});
