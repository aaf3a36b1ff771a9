import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, RpcError } from '../../../../common/rpc-error.js';
import type { ServiceUrl } from '../../../../registry/service-url.js';
import { FailoverCluster } from '../../../../rpc/cluster/failover-cluster.js';
import { RegistryDirectory, type RegistryDirectoryOptions } from '../../../../rpc/cluster/directory/registry-directory.js';
import type { Invoker } from '../../../../rpc/invoker.js';
import { MemoryRegistry } from '../memory-registry.js';
import { consumerUrl, invocation, providerUrl, TestInvoker } from '../test-invoker.js';

/** An invoker factory that remembers every invoker it made. */
function factory() {
  const made: TestInvoker[] = [];
  const make = (url: ServiceUrl): Invoker => {
    const invoker = new TestInvoker(url.port, undefined, { ...url.params });
    made.push(invoker);
    return invoker;
  };
  return { made, make };
}

async function directoryOver(registries: MemoryRegistry[], consumer = consumerUrl(), options: RegistryDirectoryOptions = {}) {
  const invokers = factory();
  const directory = new RegistryDirectory(consumer, registries, invokers.make, options);
  return { directory, invokers };
}

const ports = (list: readonly Invoker[]) => list.map((invoker) => invoker.url.port).sort((a, b) => a - b);

