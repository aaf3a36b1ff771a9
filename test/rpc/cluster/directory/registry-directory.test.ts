import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, RpcError } from '../../../../common/rpc-error.js';
import { ServiceUrl } from '../../../../registry/service-url.js';
import { joinCluster } from '../../../../rpc/cluster/adaptive-cluster-invoker.js';
import { FailoverCluster } from '../../../../rpc/cluster/failover-cluster.js';
import { RegistryDirectory, type RegistryDirectoryOptions } from '../../../../rpc/cluster/directory/registry-directory.js';
import type { Invoker } from '../../../../rpc/invoker.js';
import { MemoryRegistry } from '../memory-registry.js';
import { consumerUrl, invocation, providerUrl, SERVICE, TestInvoker } from '../test-invoker.js';

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

  it('keeps the invoker of a provider whose params come in another order', async () => {
    const registry = new MemoryRegistry();
    const params = { a: '1', b: '2', c: '3', d: '4', e: '5' };
    await registry.register(providerUrl(1, { ...params, timestamp: '1' }));
    const { directory, invokers } = await directoryOver([registry]);
    await directory.ready();
    const reordered = Object.fromEntries(Object.entries(params).reverse());
    await registry.register(providerUrl(1, { timestamp: '2', ...reordered }));
    await registry.unregister(providerUrl(1, { ...params, timestamp: '1' }));
    assert.equal(invokers.made.length, 1);
    assert.equal(invokers.made[0]!.destroyed, false);
    await directory.close();
  });

  it('takes a provider listed by two registries with different configs from the first registry', async () => {
    const [a, b] = [new MemoryRegistry('a'), new MemoryRegistry('b')];
    await a.register(providerUrl(1, { weight: '100' }));
    await b.register(providerUrl(1, { weight: '50' }));
    const { directory } = await directoryOver([a, b]);
    await directory.ready();
    assert.deepEqual(directory.list(invocation()).map((invoker) => invoker.url.getParam('weight')), ['100']);
    await directory.close();
  });

  it('lists what the answered registries give while another has not answered', async () => {
    const [fast, slow] = [new MemoryRegistry('a'), new MemoryRegistry('b')];
    await fast.register(providerUrl(1));
    slow.holdFirstList = true;
    const refused: string[] = [];
    const directory = new RegistryDirectory(consumerUrl(), [fast, slow], factory().make, { onInvokerError: (url, err) => refused.push(`${url}: ${err.message}`) });
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(ports(directory.list(invocation())), [1]);
    assert.deepEqual(refused, []);
    await directory.close();
  });

  it('tells listeners only about real changes, and stops telling one that unsubscribed', async () => {
    const registry = new MemoryRegistry();
    await registry.register(providerUrl(1, { timestamp: '1' }));
    const make = (url: ServiceUrl): Invoker => {
      if (url.port === 9) throw new RpcError(ErrorCode.INVALID_ARGUMENT, 'refused');
      return new TestInvoker(url.port);
    };
    const directory = new RegistryDirectory(consumerUrl(), [registry], make, { governance: { enabled: false } });
    await directory.ready();
    const [kept, dropped]: number[][][] = [[], []];
    directory.onChange((list) => kept.push(ports(list)));
    const stop = directory.onChange((list) => dropped.push(ports(list)));
    await registry.register(providerUrl(1, { timestamp: '2' }));
    await registry.unregister(providerUrl(1, { timestamp: '1' }));
    await registry.register(providerUrl(9));
    assert.deepEqual(kept, [], 'a new timestamp and a refused provider change nothing');
    stop();
    await registry.register(providerUrl(2));
    assert.deepEqual(kept, [[1, 2]]);
    assert.deepEqual(dropped, []);
    await directory.close();
  });

  it('skips a provider the factory refuses when no onInvokerError is given', async () => {
    const registry = new MemoryRegistry();
    await registry.register(providerUrl(1));
    await registry.register(providerUrl(2, { serialization: 'nonsense' }));
    const make = (url: ServiceUrl): Invoker => {
      if (url.getParam('serialization') === 'nonsense') throw new RpcError(ErrorCode.INVALID_ARGUMENT, 'unknown serialization');
      return new TestInvoker(url.port);
    };
    const directory = new RegistryDirectory(consumerUrl(), [registry], make);
    await directory.ready();
    assert.deepEqual(ports(directory.list(invocation())), [1]);
    await directory.close();
  });

  it('is available while one of its providers is, and reports first() and isDestroyed', async () => {
    const registry = new MemoryRegistry();
    await registry.register(providerUrl(1));
    await registry.register(providerUrl(2));
    const { directory, invokers } = await directoryOver([registry]);
    await directory.ready();
    assert.equal(directory.first(), invokers.made[0]);
    invokers.made[0]!.available = false;
    assert.equal(directory.isAvailable(), true);
    invokers.made[1]!.available = false;
    assert.equal(directory.isAvailable(), false);
    invokers.made[1]!.available = true;
    assert.equal(directory.isDestroyed, false);
    directory.destroy();
    assert.equal(directory.isDestroyed, true);
    assert.equal(directory.isAvailable(), false);
    assert.deepEqual(invokers.made.map((invoker) => invoker.destroyed), [true, true], 'destroy() destroys the invokers at once');
    await directory.close();
  });

  it('ignores a list delivered after close() began', async () => {
    const registry = new MemoryRegistry();
    await registry.register(providerUrl(1));
    const { directory, invokers } = await directoryOver([registry]);
    await directory.ready();
    const closing = directory.close();
    await registry.register(providerUrl(2));
    await closing;
    assert.equal(invokers.made.length, 1);
    assert.deepEqual(directory.list(invocation()), []);
  });

  it('says which registry failed and why when a subscription fails', async () => {
    const registry = new MemoryRegistry('down');
    registry.outage();
    const { directory } = await directoryOver([registry]);
    await assert.rejects(directory.ready(), (err: RpcError) => {
      assert.equal(err.message, 'subscribe to memory://down failed: down is unreachable');
      assert.equal((err.cause as RpcError).code, ErrorCode.REGISTRY_UNAVAILABLE);
      return true;
    });
    await directory.close();
    const waiting = new MemoryRegistry('never');
    waiting.holdFirstList = true;
    const pending = new RegistryDirectory(consumerUrl(), [waiting], factory().make);
    const ready = pending.ready();
    await pending.close();
    await assert.rejects(ready, { code: ErrorCode.CLIENT_CLOSED, message: 'directory destroyed before the registries answered' });
    assert.throws(() => new RegistryDirectory(consumerUrl(), [], factory().make), { message: 'RegistryDirectory needs at least one registry' });
  });
});

