/**
 * Three provider PROCESSES on a registry, a consumer streaming 5 000 calls
 * with failover, and one provider SIGKILLed mid-stream: every call must
 * succeed (go-anchors §5.2: failover retries on another provider). Run on the
 * embedded file registry and on a real ZooKeeper. The test reports how many
 * calls each provider answered.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { consumerUrl } from '../../registry/provider-url.js';
import { createRegistry, type Registry } from '../../registry/index.js';
import { RpcClient } from '../../rpc/client.js';
import { pollUntil } from '../registry/helpers/wait.js';
import { startServer } from '../registry/helpers/servers.js';
import { WhoAmI } from './fixtures/echo-service.js';
import { type RpcProviderChild, startRpcProvider } from './rpc-provider-child.js';

const TOTAL_CALLS = 5000;
const IN_FLIGHT = 32;
const KILL_AFTER_REPLIES = 1500;

interface Backend {
  registryUrl: string;
  dispose(): Promise<void>;
}

async function fileBackend(): Promise<Backend> {
  const dir = await mkdtemp(join(tmpdir(), 'getty-rpc-failover-'));
  return { registryUrl: `file://${dir}?pollMs=200`, dispose: () => rm(dir, { recursive: true, force: true }) };
}

async function zookeeperBackend(): Promise<Backend> {
  // A 500 ms tick lets the killed provider's 2 s session (and so its node) expire quickly.
  const zk = await startServer('zookeeper', { zkTickTimeMs: 500 });
  return { registryUrl: `zookeeper://${zk.address}?session.timeout=2s`, dispose: () => zk.dispose() };
}

interface StreamOutcome {
  answeredBy: Map<string, number>;
  failures: unknown[];
  /** Replies from the victim that left it after its process was gone (must be 0). */
  victimAfterDeath: number;
  /** Replies after the victim's process was gone: the kill really happened mid-stream. */
  repliesAfterDeath: number;
}

/** Streams TOTAL_CALLS with IN_FLIGHT outstanding; SIGKILLs `victim` after KILL_AFTER_REPLIES replies. */
async function streamWithKill(call: (seq: number) => Promise<string>, victim: RpcProviderChild): Promise<StreamOutcome> {
  const outcome: StreamOutcome = { answeredBy: new Map(), failures: [], victimAfterDeath: 0, repliesAfterDeath: 0 };
  let next = 0;
  let replies = 0;
  let killing: Promise<void> | undefined;
  let dead = false;
  const worker = async () => {
    while (next < TOTAL_CALLS) {
      const seq = next++;
      try {
        const name = await call(seq);
        outcome.answeredBy.set(name, (outcome.answeredBy.get(name) ?? 0) + 1);
        if (dead) outcome.repliesAfterDeath++;
        if (dead && name === victim.name) outcome.victimAfterDeath++;
        if (++replies === KILL_AFTER_REPLIES) killing = victim.kill().then(() => void (dead = true));
      } catch (err) {
        outcome.failures.push(err);
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  await killing;
  return outcome;
}

async function runScenario(t: TestContext, backend: Backend): Promise<void> {
  const providers: RpcProviderChild[] = [];
  const client = new RpcClient({ registry: backend.registryUrl, application: 'failover-consumer' });
  const observer = createRegistry(backend.registryUrl);
  try {
    // allSettled: providers that did start are stopped in `finally` even if another one failed.
    const started = await Promise.allSettled(['p1', 'p2', 'p3'].map((name) => startRpcProvider(backend.registryUrl, name)));
    for (const result of started) if (result.status === 'fulfilled') providers.push(result.value);
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    t.diagnostic(`provider start-up (fork to registered): ${providers.map((p) => `${p.name} ${p.startMs.toFixed(0)} ms`).join(', ')}`);
    const ref = client.refer(WhoAmI, { cluster: 'failover', retries: 2 });
    const victim = providers[1]!;

    const began = performance.now();
    const outcome = await streamWithKill(async (seq) => (await ref.whoami(seq)) ?? '', victim);
    const elapsedMs = performance.now() - began;
    const counts = [...outcome.answeredBy].sort().map(([name, n]) => `${name}=${n}`).join(' ');
    t.diagnostic(`${TOTAL_CALLS} calls in ${elapsedMs.toFixed(0)} ms; answered by ${counts}; ${victim.name} SIGKILLed after ${KILL_AFTER_REPLIES} replies, ${outcome.repliesAfterDeath} replies after its exit`);

    assert.deepEqual(outcome.failures.map(String).slice(0, 3), [], 'every call succeeded');
    assert.equal([...outcome.answeredBy.values()].reduce((a, b) => a + b, 0), TOTAL_CALLS);
    for (const p of providers) assert.ok((outcome.answeredBy.get(p.name) ?? 0) > 0, `${p.name} answered some calls`);
    assert.equal(outcome.victimAfterDeath, 0, 'no reply from the dead provider');
    assert.ok(outcome.repliesAfterDeath > 1000, `the stream went on after the kill (${outcome.repliesAfterDeath} replies)`);
    assert.ok(outcome.answeredBy.get(victim.name)! < TOTAL_CALLS / 2, 'the survivors took the stream over');

    // The registry forgets the killed provider by itself (file: dead pid; ZooKeeper: session expiry).
    await pollUntil(async () => !(await listedPorts(observer)).includes(victim.port), 20_000, `${victim.name} gone from the registry`, 200);
  } finally {
    await client.close({ graceMs: 500 });
    await Promise.all(providers.map((p) => p.stop()));
    await observer.close();
  }
}

async function listedPorts(registry: Registry): Promise<number[]> {
  const providers = await registry.lookup(consumerUrl({ host: '127.0.0.1', interfaceName: WhoAmI.name, application: 'observer' }));
  return providers.map((url) => url.port);
}

describe('failover while a provider process is SIGKILLed mid-stream', () => {
  it(`on the file registry: all ${TOTAL_CALLS} calls succeed over three provider processes`, { timeout: 120_000 }, async (t) => {
    const backend = await fileBackend();
    try {
      await runScenario(t, backend);
    } finally {
      await backend.dispose();
    }
  });

  it(`on ZooKeeper: all ${TOTAL_CALLS} calls succeed over three provider processes`, { timeout: 150_000 }, async (t) => {
    const backend = await zookeeperBackend();
    try {
      await runScenario(t, backend);
    } finally {
      await backend.dispose();
    }
  });
});
