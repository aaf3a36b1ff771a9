/**
 * The registry-based deployment demo shared by the quickstart (file
 * registry) and the ZooKeeper / etcd examples: two provider processes
 * register, a consumer discovers them through the registry, spreads calls
 * over both, and keeps every call succeeding when one provider crashes.
 */
import { RpcClient } from '../../rpc/client.js';
import { formatCounts, type StreamResult, streamCalls } from './call-stream.js';
import { Greeter, providerOf } from './greeter.js';
import { ProviderHandle } from './provider-handle.js';
import { ProviderWatch } from './provider-watch.js';

export interface DemoOptions {
  /** Where providers register and the consumer looks, e.g. `file:///tmp/reg`, `zookeeper://127.0.0.1:2181`. */
  registryUrl: string;
  /** How long the registry may take to drop the crashed provider, ms (default 30 000). */
  removalTimeoutMs?: number;
  /** Calls of the throughput phase (default 4000). */
  throughputCalls?: number;
  log?: (line: string) => void;
}

export interface DemoSummary {
  /** Calls that failed, over every phase; the demo succeeded when 0. */
  failed: number;
  callsPerSecond: number;
  failover: StreamResult;
}

const PROVIDERS = ['provider-1', 'provider-2'] as const;

export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const log = options.log ?? console.log;
  log(`registry: ${options.registryUrl}`);
  const watch = await ProviderWatch.open(options.registryUrl, Greeter.name, (ports) => log(`  [registry] providers now: ${ports.length ? ports.map((port) => `127.0.0.1:${port}`).join(', ') : 'none'}`));
  const providers: ProviderHandle[] = [];
  let client: RpcClient | undefined;
  try {
    // allSettled: a provider that did start is stopped below even if the other one failed.
    const started = await Promise.allSettled(PROVIDERS.map((name) => ProviderHandle.start(options.registryUrl, name)));
    for (const result of started) if (result.status === 'fulfilled') providers.push(result.value);
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    for (const p of providers) log(`${p.name} (pid ${p.pid}) serves 127.0.0.1:${p.port}, registered ${p.startMs.toFixed(0)} ms after fork`);
    await watch.until((ports) => ports.length === providers.length, 10_000, 'both providers');

    client = new RpcClient({ registry: options.registryUrl, application: 'quickstart-consumer' });
    return await runPhases(client, providers, watch, options, log);
  } finally {
    log('\nshutting down: consumer, then the remaining provider (it unregisters first)');
    await client?.close({ graceMs: 1000 });
    await Promise.all(providers.map((p) => p.stop()));
    await watch.close();
  }
}

async function runPhases(client: RpcClient, providers: ProviderHandle[], watch: ProviderWatch, options: DemoOptions, log: (line: string) => void): Promise<DemoSummary> {
  const greeter = client.refer(Greeter, { loadbalance: 'roundrobin' });
  const call = async (index: number) => providerOf((await greeter.sayHello(`caller-${index}`)) ?? '');

  const firstBegan = performance.now();
  log(`\nconsumer: ${await greeter.sayHello('quickstart')}  (first call, discovery + connect: ${(performance.now() - firstBegan).toFixed(0)} ms)`);

  log('\n1) load balancing (round robin), 10 calls:');
  const balanced = await streamCalls({ total: 10, inFlight: 1, call, onReply: (n, by) => log(`  call ${n} answered by ${by}`) });
  log(`  => ${formatCounts(balanced.answeredBy)}`);

  const throughputCalls = options.throughputCalls ?? 4000;
  const burst = await streamCalls({ total: throughputCalls, inFlight: 32, call });
  const callsPerSecond = Math.round((throughputCalls - burst.failed) / (burst.elapsedMs / 1000));
  log(`\n2) ${throughputCalls} calls, 32 in flight: ${burst.elapsedMs.toFixed(0)} ms, ${callsPerSecond} calls/s (${formatCounts(burst.answeredBy)})`);

  const failover = await crashMidStream(providers[1]!, call, log);
  const removal = await waitForRemoval(watch, providers[1]!, options.removalTimeoutMs ?? 30_000);
  log(`  the registry dropped ${providers[1]!.name} ${removal.toFixed(0)} ms after the crash`);

  log(`\n4) after the crash, 10 calls:`);
  const after = await streamCalls({ total: 10, inFlight: 1, call });
  log(`  => ${formatCounts(after.answeredBy)}`);

  const failed = balanced.failed + burst.failed + failover.failed + after.failed;
  return { failed, callsPerSecond, failover };
}

const FAILOVER_CALLS = 1000;
const CRASH_AFTER = 250;

/** SIGKILLs `victim` once CRASH_AFTER replies came back, while the stream goes on. */
async function crashMidStream(victim: ProviderHandle, call: (index: number) => Promise<string>, log: (line: string) => void): Promise<StreamResult> {
  log(`\n3) failover: ${FAILOVER_CALLS} calls, 16 in flight; ${victim.name} is SIGKILLed after ${CRASH_AFTER} replies`);
  let crash: Promise<void> | undefined;
  const result = await streamCalls({
    total: FAILOVER_CALLS,
    inFlight: 16,
    call,
    onReply: (replies) => {
      if (replies === CRASH_AFTER) crash = victim.kill().then(() => log(`  ${victim.name} killed (pid ${victim.pid})`));
    },
  });
  await crash;
  log(`  => ${FAILOVER_CALLS - result.failed} of ${FAILOVER_CALLS} calls succeeded (${formatCounts(result.answeredBy)}), ${result.failed} failed`);
  if (result.firstError) log(`  first failure: ${String(result.firstError)}`);
  return result;
}

/** Waits for the registry to forget the crashed provider; resolves with ms since the crash. */
async function waitForRemoval(watch: ProviderWatch, victim: ProviderHandle, timeoutMs: number): Promise<number> {
  await watch.until((ports) => !ports.includes(victim.port), timeoutMs, `${victim.name} gone`);
  return performance.now() - (victim.killedAt ?? performance.now());
}