describe('RegistryDirectory governance', () => {
  const disable = (port: number) => ServiceUrl.parse(`override://127.0.0.1:${port}/${SERVICE}?category=configurators&dynamic=false&enabled=true&disabled=true`);

  it('applies a configurator written after it started, telling listeners', async () => {
    const registry = new MemoryRegistry();
    await registry.register(providerUrl(1));
    await registry.register(providerUrl(2));
    const { directory } = await directoryOver([registry]);
    await directory.ready();
    assert.ok(directory.governanceRules);
    const changes: number[][] = [];
    directory.onChange((list) => changes.push(ports(list)));
    registry.setRules('configurators', [disable(1)]);
    assert.deepEqual(ports(directory.list(invocation())), [2]);
    assert.deepEqual(changes, [[2]]);
    await directory.close();
    registry.setRules('configurators', []);
    assert.deepEqual(changes, [[2]], 'nothing is published after close');
  });

  it('obeys the rules present at start once ready', async () => {
    const registry = new MemoryRegistry();
    await registry.register(providerUrl(1));
    await registry.register(providerUrl(2));
    registry.setRules('configurators', [disable(2)]);
    const { directory } = await directoryOver([registry]);
    await directory.ready();
    assert.deepEqual(ports(directory.list(invocation())), [1]);
    await directory.close();
  });

  it('ignores the rules with governance disabled', async () => {
    const registry = new MemoryRegistry();
    await registry.register(providerUrl(1));
    await registry.register(providerUrl(2));
    registry.setRules('configurators', [disable(2)]);
    const { directory } = await directoryOver([registry], consumerUrl(), { governance: { enabled: false } });
    await directory.ready();
    assert.equal(directory.governanceRules, undefined);
    registry.setRules('configurators', [disable(1)]);
    assert.deepEqual(ports(directory.list(invocation())), [1, 2]);
    await directory.close();
  });
});

