/**
 * Governance while calls run: three providers of com.example.DemoService
 * (regions hz and sh, and one tagged gray) and a consumer; the example writes
 * rules into ZooKeeper the way an operator or dubbo-admin does, and prints
 * who answers after each change (docs/governance.md).
 *
 *   ZK_ADDR=127.0.0.1:2181 node dist/examples/governance/main.js
 *
 * Without ZK_ADDR it starts a throwaway ZooKeeper with scripts/services/zookeeper.sh
 * (install it first: `bash scripts/services/zookeeper.sh install`) and stops it at the end.
 */
import zookeeper, { type Client } from 'node-zookeeper-client';
import { createRegistry } from '../../registry/index.js';
import { ServiceUrl } from '../../registry/service-url.js';
import { RpcClient } from '../../rpc/consumer/rpc-client.js';
import { withCallOptions } from '../../rpc/consumer/proxy.js';
import { RpcServer } from '../../rpc/provider/rpc-server.js';
import { defineService } from '../../rpc/service.js';
import { withRegistryServer } from '../quickstart/throwaway-server.js';

const Demo = defineService('com.example.DemoService', { whoAmI: { params: [], returns: 'java.lang.String' } });
type DemoProxy = { whoAmI(): Promise<string> };

const RULE_NODE = '/dubbo/config/dubbo/com.example.DemoService::.condition-router';

async function run(address: string): Promise<void> {
  const registry = `zookeeper://${address}`;
  const providers = await Promise.all(
    ([{ region: 'hz' }, { region: 'sh' }, { region: 'sh', 'dubbo.tag': 'gray' }] as Record<string, string>[]).map(async (parameters, index) => {
      const host = `127.0.0.${index + 1}`;
      const server = new RpcServer({ host, port: 0, registry, application: 'shop-provider' });
      server.addService(Demo, { whoAmI: () => `${host} (${parameters.region}${parameters['dubbo.tag'] ? ', gray' : ''})` }, { parameters });
      await server.start();
      return server;
    }),
  );
  const client = new RpcClient({ registry, application: 'shop-web' });
  const demo = client.refer(Demo, { retries: 0, loadbalance: 'random' }) as unknown as DemoProxy;
  const operator = createRegistry(registry);
  const zk = await connect(address);
  try {
    await show('no rules', demo);
    await show('calls tagged gray', withCallOptions(demo, { attachments: { 'dubbo.tag': 'gray' } }));

    await write(zk, RULE_NODE, 'scope: service\nkey: com.example.DemoService\nenabled: true\nforce: false\nconditions:\n  - "=> region = hz"');
    await show('condition rule "=> region = hz"', demo);
    await write(zk, RULE_NODE, 'scope: service\nkey: com.example.DemoService\nenabled: true\nconditions:\n  - "=> region = sh"');
    await show('changed to "=> region = sh"', demo);
    await write(zk, RULE_NODE, 'conditions: [this is not a rule');
    await show('a malformed rule (reported, the previous rule kept)', demo);
    await remove(zk, RULE_NODE);
    await show('rule deleted', demo);

    const provider2 = providers[1]!.serviceUrls()[0]!;
    const disable = ServiceUrl.parse(`override://${provider2.host}:${provider2.port}/com.example.DemoService?category=configurators&dynamic=false&enabled=true&disabled=true`);
    await operator.register(disable);
    await show('override disabled=true on 127.0.0.2', demo);
    await operator.unregister(disable);
    await show('override removed', demo);

    const appRule = '/dubbo/config/dubbo/shop-web.configurators';
    await write(zk, appRule, 'scope: application\nkey: shop-web\nenabled: true\nconfigs:\n  - side: consumer\n    parameters: {loadbalance: roundrobin}');
    await show("configurator loadbalance=roundrobin for shop-web (beats refer()'s random: even shares)", demo);
    await remove(zk, appRule);
    await show("configurator deleted (refer()'s random again)", demo);
  } finally {
    zk.close();
    await operator.close();
    await client.close();
    await Promise.all(providers.map((server) => server.stop()));
  }
}

/** Rules reach the consumer through a watch; a short pause lets the change land before counting. */
async function show(title: string, demo: DemoProxy): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 300));
  const counts = new Map<string, number>();
  for (let i = 0; i < 30; i++) {
    const who = await demo.whoAmI().catch((err: { code?: string }) => `failed: ${err.code}`);
    counts.set(who, (counts.get(who) ?? 0) + 1);
  }
  console.log(`${title}:`);
  for (const [who, count] of [...counts].sort()) console.log(`  ${who}: ${count} of 30`);
}

function connect(address: string): Promise<Client> {
  const zk = zookeeper.createClient(address, { sessionTimeout: 5000 });
  return new Promise((resolve) => {
    zk.once('connected', () => resolve(zk));
    zk.connect();
  });
}

function call(run: (done: (err: Error | null) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => run((err) => (err ? reject(err) : resolve())));
}

/** What `create` / `set` in zkCli do. */
async function write(zk: Client, path: string, text: string): Promise<void> {
  await call((done) => zk.mkdirp(path.slice(0, path.lastIndexOf('/')), (err) => done(err)));
  const data = Buffer.from(text);
  await call((done) => zk.create(path, data, zookeeper.CreateMode.PERSISTENT, (err) => done(err))).catch(() =>
    call((done) => (zk as Client & { setData(p: string, d: Buffer, v: number, cb: (err: Error | null) => void): void }).setData(path, data, -1, done)),
  );
}

async function remove(zk: Client, path: string): Promise<void> {
  await call((done) => zk.remove(path, -1, done));
}

withRegistryServer('zookeeper', 'ZK_ADDR', run).catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
