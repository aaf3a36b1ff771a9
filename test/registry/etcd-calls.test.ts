/**
 * EtcdRegistry call by call against a real etcd: calls on a closed registry,
 * unregistering what was never registered, two registers of one URL racing,
 * unsubscribing, the config-center watch (`watchConfig`), keys under the
 * providers folder that are not provider nodes, the `ttl` parameter and the
 * `etcdv3` scheme (dubbo-go `registry/etcdv3/registry.go` registers under
 * both names).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import { ErrorCode, isRpcError } from '../../common/rpc-error.js';
import { EtcdRegistry } from '../../registry/etcd.js';
import { createRegistry, type Registry } from '../../registry/index.js';
import { providerUrl } from '../../registry/provider-url.js';
import { nodePath, queryEscape, rawUrlString } from '../../registry/registry-path.js';
import { ServiceUrl } from '../../registry/service-url.js';
import { outcomeWithin } from './helpers/closing-race.js';
import { startServer, type TestServer } from './helpers/servers.js';
import { recordingLogger } from './helpers/recording-logger.js';
import { SilentProxy } from './helpers/silent-proxy.js';
import { collectWarnings } from './helpers/warnings.js';
import { ListRecorder, pollUntil, portsOf } from './helpers/wait.js';

const WAIT_MS = 20_000;

function provider(port: number, interfaceName: string, params: Record<string, string> = {}): ServiceUrl {
  return providerUrl({ host: '127.0.0.1', port, interfaceName, methods: ['sayHello'], application: 'etcd-calls', params });
}

function consumerOf(interfaceName: string): ServiceUrl {
  return ServiceUrl.parse(`consumer://127.0.0.1/${interfaceName}?side=consumer`);
}

/** Records every config value delivered, and lets a test wait for one. */
class ValueRecorder {
  readonly values: (string | undefined)[] = [];
  private waiters: { want: string | undefined; resolve: () => void }[] = [];

  readonly listener = (value: string | undefined): void => {
    this.values.push(value);
    this.waiters = this.waiters.filter((waiter) => {
      if (waiter.want !== value) return true;
      waiter.resolve();
      return false;
    });
  };

