/**
 * EtcdRegistry when etcd cannot be used: a port nobody listens on (every
 * connection refused at once) and a server that accepts connections and never
 * answers (SilentProxy, silent from the start: a hung etcd). Every call must
 * settle within the registry's timeout, fail as REGISTRY_UNAVAILABLE naming
 * what it was doing, and report the outage through the registry's own logger
 * (Java Dubbo's `EtcdRegistry` and dubbo-go `registry/etcdv3` bound their
 * client calls the same way).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../common/rpc-error.js';
import { createRegistry, type Registry } from '../../registry/index.js';
import { providerUrl } from '../../registry/provider-url.js';
import { nodePath } from '../../registry/registry-path.js';
import type { RegistryHooks } from '../../registry/registry.js';
import { ServiceUrl } from '../../registry/service-url.js';
import { outcomeWithin } from './helpers/closing-race.js';
import { recordingLogger } from './helpers/recording-logger.js';
import { freePort } from './helpers/servers.js';
import { SilentProxy } from './helpers/silent-proxy.js';

/** Far more than any call below may take (each is bounded by a 500 ms timeout), far less than the test timeout. */
const SETTLE_MS = 10_000;

function provider(interfaceName: string): ServiceUrl {
  return providerUrl({ host: '127.0.0.1', port: 20920, interfaceName, methods: ['sayHello'], application: 'etcd-unreachable' });
}

function consumerOf(interfaceName: string): ServiceUrl {
  return ServiceUrl.parse(`consumer://127.0.0.1/${interfaceName}?side=consumer`);
}

function failsWith(prefix: string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(isRpcError(err, ErrorCode.REGISTRY_UNAVAILABLE), String(err));
    assert.ok(err.message.startsWith(prefix), `'${err.message}' should start with '${prefix}'`);
    return true;
  };
}

/**
 * A unary call to an etcd that never answers: the registry's own deadline and the gRPC deadline
 * it gives the call (both the registry timeout) race, and either may report first; both name
 * the step.
 */
function unaryTimedOut(step: string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(isRpcError(err, ErrorCode.REGISTRY_UNAVAILABLE), String(err));
    assert.match(err.message, new RegExp(`^${step.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: (no answer within 500 ms|4 DEADLINE_EXCEEDED)`));
    return true;
  };
}

/** Waits for `pending`, which must settle within SETTLE_MS; rethrows its error. */
async function settled(pending: Promise<unknown>): Promise<void> {
  const outcome = await outcomeWithin(pending, SETTLE_MS);
  assert.notEqual(outcome, 'still pending');
  if (outcome !== 'resolved') throw outcome;
}

describe('EtcdRegistry with etcd unreachable', () => {
  const opened: Registry[] = [];

  function open(url: string, hooks?: RegistryHooks): Registry {
    const registry = createRegistry(url, hooks);
    opened.push(registry);
    return registry;
  }

  after(async () => {
    for (const registry of opened) await settled(registry.close());
  });

  describe('connections refused', () => {
    let address: string;

    before(async () => {
      address = `127.0.0.1:${await freePort()}`;
    });

    it("reports a failed register to the registry's logger, names the interface, and forgets the registration", async () => {
      const logger = recordingLogger();
      const registry = open(`etcd://${address}?timeout=500`, { logger });
      const url = provider('org.example.Refused');
      await assert.rejects(registry.register(url), failsWith('register org.example.Refused: '));
      assert.equal(logger.warnings.length, 1);
      assert.match(logger.warnings[0]!, /unreachable \(register\): register org\.example\.Refused: /);
      // Nothing to delete: unregister does not go to etcd (which would fail).
      await registry.unregister(url);
    });

    it('names the folder a failed lookup listed, and reports the refusal on every call (no circuit breaker in between)', async () => {
      const registry = open(`etcd://${address}?timeout=500`);
      for (let call = 0; call < 5; call++) {
        await assert.rejects(registry.lookup(consumerOf('org.example.Refused')), (err) => {
          failsWith('list /dubbo/org.example.Refused/providers/: ')(err);
          assert.match((err as Error).message, /ECONNREFUSED/, `call ${call}`);
          return true;
        });
      }
    });
  });

  describe('a server that never answers', () => {
    let silent: SilentProxy;
    let registryUrl: string;

    before(async () => {
      silent = await SilentProxy.start(await freePort());
      silent.goSilent();
      registryUrl = `etcd://127.0.0.1:${silent.port}?timeout=500`;
    });

    after(() => silent?.close());

    it('fails each call after the timeout, naming the step that got no answer', async () => {
      const registry = open(registryUrl);
      const url = provider('org.example.Silent');
      await settled(assert.rejects(registry.register(url), unaryTimedOut(`put ${nodePath('dubbo', url)}`)));
      await settled(assert.rejects(registry.lookup(consumerOf('org.example.Silent')), unaryTimedOut('list /dubbo/org.example.Silent/providers/')));
      // A watch is connected before the first read: the watch is what times out.
      await settled(assert.rejects(registry.subscribe(consumerOf('org.example.Silent'), () => undefined), failsWith('watch /dubbo/org.example.Silent/providers/: no answer within 500 ms')));
      await settled(
        assert.rejects(registry.watchConfig!('org.example.Silent.configurators', () => undefined), failsWith('watch /dubbo/config/dubbo/org.example.Silent.configurators: no answer within 500 ms')),
      );
      await settled(assert.rejects(registry.subscribe(consumerOf('org.example.Silent'), () => undefined), failsWith('watch /dubbo/org.example.Silent/providers/')));
      await settled(registry.close());
    });

    it('fails a watch waiting for its answer at once when close() runs', async (t) => {
      // A proxy of its own: gRPC shares connections per address, and this watch must open a new one.
      const own = await SilentProxy.start(await freePort());
      own.goSilent();
      t.after(() => own.close());
      const registry = open(`etcd://127.0.0.1:${own.port}?timeout=20000`);
      const asked = own.untilSilentRequest((bytes) => bytes.toString('latin1').startsWith('PRI * HTTP/2.0'));
      const subscribing = registry.subscribe(consumerOf('org.example.SilentClose'), () => undefined);
      await asked;
      const closing = registry.close();
      // Well within the 20 s timeout: the watch must not wait for it.
      const outcome = await outcomeWithin(subscribing, 5000);
      assert.ok(isRpcError(outcome, ErrorCode.REGISTRY_CLOSED) && outcome.message === 'subscribe: registry closed', String(outcome));
      await settled(closing);
    });
  });
});
