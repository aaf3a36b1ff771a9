import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import zookeeper, { type Client, type ClientOptions } from 'node-zookeeper-client';
import { ErrorCode, isRpcError } from '../../common/rpc-error.js';
import { providerUrl } from '../../registry/provider-url.js';
import { decodeNodeName, nodePath } from '../../registry/registry-path.js';
import { createRegistry, type Registry } from '../../registry/index.js';
import { ServiceUrl } from '../../registry/service-url.js';
import type { ZookeeperRegistry } from '../../registry/zookeeper.js';
import { allClosed, closeWhileCalling } from './helpers/closing-race.js';
import { recordingLogger } from './helpers/recording-logger.js';
import { freePort, startServer, type TestServer } from './helpers/servers.js';
import { SilentProxy } from './helpers/silent-proxy.js';
import { ListRecorder, pollUntil } from './helpers/wait.js';

const WAIT_MS = 20_000;

function provider(port: number, interfaceName = 'org.example.Greeter'): ServiceUrl {
  return providerUrl({ host: '127.0.0.1', port, interfaceName, methods: ['sayHello', 'sayBye'], application: 'zk-test' });
}

function consumerOf(interfaceName = 'org.example.Greeter'): ServiceUrl {
  return ServiceUrl.parse(`consumer://127.0.0.1/${interfaceName}?side=consumer`);
}

/**
 * A plain client, connected. Rejects (and lets go of the client) when its
 * session is refused as expired, as it is for an intruder that comes too late
 * in expireSession, or when nothing answers within WAIT_MS.
 */
async function rawClient(address: string, options: ClientOptions = {}): Promise<Client> {
  const client = zookeeper.createClient(address, { sessionTimeout: 2000, spinDelay: 100, ...options });
  const connected = new Promise<void>((resolve, reject) => {
    client.once('connected', resolve);
    client.once('expired', () => reject(new Error('session expired')));
    client.connect();
  });
  try {
    await withTimeout(connected, WAIT_MS, 'a ZooKeeper session');
  } catch (err) {
    client.close();
    // close() only queues a packet; a refused session's socket would stay open.
    (client as { connectionManager?: { socket?: { destroy(): void } } }).connectionManager?.socket?.destroy();
    throw err;
  }
  return client;
}

function children(client: Client, path: string): Promise<string[]> {
  return new Promise((resolve, reject) => client.getChildren(path, (err, names) => (err ? reject(err) : resolve(names))));
}

function ownerOf(client: Client, path: string): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => client.exists(path, (err, stat) => (err ? reject(err) : resolve(stat?.ephemeralOwner))));
}

function withTimeout<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

/**
 * Forces a session expiry without a race: the registry reaches ZooKeeper only
 * through `proxy`, which goes silent (the registry cannot win its session back),
 * then a second client joins the same session directly and closes it — the
 * known trick that ends a session for its owner — and the proxy forwards again.
 */
async function expireSession(address: string, proxy: SilentProxy, registry: ZookeeperRegistry): Promise<void> {
  const session = registry.session!;
  proxy.goSilent();
  const intruder = await rawClient(address, { sessionId: session.id, sessionPassword: session.password });
  await new Promise<void>((resolve) => {
    intruder.once('disconnected', resolve);
    intruder.close();
  });
  proxy.forward();
  await pollUntil(() => registry.session !== undefined && !registry.session.id.equals(session.id), WAIT_MS, 'a new session');
}

