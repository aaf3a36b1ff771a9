import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import { ErrorCode, isRpcError } from '../../common/rpc-error.js';
import type { EtcdRegistry } from '../../registry/etcd.js';
import { providerUrl } from '../../registry/provider-url.js';
import { decodeNodeName, nodePath } from '../../registry/registry-path.js';
import { createRegistry, type Registry } from '../../registry/index.js';
import { ServiceUrl } from '../../registry/service-url.js';
import { startChildProvider } from './helpers/child-provider.js';
import { allClosed, closeWhileCalling, outcomeWithin } from './helpers/closing-race.js';
import { freePort, startServer, type TestServer } from './helpers/servers.js';
import { ListRecorder, pollUntil } from './helpers/wait.js';

const WAIT_MS = 20_000;
const TTL_SECONDS = 2;

function provider(port: number, interfaceName: string): ServiceUrl {
  return providerUrl({ host: '127.0.0.1', port, interfaceName, methods: ['sayHello', 'sayBye'], application: 'etcd-test' });
}

function consumerOf(interfaceName: string): ServiceUrl {
  return ServiceUrl.parse(`consumer://127.0.0.1/${interfaceName}?side=consumer`);
}

describe('EtcdRegistry', () => {
  let server: TestServer;
  let registryUrl: string;
  let raw: Etcd3;
  const opened: Registry[] = [];

  function open(): EtcdRegistry {
    const registry = createRegistry(registryUrl) as EtcdRegistry;
    opened.push(registry);
    return registry;
  }

  async function keysUnder(interfaceName: string): Promise<string[]> {
    return raw.getAll().prefix(`/dubbo/${interfaceName}/providers/`).keys();
  }

  before(async () => {
    server = await startServer('etcd');
    registryUrl = `etcd://${server.address}?ttl=${TTL_SECONDS}&timeout=3000`;
    raw = new Etcd3({ hosts: `http://${server.address}` });
    console.log(`# etcd start-up took ${server.startMs.toFixed(0)} ms`);
  });

  after(async () => {
    for (const registry of opened) await registry.close();
    raw?.close();
    await server?.dispose();
  });

  it('lets a consumer discover a registered provider, and forget it on close', async () => {
    const providerSide = open();
    const consumerSide = open();
    const recorder = new ListRecorder();
    await consumerSide.subscribe(consumerOf('org.example.Greeter'), recorder.listener);
    assert.deepEqual(recorder.lists, [[]], 'an empty list is delivered at once');
    await providerSide.register(provider(20880, 'org.example.Greeter'));
    await recorder.untilPorts([20880], WAIT_MS);
    assert.deepEqual((await consumerSide.lookup(consumerOf('org.example.Greeter'))).map((url) => url.port), [20880]);
    await providerSide.close();
    await recorder.untilPorts([], WAIT_MS);
    assert.deepEqual(await keysUnder('org.example.Greeter'), []);
  });

  it('writes keys whose last segment decodes to the Dubbo provider URL', async () => {
    const registry = open();
    const url = provider(20881, 'org.example.Names');
    await registry.register(url);
    const keys = await keysUnder('org.example.Names');
    assert.deepEqual(keys, [nodePath('dubbo', url)]);
    const decoded = decodeNodeName(keys[0]!.split('/').at(-1)!);
    assert.equal(decoded.params.interface, 'org.example.Names');
    assert.equal(decoded.params.methods, 'sayBye,sayHello');
    assert.equal(decoded.params.side, 'provider');
    assert.equal(decoded.params.application, 'etcd-test');
  });

  it('deletes the key on unregister', async () => {
    const registry = open();
    const recorder = new ListRecorder();
    await registry.subscribe(consumerOf('org.example.Unreg'), recorder.listener);
    const url = provider(20882, 'org.example.Unreg');
    await registry.register(url);
    await recorder.untilPorts([20882], WAIT_MS);
    await registry.unregister(url);
    assert.deepEqual(await keysUnder('org.example.Unreg'), []);
    await recorder.untilPorts([], WAIT_MS);
  });

  it('unregisters by registration: an equal provider URL built in a later second deletes the key', async () => {
    const registry = open();
    const built = (timestamp: string) => providerUrl({ host: '127.0.0.1', port: 20889, interfaceName: 'org.example.Rebuilt', methods: ['sayHello'], application: 'etcd-test', params: { timestamp } });
    await registry.register(built('1700000000'));
    await registry.register(built('1700000001')); // the same registration again: its key replaces the first
    await pollUntil(async () => (await keysUnder('org.example.Rebuilt')).length === 1, WAIT_MS, 'one key for the registration');
    await registry.unregister(built('1700000002'));
    assert.deepEqual(await keysUnder('org.example.Rebuilt'), []);
  });

  it('drops the key of a SIGKILLed provider process within the lease TTL', async () => {
    const consumerSide = open();
    const recorder = new ListRecorder();
    await consumerSide.subscribe(consumerOf('org.example.Killed'), recorder.listener);
    const child = await startChildProvider(registryUrl, 20883, 'org.example.Killed');
    await recorder.untilPorts([20883], WAIT_MS);
    await child.kill();
    // Bounded by TTL plus etcd's lease checker granularity (it runs every 500 ms) and slack.
    await recorder.untilPorts([], TTL_SECONDS * 1000 + 3000);
  });

  it('writes the key again under a new lease when its lease is revoked', async () => {
    const registry = open();
    const recorder = new ListRecorder();
    await registry.subscribe(consumerOf('org.example.Revoked'), recorder.listener);
    await registry.register(provider(20884, 'org.example.Revoked'));
    await recorder.untilPorts([20884], WAIT_MS);
    const [kv] = (await raw.getAll().prefix('/dubbo/org.example.Revoked/providers/').exec()).kvs;
    await raw.leaseClient.leaseRevoke({ ID: kv!.lease });
    await recorder.untilPorts([], WAIT_MS);
    await recorder.untilPorts([20884], WAIT_MS);
    const [again] = (await raw.getAll().prefix('/dubbo/org.example.Revoked/providers/').exec()).kvs;
    assert.notEqual(String(again!.lease), String(kv!.lease));
  });

  it('keeps the last list while etcd restarts, and providers stay registered', async () => {
    const providerSide = open();
    const consumerSide = open();
    const recorder = new ListRecorder();
    await consumerSide.subscribe(consumerOf('org.example.Restart'), recorder.listener);
    await providerSide.register(provider(20885, 'org.example.Restart'));
    await recorder.untilPorts([20885], WAIT_MS);
    const delivered = recorder.lists.length;
    await server.stop();
    // Longer than 2 x TTL: the client gives the lease up as lost and must register again.
    await assert.rejects(consumerSide.lookup(consumerOf('org.example.Restart')), (err) => isRpcError(err, ErrorCode.REGISTRY_UNAVAILABLE));
    await new Promise((resolve) => setTimeout(resolve, TTL_SECONDS * 2000 + 500));
    await server.start();
    await pollUntil(async () => (await keysUnder('org.example.Restart').catch(() => [])).length === 1, WAIT_MS, 're-registration');
    assert.ok(recorder.lists.slice(delivered).every((list) => list.length === 1), 'no empty list while etcd was away');
    // New calls work at once after the restart (no lingering circuit breaker).
    await providerSide.register(provider(20886, 'org.example.Restart'));
    await recorder.untilPorts([20885, 20886], WAIT_MS);
  });

  it('fails with REGISTRY_UNAVAILABLE when no server answers in time', async () => {
    const port = await freePort();
    const registry = createRegistry(`etcd://127.0.0.1:${port}?timeout=500`);
    opened.push(registry);
    await assert.rejects(registry.register(provider(20887, 'org.example.Nowhere')), (err) => isRpcError(err, ErrorCode.REGISTRY_UNAVAILABLE));
    await assert.rejects(registry.subscribe(consumerOf('org.example.Nowhere'), () => undefined), (err) => isRpcError(err, ErrorCode.REGISTRY_UNAVAILABLE));
  });

  it('rejects calls after close with REGISTRY_CLOSED, and closes twice', async () => {
    const registry = createRegistry(registryUrl);
    await registry.close();
    await registry.close();
    await assert.rejects(registry.register(provider(20888, 'org.example.Closed')), (err) => isRpcError(err, ErrorCode.REGISTRY_CLOSED));
  });

  it('leaves no key behind when unregister() runs while register() is still writing it (under a live lease it would stay for good)', async () => {
    const registry = open();
    await registry.lookup(consumerOf('org.example.UnregRace')); // connected, so the two calls race on the wire only
    const url = provider(20890, 'org.example.UnregRace');
    const registering = registry.register(url);
    await registry.unregister(url);
    await registering;
    assert.deepEqual(await keysUnder('org.example.UnregRace'), []);
  });

  it('fails a watch still connecting at once when close() runs, naming the call', async () => {
    const port = await freePort();
    const registry = createRegistry(`etcd://127.0.0.1:${port}?timeout=20000`);
    opened.push(registry);
    const calls = {
      subscribe: registry.subscribe(consumerOf('org.example.Connecting'), () => undefined),
      watchConfig: registry.watchConfig!('org.example.Connecting.configurators', () => undefined),
    };
    const closing = registry.close();
    for (const [call, pending] of Object.entries(calls)) {
      // Well within the registry's 20 s timeout: the calls must not wait for it.
      const outcome = await outcomeWithin(pending, 5000);
      assert.ok(isRpcError(outcome, ErrorCode.REGISTRY_CLOSED) && outcome.message === `${call}: registry closed`, `${call}: ${String(outcome)}`);
    }
    await closing;
  });

  it('leaves no key, lease or watch behind when close() runs while register(), subscribe(), lookup() and watchConfig() are in flight', async () => {
    const race = await closeWhileCalling(registryUrl, 'org.example.ClosingRace', WAIT_MS);
    assert.deepEqual(race.outcomes, allClosed(['register', 'subscribe', 'lookup', 'watchConfig']));
    assert.ok(race.exitedByItself, 'the process exits once its registry is closed');
    assert.deepEqual(await keysUnder('org.example.ClosingRace'), [], 'no provider key outlives close() (not even until its lease expires)');
  });

  it('rejects a bad ttl', () => {
    assert.throws(() => createRegistry('etcd://127.0.0.1:2379?ttl=0'), (err) => isRpcError(err, ErrorCode.BAD_URL));
    assert.throws(() => createRegistry('etcd://127.0.0.1:2379?ttl=1.5'), (err) => isRpcError(err, ErrorCode.BAD_URL));
  });
});
