/**
 * EtcdRegistry when the etcd3 package cannot be loaded (an install without the
 * optional client): the registry loads etcd3 on first use, so the failure
 * reaches the calls, as REGISTRY_UNAVAILABLE naming the package and keeping
 * the loader's error as its cause. A module resolve hook of this process makes
 * every `import('etcd3')` fail; nothing else is changed.
 */
import assert from 'node:assert/strict';
import { register } from 'node:module';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../common/rpc-error.js';
import { createRegistry } from '../../registry/index.js';
import { providerUrl } from '../../registry/provider-url.js';
import { ServiceUrl } from '../../registry/service-url.js';

const HOOK = `export async function resolve(specifier, context, next) {
  if (specifier === 'etcd3') throw new Error('etcd3 withheld by the test');
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(HOOK)}`);

function cannotLoad(err: unknown): boolean {
  assert.ok(isRpcError(err, ErrorCode.REGISTRY_UNAVAILABLE), String(err));
  assert.equal(err.message, 'cannot load etcd3: etcd3 withheld by the test');
  assert.equal((err.cause as Error | undefined)?.message, 'etcd3 withheld by the test');
  return true;
}

describe('EtcdRegistry without the etcd3 package', () => {
  it('fails register, subscribe and watchConfig as REGISTRY_UNAVAILABLE naming etcd3', async () => {
    // No server is contacted: the port is never dialled.
    const registry = createRegistry('etcd://127.0.0.1:1?timeout=500');
    const consumer = ServiceUrl.parse('consumer://127.0.0.1/org.example.NoClient?side=consumer');
    await assert.rejects(registry.register(providerUrl({ host: '127.0.0.1', port: 20930, interfaceName: 'org.example.NoClient', methods: ['sayHello'], application: 'no-client' })), cannotLoad);
    await assert.rejects(registry.subscribe(consumer, () => undefined), cannotLoad);
    await assert.rejects(registry.watchConfig!('org.example.NoClient.configurators', () => undefined), cannotLoad);
    await registry.close();
  });
});