describe('ZookeeperRegistry', () => {
  let server: TestServer;
  let registryUrl: string;
  const opened: (Registry | Client)[] = [];

  function open(extra = '', address = server.address): ZookeeperRegistry {
    const registry = createRegistry(`zookeeper://${address}?session.timeout=2000&timeout=3000${extra}`) as ZookeeperRegistry;
    opened.push(registry);
    return registry;
  }

  async function raw(options: ClientOptions = {}): Promise<Client> {
    const client = await rawClient(server.address, options);
    opened.push(client);
    return client;
  }

  before(async () => {
    // tick 500 ms: the minimum session timeout drops to 1 s, so expiry tests stay short.
    server = await startServer('zookeeper', { zkTickTimeMs: 500 });
    registryUrl = `zookeeper://${server.address}`;
    console.log(`# ZooKeeper start-up took ${server.startMs.toFixed(0)} ms`);
  });

  after(async () => {
    for (const item of opened) await item.close();
    await server?.dispose();
  });

  it('lets a consumer discover a registered provider', async () => {
    const providerSide = open();
    const consumerSide = open();
    const recorder = new ListRecorder();
    await consumerSide.subscribe(consumerOf(), recorder.listener);
    assert.deepEqual(recorder.lists, [[]], 'an empty list is delivered at once');
    await providerSide.register(provider(20880));
    await recorder.untilPorts([20880], WAIT_MS);
    const found = await consumerSide.lookup(consumerOf());
    assert.deepEqual(found.map((url) => url.address), ['127.0.0.1:20880']);
    await providerSide.close();
    await recorder.untilPorts([], WAIT_MS);
  });

  it('writes znode names that decode to the Dubbo provider URL', async () => {
    const registry = open();
    await registry.register(provider(20881, 'org.example.Names'));
    const client = await raw();
    const names = await children(client, '/dubbo/org.example.Names/providers');
    assert.equal(names.length, 1);
    assert.match(names[0]!, /^dubbo%3A%2F%2F127\.0\.0\.1%3A20881%2Forg\.example\.Names%3F/);
    const url = decodeNodeName(names[0]!);
    assert.equal(url.protocol, 'dubbo');
    assert.equal(url.address, '127.0.0.1:20881');
    assert.equal(url.params.interface, 'org.example.Names');
    assert.equal(url.params.methods, 'sayBye,sayHello');
    assert.equal(url.params.side, 'provider');
    assert.equal(url.params.application, 'zk-test');
  });

  it('removes a provider on unregister and tells subscribers', async () => {
    const registry = open();
    const recorder = new ListRecorder();
    await registry.subscribe(consumerOf('org.example.Unreg'), recorder.listener);
    const url = provider(20882, 'org.example.Unreg');
    await registry.register(url);
    await recorder.untilPorts([20882], WAIT_MS);
    await registry.unregister(url);
    await recorder.untilPorts([], WAIT_MS);
    assert.deepEqual(await registry.lookup(consumerOf('org.example.Unreg')), []);
  });

  it('stops notifying after unsubscribe', async () => {
    const registry = open();
    const recorder = new ListRecorder();
    const unsubscribe = await registry.subscribe(consumerOf('org.example.Unsub'), recorder.listener);
    await unsubscribe();
    await registry.register(provider(20883, 'org.example.Unsub'));
    // A second subscriber sees the change; the first one, already stopped, must not.
    const witness = new ListRecorder();
    await registry.subscribe(consumerOf('org.example.Unsub'), witness.listener);
    await witness.untilPorts([20883], WAIT_MS);
    assert.deepEqual(recorder.lists, [[]]);
  });

  it('replaces a stale node left by another session', async () => {
    const url = provider(20884, 'org.example.Stale');
    const registry = open();
    await registry.register(url);
    await registry.unregister(url);
    // Another session holds the node, as a crashed predecessor would until its session times out.
    const squatter = await raw();
    const path = nodePath('dubbo', url);
    await new Promise<void>((resolve, reject) => squatter.create(path, null, zookeeper.CreateMode.EPHEMERAL, (err) => (err ? reject(err) : resolve())));
    await registry.register(url);
    const owner = await new Promise<Buffer>((resolve, reject) => squatter.exists(path, (err, stat) => (err || !stat ? reject(err) : resolve(stat.ephemeralOwner))));
    assert.deepEqual(owner, registry.session!.id);
  });

  it('ignores node names that are not URLs', async () => {
    const client = await raw();
    await new Promise<void>((resolve, reject) => client.mkdirp('/dubbo/org.example.Junk/providers/not-a-url%ZZ', (err) => (err ? reject(err) : resolve())));
    const registry = open();
    await registry.register(provider(20885, 'org.example.Junk'));
    const found = await registry.lookup(consumerOf('org.example.Junk'));
    assert.deepEqual(found.map((url) => url.port), [20885]);
  });

  it('creates every registration again after a forced session expiry', async () => {
    const proxy = await SilentProxy.start(server.port);
    try {
      const providerSide = open('', `127.0.0.1:${proxy.port}`);
      const consumerSide = open();
      const recorder = new ListRecorder();
      await consumerSide.subscribe(consumerOf('org.example.Expiry'), recorder.listener);
      await providerSide.register(provider(20886, 'org.example.Expiry'));
      await recorder.untilPorts([20886], WAIT_MS);
      const before = providerSide.session!;
      await expireSession(server.address, proxy, providerSide);
      assert.ok(!providerSide.session!.id.equals(before.id));
      const client = await raw();
      const path = '/dubbo/org.example.Expiry/providers';
      await pollUntil(async () => {
        const names = await children(client, path);
        return names.length === 1 && (await ownerOf(client, `${path}/${names[0]}`))?.equals(providerSide.session!.id) === true;
      }, WAIT_MS, 'the node again, owned by the new session');
      await recorder.untilPorts([20886], WAIT_MS);
    } finally {
      proxy.close();
    }
  });

  it('keeps the last list while ZooKeeper restarts, then sees providers re-registered', async () => {
    const providerSide = open();
    const consumerSide = open();
    const recorder = new ListRecorder();
    await consumerSide.subscribe(consumerOf('org.example.Restart'), recorder.listener);
    await providerSide.register(provider(20887, 'org.example.Restart'));
    await recorder.untilPorts([20887], WAIT_MS);
    const delivered = recorder.lists.length;
    await server.stop();
    await server.start();
    const client = await raw();
    await pollUntil(async () => (await children(client, '/dubbo/org.example.Restart/providers')).length === 1, WAIT_MS, 're-registration');
    assert.ok(recorder.lists.slice(delivered).every((list) => list.length === 1), 'no empty list while ZooKeeper was away');
    assert.deepEqual(await consumerSide.lookup(consumerOf('org.example.Restart')).then((list) => list.map((url) => url.port)), [20887]);
  });

  it('unregisters by registration: an equal provider URL built in a later second removes the node', async () => {
    const registry = open();
    const built = (timestamp: string) => providerUrl({ host: '127.0.0.1', port: 20890, interfaceName: 'org.example.Rebuilt', methods: ['sayHello'], application: 'zk-test', params: { timestamp } });
    await registry.register(built('1700000000'));
    await registry.register(built('1700000001')); // the same registration again: its node replaces the first
    const client = await raw();
    assert.equal((await children(client, '/dubbo/org.example.Rebuilt/providers')).length, 1);
    await registry.unregister(built('1700000002'));
    assert.deepEqual(await children(client, '/dubbo/org.example.Rebuilt/providers'), []);
  });

  it('creates its node again when someone else deletes it while the session lives', async () => {
    const registry = open();
    const url = provider(20891, 'org.example.Deleted');
    await registry.register(url);
    const client = await raw();
    const path = nodePath('dubbo', url);
    await new Promise<void>((resolve, reject) => client.remove(path, -1, (err) => (err ? reject(err) : resolve())));
    await pollUntil(async () => (await ownerOf(client, path))?.equals(registry.session!.id) === true, WAIT_MS, 'the node created again');
  });

  it('gives up a session no server answers for a whole session timeout, and registers on a new one', async () => {
    // The connection to ZooKeeper is cut and the next one accepted but never answered (a hung or
    // half-started server): node-zookeeper-client waits on it for ever (no timeout after the TCP
    // connect), while ZooKeeper expires the session and deletes its node.
    const proxy = await SilentProxy.start(server.port);
    try {
      const registry = open('', `127.0.0.1:${proxy.port}`);
      const url = provider(20892, 'org.example.Silent');
      await registry.register(url);
      const original = registry.session!.id;
      // A ConnectRequest: length, protocol version, last zxid, timeout, then the session id at offset 20.
      const resumed = proxy.untilSilentRequest((bytes) => bytes.length >= 28 && bytes.subarray(20, 28).equals(original));
      proxy.goSilent();
      await withTimeout(resumed, WAIT_MS, 'the registry resuming its session at the silent proxy');
      const client = await raw();
      const path = nodePath('dubbo', url);
      await pollUntil(async () => (await ownerOf(client, path)) === undefined, WAIT_MS, 'ZooKeeper expiring the old session');
      proxy.forward();
      const renewed = () => registry.session !== undefined && !registry.session.id.equals(original);
      await pollUntil(async () => renewed() && (await ownerOf(client, path))?.equals(registry.session!.id) === true, WAIT_MS, 'the node on a new session');
    } finally {
      proxy.close();
    }
  });

  it('fails with REGISTRY_UNAVAILABLE when no server answers in time', async () => {
    const port = await freePort();
    const registry = createRegistry(`zookeeper://127.0.0.1:${port}?timeout=300`);
    opened.push(registry);
    await assert.rejects(registry.register(provider(20888)), (err) => isRpcError(err, ErrorCode.REGISTRY_UNAVAILABLE));
    await assert.rejects(registry.subscribe(consumerOf(), () => undefined), (err) => isRpcError(err, ErrorCode.REGISTRY_UNAVAILABLE));
  });

  it('rejects calls after close with REGISTRY_CLOSED, and closes twice', async () => {
    const registry = createRegistry(registryUrl);
    await registry.close();
    await registry.close();
    await assert.rejects(registry.register(provider(20889)), (err) => isRpcError(err, ErrorCode.REGISTRY_CLOSED));
    await assert.rejects(registry.subscribe(consumerOf(), () => undefined), (err) => isRpcError(err, ErrorCode.REGISTRY_CLOSED));
  });

  it('fails every call still waiting for a session at once when close() runs, naming it, and reports no outage', async () => {
    const logger = recordingLogger();
    const registry = createRegistry(`zookeeper://${server.address}?session.timeout=2000&timeout=3000`, { logger });
    opened.push(registry);
    const calls = {
      register: registry.register(provider(20893, 'org.example.ClosingEarly')),
      subscribe: registry.subscribe(consumerOf('org.example.ClosingEarly'), () => undefined),
      watchConfig: registry.watchConfig!('org.example.ClosingEarly.configurators', () => undefined),
      lookup: registry.lookup(consumerOf('org.example.ClosingEarly')),
    };
    await registry.close();
    for (const [call, pending] of Object.entries(calls)) {
      // Well within the registry's 3 s timeout: the calls must not wait for it.
      const outcome = await withTimeout(pending.then(() => 'resolved', (err: unknown) => err), 2000, `${call} to settle`);
      assert.ok(isRpcError(outcome, ErrorCode.REGISTRY_CLOSED) && outcome.message === `${call}: registry closed`, `${call}: ${String(outcome)}`);
    }
    assert.deepEqual(logger.warnings, [], 'a call cut short by close() is no registry outage');
  });

  it('leaves no node or watch behind when close() runs while register(), subscribe(), lookup() and watchConfig() are in flight', async () => {
    const race = await closeWhileCalling(`zookeeper://${server.address}?session.timeout=2000&timeout=3000`, 'org.example.ClosingRace', WAIT_MS);
    assert.deepEqual(race.outcomes, allClosed(['register', 'subscribe', 'lookup', 'watchConfig']));
    assert.ok(race.exitedByItself, 'the process exits once its registry is closed');
    const client = await raw();
    assert.deepEqual(await children(client, '/dubbo/org.example.ClosingRace/providers'), [], 'no provider node outlives close()');
  });

  it('rejects a URL without a server or with a bad timeout', () => {
    assert.throws(() => createRegistry('zookeeper://'), (err) => isRpcError(err, ErrorCode.BAD_URL));
    assert.throws(() => createRegistry('zookeeper://127.0.0.1:2181?timeout=soon'), (err) => isRpcError(err, ErrorCode.BAD_URL));
  });
});
