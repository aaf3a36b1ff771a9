/**
 * The quickstart on ZooKeeper: two provider processes register ephemeral
 * nodes under /dubbo/org.example.quickstart.Greeter/providers, the consumer
 * registers itself under .../consumers, watches the providers, balances calls
 * over both and fails over when one is SIGKILLed. ZooKeeper drops the killed
 * provider's node when its session times out (4 s here, `session.timeout`).
 *
 *   ZK_ADDR=127.0.0.1:2181 node dist/examples/registry-zookeeper/main.js
 *
 * Without ZK_ADDR it starts a throwaway ZooKeeper with scripts/services/zookeeper.sh
 * (install it first: `bash scripts/services/zookeeper.sh install`) and stops it at the end.
 */
import { runDemo } from '../quickstart/demo.js';
import { withRegistryServer } from '../quickstart/throwaway-server.js';

async function main(): Promise<void> {
  const summary = await withRegistryServer('zookeeper', 'ZK_ADDR', (address) =>
    // 4 s is the shortest session a default ZooKeeper (tickTime 2 s) grants.
    runDemo({ registryUrl: `zookeeper://${address}?session.timeout=4s`, removalTimeoutMs: 30_000 }),
  );
  console.log(summary.failed === 0 ? '\nall calls succeeded' : `\n${summary.failed} calls failed`);
  if (summary.failed > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