  until(want: string | undefined, timeoutMs: number): Promise<void> {
    if (this.values.length > 0 && this.values.at(-1) === want) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${String(want)}; got ${JSON.stringify(this.values)}`)), timeoutMs);
      this.waiters.push({
        want,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
}

describe('EtcdRegistry calls', () => {
  let server: TestServer;
  let registryUrl: string;
  let raw: Etcd3;
  const opened: Registry[] = [];

  function open(url = registryUrl): EtcdRegistry {
    const registry = createRegistry(url) as EtcdRegistry;
    opened.push(registry);
    return registry;
  }

  function keysUnder(interfaceName: string): Promise<string[]> {
    return raw.getAll().prefix(`/dubbo/${interfaceName}/providers/`).keys();
  }

  before(async () => {
    server = await startServer('etcd');
    registryUrl = `etcd://${server.address}?ttl=5&timeout=3000`;
    raw = new Etcd3({ hosts: `http://${server.address}` });
  });

  after(async () => {
    for (const registry of opened) await registry.close();
    raw?.close();
    await server?.dispose();
  });

  it('fails every call made after close() as REGISTRY_CLOSED naming the call, unregister included', async () => {
    const registry = open();
    const url = provider(20910, 'org.example.AfterClose');
    await registry.register(url);
    await registry.close();
    const calls: Record<string, () => Promise<unknown>> = {
      register: () => registry.register(url),
      unregister: () => registry.unregister(url),
      subscribe: () => registry.subscribe(consumerOf('org.example.AfterClose'), () => undefined),
      lookup: () => registry.lookup(consumerOf('org.example.AfterClose')),
      watchConfig: () => registry.watchConfig('org.example.AfterClose.configurators', () => undefined),
    };
    for (const [call, made] of Object.entries(calls)) {
      await assert.rejects(made(), (err) => isRpcError(err, ErrorCode.REGISTRY_CLOSED) && err.message === `${call}: registry closed`, call);
    }
  });

  it('unregisters a URL it never registered as a no-op, leaving other keys alone', async () => {
    const registry = open();
    await registry.register(provider(20911, 'org.example.NeverRegistered'));
    await registry.unregister(provider(20912, 'org.example.NeverRegistered'));
    assert.equal((await keysUnder('org.example.NeverRegistered')).length, 1);
  });

  it('keeps only the later key when the same provider registers twice at once on a fresh registry', async () => {
    const registry = open();
    const first = provider(20913, 'org.example.TwiceAtOnce', { timestamp: '1700000000' });
    const second = provider(20913, 'org.example.TwiceAtOnce', { timestamp: '1700000001' });
    const registering = [registry.register(first), registry.register(second)];
    await Promise.all(registering);
    await pollUntil(async () => (await keysUnder('org.example.TwiceAtOnce')).length === 1, WAIT_MS, 'the earlier key revoked');
    assert.deepEqual(await keysUnder('org.example.TwiceAtOnce'), [nodePath('dubbo', second)]);
  });

  it('delivers nothing more to a subscription once it is unsubscribed', async () => {
    const registry = open();
    const provider1 = provider(20914, 'org.example.Unsubscribed');
    const stopped = new ListRecorder();
    const unsubscribe = await registry.subscribe(consumerOf('org.example.Unsubscribed'), stopped.listener);
    const still = new ListRecorder();
    await registry.subscribe(consumerOf('org.example.Unsubscribed'), still.listener);
    await registry.register(provider1);
    await stopped.untilPorts([20914], WAIT_MS);
    await unsubscribe();
    await registry.register(provider(20915, 'org.example.Unsubscribed'));
    await still.untilPorts([20914, 20915], WAIT_MS);
    // A read sent after both subscriptions' reads: any delivery they caused has happened by now.
    await registry.lookup(consumerOf('org.example.Unsubscribed'));
    assert.equal(portsOf(stopped.last), '20914');
  });

  it('watches a config-center key: its value, an empty value or no key as undefined, and stops on unsubscribe', async () => {
    const registry = open();
    const key = 'org.example.Watched.configurators';
    const path = `/dubbo/config/dubbo/${key}`;
    await raw.put(path).value('first');
    const recorder = new ValueRecorder();
    const control = new ValueRecorder();
    const unsubscribe = await registry.watchConfig(key, recorder.listener);
    await registry.watchConfig(key, control.listener);
    assert.deepEqual(recorder.values, ['first'], 'the value is read once the watch is connected');
    await raw.put(path).value('');
    await recorder.until(undefined, WAIT_MS);
    await raw.put(path).value('second');
    await recorder.until('second', WAIT_MS);
    await raw.delete().key(path);
    await recorder.until(undefined, WAIT_MS);
    assert.deepEqual(recorder.values, ['first', undefined, 'second', undefined]);
    await unsubscribe();
    await raw.put(path).value('third');
    await control.until('third', WAIT_MS);
    await registry.lookup(consumerOf('org.example.Watched'));
    assert.deepEqual(recorder.values, ['first', undefined, 'second', undefined], 'nothing after unsubscribe');
  });

  it('closes cleanly with a config watch open, after which the watch is silent', async () => {
    const registry = open();
    const key = 'org.example.ClosedWatch.configurators';
    const recorder = new ValueRecorder();
    await registry.watchConfig(key, recorder.listener);
    await registry.close();
    assert.deepEqual(recorder.values, [undefined]);
  });

  it('deletes the key on unregister even when it no longer belongs to the registration\'s lease', async () => {
    const registry = open();
    const url = provider(20921, 'org.example.Detached');
    await registry.register(url);
    // Written again by someone else, without a lease: revoking the lease no longer removes it.
    await raw.put(nodePath('dubbo', url)).value('');
    await registry.unregister(url);
    assert.deepEqual(await keysUnder('org.example.Detached'), []);
  });

  it('resolves register(), reports no outage and leaves no key when unregister() runs after the lease was asked for but before the key was written', async () => {
    // unregister revokes the lease the put is waiting for: the put may then fail with "lease not
    // found", or succeed just before the revoke; a few rounds see both orders.
    const logger = recordingLogger();
    const registry = createRegistry(registryUrl, { logger });
    opened.push(registry);
    await registry.lookup(consumerOf('org.example.LateUnreg')); // connected
    for (let round = 0; round < 6; round++) {
      const url = provider(20922 + round * 100, 'org.example.LateUnreg');
      const registering = registry.register(url);
      // One turn of the event loop: the lease grant has been sent, the key's put (which waits for its answer) has not come back.
      await new Promise((resolve) => setImmediate(resolve));
      await registry.unregister(url);
      await registering;
      assert.deepEqual(await keysUnder('org.example.LateUnreg'), [], `round ${round}`);
      assert.deepEqual(logger.warnings, [], `round ${round}`);
    }
  });

  it('removes its keys when close() is called twice at once', async () => {
    const registry = open();
    await registry.register(provider(20923, 'org.example.TwoCloses'));
    await Promise.all([registry.close(), registry.close()]);
    assert.deepEqual(await keysUnder('org.example.TwoCloses'), []);
  });

  it('leaves no close() listener behind for a watch once it is connected (no MaxListenersExceededWarning after many)', async () => {
    const registry = open();
    const warnings = collectWarnings();
    try {
      for (let watch = 0; watch < 12; watch++) await registry.subscribe(consumerOf(`org.example.ManyWatches${watch}`), () => undefined);
      assert.deepEqual((await warnings.settled()).map((warning) => warning.name), []);
    } finally {
      warnings.stop();
    }
  });

  it('fails unregister as REGISTRY_UNAVAILABLE within the timeout once etcd stops answering', async (t) => {
    const proxy = await SilentProxy.start(server.port);
    t.after(() => proxy.close());
    const registry = open(`etcd://127.0.0.1:${proxy.port}?ttl=5&timeout=500`);
    const url = provider(20919, 'org.example.HungDelete');
    await registry.register(url);
    proxy.goSilent();
    // Once a call has timed out, the client is connected again, to a server that never answers.
    await assert.rejects(registry.lookup(consumerOf('org.example.HungDelete')), (err) => isRpcError(err, ErrorCode.REGISTRY_UNAVAILABLE));
    // Far above the 500 ms timeout: the delete must not wait for gRPC to give the connection up.
    const outcome = await outcomeWithin(registry.unregister(url), 10_000);
    assert.ok(isRpcError(outcome, ErrorCode.REGISTRY_UNAVAILABLE) && outcome.message.startsWith(`delete ${nodePath('dubbo', url)}: `), String(outcome));
  });

  it('lists only the direct children of the providers folder', async () => {
    const registry = open();
    const listed = provider(20916, 'org.example.Nested');
    const nested = provider(20917, 'org.example.Nested');
    await registry.register(listed);
    // Not provider nodes: a key naming the folder itself, and a key one level deeper whose
    // path below the folder still reads as a provider URL (its own '/' left unescaped).
    const escaped = queryEscape(rawUrlString(nested));
    assert.ok(escaped.includes('%3A20917%2Forg.example.Nested'));
    await raw.put('/dubbo/org.example.Nested/providers/').value('');
    await raw.put(`/dubbo/org.example.Nested/providers/${escaped.replace('%3A20917%2F', '%3A20917/')}`).value('');
    assert.deepEqual((await registry.lookup(consumerOf('org.example.Nested'))).map((url) => url.port), [20916]);
  });

  it('accepts a lease ttl of one second, and names the URL when the ttl is bad', () => {
    assert.ok(createRegistry(`etcd://127.0.0.1:2379?ttl=1`) instanceof EtcdRegistry);
    assert.throws(
      () => createRegistry('etcd://127.0.0.1:2379?ttl=-3'),
      (err) => isRpcError(err, ErrorCode.BAD_URL) && err.message.includes('ttl') && err.message.includes('127.0.0.1:2379'),
    );
  });

  it("answers to the 'etcdv3' scheme as well", async () => {
    const registry = open(`etcdv3://${server.address}?ttl=5`);
    assert.ok(registry instanceof EtcdRegistry);
    await registry.register(provider(20918, 'org.example.V3'));
    assert.equal((await keysUnder('org.example.V3')).length, 1);
  });
});