describe('RegistryDirectory NO_PROVIDER message', () => {
  const noProvider = async (directory: RegistryDirectory) => {
    const reference = joinCluster(directory, 'failfast');
    const err = (await reference.invoke(invocation()).then(
      () => assert.fail('the call succeeded'),
      (error: unknown) => error,
    )) as RpcError;
    assert.equal(err.code, ErrorCode.NO_PROVIDER);
    return err.message;
  };

  it('names the versions and groups the registry lists, counting each, disabled ones marked', async () => {
    const registry = new MemoryRegistry();
    await registry.register(providerUrl(1, { version: '2.0.0' }));
    await registry.register(providerUrl(2, { version: '2.0.0' }));
    await registry.register(providerUrl(3, { version: '1.0.0', group: 'blue', enabled: 'false' }));
    await registry.register(providerUrl(4, { interface: 'org.example.Other', version: '1.0.0' }));
    const { directory } = await directoryOver([registry], consumerUrl({ version: '1.0.0' }));
    await directory.ready();
    assert.equal(
      await noProvider(directory),
      `no provider available for ${SERVICE}.echo: wanted version '1.0.0' group ''; the registry lists 3 provider(s) of ${SERVICE}: ` +
        "version '2.0.0' group '' x2, version '1.0.0' group 'blue' (disabled) x1",
    );
    await directory.close();
  });

  it('says when the registry lists no provider of the interface', async () => {
    const registry = new MemoryRegistry();
    await registry.register(providerUrl(4, { interface: 'org.example.Other' }));
    const { directory } = await directoryOver([registry], consumerUrl({ group: 'g' }));
    await directory.ready();
    assert.equal(await noProvider(directory), `no provider available for ${SERVICE}.echo: wanted version '' group 'g'; the registry lists no provider of ${SERVICE}`);
    await directory.close();
  });

  it('counts providers of every interface for a generic (*) reference', async () => {
    const registry = new MemoryRegistry();
    await registry.register(providerUrl(4, { interface: 'org.example.Other' }));
    const { directory } = await directoryOver([registry], consumerUrl({ interface: '*', version: '9' }));
    await directory.ready();
    assert.match(await noProvider(directory), /the registry lists 1 provider\(s\) of \*: version '' group '' x1$/);
    await directory.close();
  });

  it('names ten variants at most, and how many more there are', async () => {
    const registry = new MemoryRegistry();
    for (let i = 1; i <= 12; i++) await registry.register(providerUrl(i, { version: `${i}` }));
    const { directory } = await directoryOver([registry], consumerUrl({ version: '0' }));
    await directory.ready();
    const shown = Array.from({ length: 10 }, (_, i) => `version '${i + 1}' group '' x1`).join(', ');
    assert.ok((await noProvider(directory)).endsWith(`the registry lists 12 provider(s) of ${SERVICE}: ${shown}, and 2 more`));
    await directory.close();
    await registry.unregister(providerUrl(11, { version: '11' }));
    await registry.unregister(providerUrl(12, { version: '12' }));
    const exactlyTen = (await directoryOver([registry], consumerUrl({ version: '0' }))).directory;
    await exactlyTen.ready();
    assert.ok((await noProvider(exactlyTen)).endsWith(`the registry lists 10 provider(s) of ${SERVICE}: ${shown}`));
    await exactlyTen.close();
  });

  it('says when no registry has answered yet, and counts those that did', async () => {
    const [fast, slow] = [new MemoryRegistry('a'), new MemoryRegistry('b')];
    fast.holdFirstList = true;
    slow.holdFirstList = true;
    await fast.register(providerUrl(1, { version: '2' }));
    const { directory } = await directoryOver([fast, slow], consumerUrl({ version: '1' }));
    await new Promise((resolve) => setImmediate(resolve));
    assert.match(await noProvider(directory), /wanted version '1' group ''; no registry has answered yet$/);
    fast.release();
    assert.match(await noProvider(directory), /the registry lists 1 provider\(s\) of .*: version '2' group '' x1$/);
    await directory.close();
  });
});
