/**
 * Pay for what you use: importing any entry point of the package loads none of
 * the heavy optional parts (ZooKeeper and etcd clients, prom-client, snappy,
 * ws, protobufjs); each loads when a URL, filter or option asks for it. Runs
 * in fresh child processes against the bundled entry points in dist/lib (what
 * `npm install getty-rpc` gives) and reads require.cache there.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const LIB = fileURLToPath(new URL('../../lib/', import.meta.url));
const PROTO = fileURLToPath(new URL('../../../examples/protobuf/greeter.proto', import.meta.url));
const HEAVY = ['etcd3', 'node-zookeeper-client', 'prom-client', 'snappy', 'ws', 'protobufjs'];

/** Runs `body` (an async function body with `lib`, `loaded()` in scope) in a fresh node; resolves with what it prints. */
function inChild(body: string): Promise<unknown> {
  const code = `
    import { createRequire } from 'node:module';
    const require = createRequire(import.meta.url);
    const lib = (entry) => import(${JSON.stringify(LIB)} + entry + '.js');
    const loaded = () => ${JSON.stringify(HEAVY)}.filter((name) => Object.keys(require.cache).some((file) => file.includes('/node_modules/' + name + '/')));
    const result = await (async () => { ${body} })();
    console.log(JSON.stringify(result));`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', code], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

describe('optional parts load on first use', () => {
  it('importing every entry point loads none of them', async () => {
    const loaded = await inChild(`
      for (const entry of ['index', 'plugin', 'protocol', 'registry', 'transport']) await lib(entry);
      return loaded();`);
    assert.deepEqual(loaded, []);
  });

  it('a zookeeper:// or etcd:// registry loads its client when first used, not when created', async () => {
    const steps = await inChild(`
      const { createRegistry } = await lib('registry');
      const zk = createRegistry('zookeeper://127.0.0.1:1?timeout=300ms');
      const etcd = createRegistry('etcd://127.0.0.1:1?timeout=300ms');
      const created = loaded();
      const { consumerUrl } = await lib('registry');
      const consumer = consumerUrl({ host: '127.0.0.1', interfaceName: 'org.example.Nobody', application: 'lazy-test' });
      const codes = [];
      for (const registry of [zk, etcd]) {
        await registry.lookup(consumer).then(() => codes.push('OK'), (err) => codes.push(err.code));
        await registry.close();
      }
      return { created, used: loaded(), codes };`);
    const { created, used, codes } = steps as { created: string[]; used: string[]; codes: string[] };
    assert.deepEqual(created, []);
    // etcd3's gRPC stack brings protobufjs along.
    assert.deepEqual(used.filter((name) => name !== 'protobufjs'), ['etcd3', 'node-zookeeper-client']);
    assert.deepEqual(codes, ['REGISTRY_UNAVAILABLE', 'REGISTRY_UNAVAILABLE']);
  });

  it('metricsFilter() loads prom-client and records into its global registry by default', async () => {
    const steps = await inChild(`
      const { metricsFilter } = await lib('index');
      const before = loaded();
      const filter = metricsFilter({ side: 'consumer' });
      await filter({ interfaceName: 'org.example.S', methodName: 'm', parameterTypes: [], args: [], attachments: {} }, async () => 'ok');
      const text = await require('prom-client').register.metrics();
      return { before, after: loaded(), recorded: /rpc_calls_total\\{side="consumer",service="org.example.S",method="m",outcome="OK"\\} 1/.test(text) };`);
    assert.deepEqual(steps, { before: [], after: ['prom-client'], recorded: true });
  });

  it('a WebSocket server loads ws, a .proto loads protobufjs', async () => {
    const steps = await inChild(`
      const { createWsServer } = await lib('transport');
      const server = createWsServer({ host: '127.0.0.1', port: 0 });
      const afterWs = loaded();
      await server.close();
      const { loadProtoService } = await lib('index');
      loadProtoService(${JSON.stringify(PROTO)});
      return { afterWs, afterProto: loaded() };`);
    assert.deepEqual(steps, { afterWs: ['ws'], afterProto: ['ws', 'protobufjs'] });
  });
});
