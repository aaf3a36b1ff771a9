/**
 * The quickstart on etcd v3: two provider processes write their URLs under
 * /dubbo/org.example.quickstart.Greeter/providers/, each key bound to a lease
 * the provider keeps alive; the consumer registers under .../consumers,
 * watches the providers' prefix, balances calls over both and fails over when
 * one is SIGKILLed. etcd drops the killed provider's key once its lease
 * expires (`ttl`, 5 s here; dubbo-go's default is 30 s).
 *
 *   ETCD_ADDR=127.0.0.1:2379 node dist/examples/registry-etcd/main.js
 *
 * Without ETCD_ADDR it starts a throwaway etcd with scripts/services/etcd.sh
 * (install it first: `bash scripts/services/etcd.sh install`) and stops it at the end.
 */
import { runDemo } from '../quickstart/demo.js';
import { withRegistryServer } from '../quickstart/throwaway-server.js';

async function main(): Promise<void> {
  const summary = await withRegistryServer('etcd', 'ETCD_ADDR', (address) =>
    runDemo({ registryUrl: `etcd://${address}?ttl=5`, removalTimeoutMs: 30_000 }),
  );
  console.log(summary.failed === 0 ? '\nall calls succeeded' : `\n${summary.failed} calls failed`);
  if (summary.failed > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
