/**
 * EtcdRegistry across an etcd outage that ends with a fresh etcd (its data
 * dir lost): the watch reports the outage and the recovery through the
 * registry's logger, re-reads the providers once it is connected again (a
 * fresh etcd replays no events to a watch resuming at an old revision), and a
 * provider whose lease was given up while etcd was away is written again by
 * the retry schedule once etcd is back (dubbo-go `registry/etcdv3` re-registers
 * on a new lease the same way). First, on the same server: a watch that
 * close() overtook after it connected is cancelled, not left open on etcd.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import { createRegistry, type Registry } from '../../registry/index.js';
import { providerUrl } from '../../registry/provider-url.js';
import { nodePath } from '../../registry/registry-path.js';
import { ServiceUrl } from '../../registry/service-url.js';
import { ErrorCode, isRpcError } from '../../common/rpc-error.js';
import { CutProxy } from './helpers/cut-proxy.js';
import { recordingLogger } from './helpers/recording-logger.js';
import { startServer, type TestServer } from './helpers/servers.js';
import { ListRecorder, pollUntil, portsOf } from './helpers/wait.js';

const WAIT_MS = 20_000;
const TTL_SECONDS = 1;
const INTERFACE = 'org.example.Outage';

function provider(port: number, interfaceName = INTERFACE): ServiceUrl {
  return providerUrl({ host: '127.0.0.1', port, interfaceName, methods: ['sayHello'], application: 'etcd-outage' });
}

describe('EtcdRegistry across an outage ending with a fresh etcd', () => {
  let server: TestServer;
  let raw: Etcd3;
  let registry: Registry;

  before(async () => {
    server = await startServer('etcd');
    raw = new Etcd3({ hosts: `http://${server.address}` });
  });

  after(async () => {
    await registry?.close();
    raw?.close();
    await server?.dispose();
  });

  /** Watches etcd holds open, from its Prometheus metrics (this file's only watches are the registries'). */
  async function watchesOnServer(): Promise<number> {
    const metrics = await (await fetch(`http://${server.address}/metrics`)).text();
    const line = metrics.split('\n').find((entry) => entry.startsWith('etcd_debugging_mvcc_watcher_total '));
    assert.ok(line, 'etcd reports its watchers');
    return Number(line.split(' ')[1]);
  }

  it('cancels a watch that close() overtook once it was connected, and fails the call as closed', async () => {
    const calls: Record<string, (registry: Registry, listener: () => void) => Promise<unknown>> = {
      subscribe: (registry, listener) => registry.subscribe(ServiceUrl.parse('consumer://127.0.0.1/org.example.Overtaken?side=consumer'), listener),
      watchConfig: (registry, listener) => registry.watchConfig!('org.example.Overtaken.configurators', listener),
    };
    for (const [call, start] of Object.entries(calls)) {
      const logger = recordingLogger();
      const overtaken = createRegistry(`etcd://${server.address}?timeout=1000`, { logger });
      let closed: Promise<void> | undefined;
      // The first delivery comes from the read that follows the connected watch: close() runs after it.
      const starting = start(overtaken, () => {
        closed ??= overtaken.close();
      });
      await assert.rejects(starting, (err) => isRpcError(err, ErrorCode.REGISTRY_CLOSED) && err.message === `${call}: registry closed`);
      await closed;
      await pollUntil(async () => (await watchesOnServer()) === 0, 5000, `no ${call} watch left on etcd`);
      assert.deepEqual(logger.warnings, []);
    }
  });

  it('keeps following changes after etcd cancelled its watch for resuming at a compacted revision', async (t) => {
    const proxy = await CutProxy.start(server.port);
    const cutOff = createRegistry(`etcd://127.0.0.1:${proxy.port}?timeout=1000`, { logger: recordingLogger() });
    t.after(async () => {
      await cutOff.close();
      proxy.close();
    });
    const recorder = new ListRecorder();
    await cutOff.subscribe(ServiceUrl.parse('consumer://127.0.0.1/org.example.Compacted?side=consumer'), recorder.listener);
    // A provider's key holds its URL's timestamp (whole seconds): the key written is the one to delete later.
    const put = async (port: number): Promise<string> => {
      const key = nodePath('dubbo', provider(port, 'org.example.Compacted'));
      await raw.put(key).value('');
      return key;
    };
    await put(20950);
    await recorder.untilPorts([20950], WAIT_MS);
    // While the registry is cut off, history moves on and is compacted past where its watch stopped.
    proxy.cut();
    for (let write = 0; write < 3; write++) await raw.put('/etcd-outage/junk').value(String(write));
    await put(20951);
    const { header } = await raw.get('/etcd-outage/junk').exec();
    await raw.kv.compact({ revision: header.revision });
    proxy.restore();
    // The reconnection re-reads; etcd then cancels the resumed watch (its revision is compacted).
    await recorder.untilPorts([20950, 20951], WAIT_MS);
    await put(20952);
    await recorder.untilPorts([20950, 20951, 20952], WAIT_MS);
    // Read by the new watch, which is connected by now: further changes come as its events.
    const lastKey = await put(20953);
    await recorder.untilPorts([20950, 20951, 20952, 20953], WAIT_MS);
    await raw.delete().key(lastKey);
    await recorder.untilPorts([20950, 20951, 20952], WAIT_MS);
    // close() cancels the watch that took the cancelled one's place.
    await cutOff.close();
    await pollUntil(async () => (await watchesOnServer()) === 0, 5000, 'no watch left on etcd');
  });

  it('reports the watch lost and back, re-reads the providers on reconnection, and writes its own key again', async () => {
    const logger = recordingLogger();
    registry = createRegistry(`etcd://${server.address}?ttl=${TTL_SECONDS}&timeout=1000&retry.delay=200ms`, { logger });
    const recorder = new ListRecorder();
    await registry.subscribe(ServiceUrl.parse(`consumer://127.0.0.1/${INTERFACE}?side=consumer`), recorder.listener);
    const own = provider(20940);
    await registry.register(own);
    // A key without a lease, which a fresh etcd will not have.
    await raw.put(nodePath('dubbo', provider(20941))).value('');
    await recorder.untilPorts([20940, 20941], WAIT_MS);

    await server.stop();
    await pollUntil(() => logger.warnings.length > 0, WAIT_MS, 'the outage reported');
    assert.match(logger.warnings[0]!, new RegExp(`unreachable \\(watch /dubbo/${INTERFACE}/providers/\\): `));
    assert.doesNotMatch(logger.warnings[0]!, /watch stream lost/, "the stream's own error is the reason");
    // Longer than 2 x TTL: the client gives its lease up as lost while etcd is away, so its
    // first attempt to write the key again fails and only the retry schedule can bring it back.
    await new Promise((resolve) => setTimeout(resolve, TTL_SECONDS * 2000 + 500));
    await rm(join(server.dir, 'etcd-data'), { recursive: true, force: true });
    await server.start();

    await pollUntil(() => logger.infos.length > 0, WAIT_MS, 'the recovery reported');
    assert.match(logger.infos[0]!, /reachable again/);
    // The fresh etcd has no event for the lease-less key's loss: only a re-read shows it.
    await recorder.until((list) => !portsOf(list).includes('20941'), WAIT_MS, 'the lost key gone from the list');
    await pollUntil(async () => (await raw.getAll().prefix(`/dubbo/${INTERFACE}/providers/`).keys().catch((): string[] => [])).includes(nodePath('dubbo', own)), WAIT_MS, 'its own key written again');
  });
});