describe('RegistryDirectory', () => {
  it('is ready once every registry delivered its first list', async () => {
    const [fast, slow] = [new MemoryRegistry('a'), new MemoryRegistry('b')];
    await slow.register(providerUrl(2));
    slow.holdFirstList = true;
    const { directory } = await directoryOver([fast, slow]);
    let ready = false;
    const readiness = directory.ready().then(() => (ready = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(ready, false);
    slow.release();
    await readiness;
    assert.deepEqual(ports(directory.list(invocation())), [2]);
    await directory.close();
  });

  it('keeps only providers of the requested group and version', async () => {
    const registry = new MemoryRegistry();
    await registry.register(providerUrl(1, { group: 'blue', version: '1.0.0' }));
    await registry.register(providerUrl(2, { group: 'blue', version: '2.0.0' }));
    await registry.register(providerUrl(3, { group: 'green', version: '1.0.0' }));
    await registry.register(providerUrl(4));
    const { directory } = await directoryOver([registry], consumerUrl({ group: 'blue', version: '1.0.0' }));
    await directory.ready();
    assert.deepEqual(ports(directory.list(invocation())), [1]);
    await directory.close();
  });

  it('reuses the invoker of a provider that re-registers with a new timestamp', async () => {
    const registry = new MemoryRegistry();
    await registry.register(providerUrl(1, { timestamp: '1000' }));
    const { directory, invokers } = await directoryOver([registry]);
    await directory.ready();
    // a restarted provider registers anew before its old entry expires: same address, new timestamp.
    await registry.register(providerUrl(1, { timestamp: '2000' }));
    await registry.unregister(providerUrl(1, { timestamp: '1000' }));
    assert.equal(invokers.made.length, 1);
    assert.equal(invokers.made[0]!.destroyed, false);
    assert.deepEqual(directory.list(invocation()), [invokers.made[0]]);
    await directory.close();
  });

  it('replaces the invoker when the provider config changes, destroying the old one', async () => {
    const registry = new MemoryRegistry();
    await registry.register(providerUrl(1, { weight: '100' }));
    const { directory, invokers } = await directoryOver([registry]);
    await directory.ready();
    await registry.register(providerUrl(1, { weight: '50' }));
    await registry.unregister(providerUrl(1, { weight: '100' }));
    assert.equal(invokers.made[0]!.destroyed, true);
    assert.equal(directory.list(invocation())[0]!.url.getParam('weight'), '50');
    await directory.close();
  });

  it('destroys the invoker of a provider that left', async () => {
    const registry = new MemoryRegistry();
    await registry.register(providerUrl(1));
    await registry.register(providerUrl(2));
    const { directory, invokers } = await directoryOver([registry]);
    await directory.ready();
    const changes: number[][] = [];
    directory.onChange((list) => changes.push(ports(list)));
    await registry.unregister(providerUrl(1));
    assert.deepEqual(ports(directory.list(invocation())), [2]);
    assert.deepEqual(invokers.made.map((invoker) => [invoker.port, invoker.destroyed]), [[1, true], [2, false]]);
    assert.deepEqual(changes, [[2]]);
    await directory.close();
  });

  it('keeps calling the last known providers while the registry is unreachable', async () => {
    const registry = new MemoryRegistry();
    await registry.register(providerUrl(1));
    await registry.register(providerUrl(2));
    const { directory } = await directoryOver([registry]);
    await directory.ready();
    const reference = new FailoverCluster().join(directory);
    registry.outage();
    registry.setProvidersWhileDown([providerUrl(3)]);
    for (let i = 0; i < 10; i++) assert.ok([1, 2].includes((await reference.invoke(invocation())) as number));
    registry.recover();
    assert.deepEqual(ports(directory.list(invocation())), [3]);
    reference.destroy();
    await directory.close();
  });

  it('merges several registries, listing a provider seen in both once', async () => {
    const [a, b] = [new MemoryRegistry('a'), new MemoryRegistry('b')];
    await a.register(providerUrl(1));
    await a.register(providerUrl(2, { timestamp: '1' }));
    await b.register(providerUrl(2, { timestamp: '2' }));
    await b.register(providerUrl(3));
    const { directory, invokers } = await directoryOver([a, b]);
    await directory.ready();
    assert.deepEqual(ports(directory.list(invocation())), [1, 2, 3]);
    assert.equal(invokers.made.length, 3);
    await a.unregister(providerUrl(2, { timestamp: '1' }));
    assert.deepEqual(ports(directory.list(invocation())), [1, 2, 3]);
    assert.equal(invokers.made.length, 3, 'b still lists port 2 with the same config: no new invoker');
    await directory.close();
  });

  it('empties on an empty list, unless emptyProtection keeps the last one', async () => {
    for (const emptyProtection of [false, true]) {
      const registry = new MemoryRegistry();
      await registry.register(providerUrl(1));
      const { directory } = await directoryOver([registry], consumerUrl(), { emptyProtection });
      await directory.ready();
      await registry.unregister(providerUrl(1));
      assert.equal(directory.list(invocation()).length, emptyProtection ? 1 : 0);
      await directory.close();
    }
  });

  it('rejects ready() with REGISTRY_UNAVAILABLE when a subscription fails', async () => {
    const registry = new MemoryRegistry();
    registry.outage();
    const { directory } = await directoryOver([registry]);
    await assert.rejects(directory.ready(), (err) => err instanceof RpcError && err.code === ErrorCode.REGISTRY_UNAVAILABLE);
    await directory.close();
  });

  it('skips and reports a provider URL the invoker factory refuses', async () => {
    const registry = new MemoryRegistry();
    await registry.register(providerUrl(1));
    await registry.register(providerUrl(2, { serialization: 'nonsense' }));
    const refused: string[] = [];
    const make = (url: ServiceUrl): Invoker => {
      if (url.getParam('serialization') === 'nonsense') throw new RpcError(ErrorCode.INVALID_ARGUMENT, 'unknown serialization');
      return new TestInvoker(url.port);
    };
    const directory = new RegistryDirectory(consumerUrl(), [registry], make, { onInvokerError: (url, err) => refused.push(`${url.port}:${err.code}`) });
    await directory.ready();
    assert.deepEqual(ports(directory.list(invocation())), [1]);
    assert.deepEqual(refused, ['2:INVALID_ARGUMENT']);
    await directory.close();
  });

  it('close() unsubscribes, destroys every invoker, rejects a pending ready() and is idempotent', async () => {
    const registry = new MemoryRegistry();
    await registry.register(providerUrl(1));
    const { directory, invokers } = await directoryOver([registry]);
    await directory.ready();
    const waiting = new MemoryRegistry('never');
    waiting.holdFirstList = true;
    const pending = new RegistryDirectory(consumerUrl(), [waiting], factory().make);
    const pendingReady = pending.ready();
    await Promise.all([directory.close(), directory.close(), pending.close()]);
    assert.equal(registry.subscriberCount, 0);
    assert.equal(waiting.subscriberCount, 0);
    assert.equal(invokers.made[0]!.destroyed, true);
    assert.deepEqual(directory.list(invocation()), []);
    assert.equal(directory.isAvailable(), false);
    await assert.rejects(pendingReady, { code: ErrorCode.CLIENT_CLOSED });
    await registry.register(providerUrl(2));
    assert.equal(invokers.made.length, 1, 'no invoker is made after close');
  });

  it('refuses to start without a registry', () => {
    assert.throws(() => new RegistryDirectory(consumerUrl(), [], factory().make), { code: ErrorCode.INVALID_ARGUMENT });
  });
});
