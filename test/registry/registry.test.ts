import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_LOGGER, type Logger } from '../../common/diagnostics.js';
import { ErrorCode, isRpcError } from '../../common/rpc-error.js';
import '../../registry/index.js';
import { DirectRegistry } from '../../registry/direct.js';
import { CONFIG_CENTER_PATH, checkRegistryUrls, configPath, createRegistry, type RegistryHooks, registerRegistryType, registryTypes } from '../../registry/registry.js';
import { ServiceUrl } from '../../registry/service-url.js';

const invalid = (message: string) => (err: unknown) => isRpcError(err, ErrorCode.INVALID_ARGUMENT) && err.message === message;

describe('configPath', () => {
  it('puts a config-center key under the Dubbo 3 config root', () => {
    assert.equal(CONFIG_CENTER_PATH, '/dubbo/config/dubbo');
    assert.equal(configPath('app.condition-router'), '/dubbo/config/dubbo/app.condition-router');
    assert.equal(configPath('...'), '/dubbo/config/dubbo/...');
    assert.equal(configPath('k'.repeat(512)), `/dubbo/config/dubbo/${'k'.repeat(512)}`);
  });

  it('refuses keys that would leave the folder or are too long, quoting at most 100 characters', () => {
    for (const key of ['', '.', '..', 'a/b', '/', 'k'.repeat(513)]) {
      assert.throws(
        () => configPath(key),
        (err) => isRpcError(err, ErrorCode.BAD_URL) && err.message === `bad config-center key '${key.slice(0, 100)}'`,
        key.slice(0, 20),
      );
    }
  });
});

describe('registry types', () => {
  it('lists the types the implementations registered', () => {
    const types = registryTypes();
    for (const type of ['zookeeper', 'etcd', 'file', 'dubbo', 'direct']) assert.ok(types.includes(type), type);
  });

  it('accepts registry URLs of known types and returns them as given', () => {
    const urls = ['zookeeper://127.0.0.1:2181', 'dubbo://127.0.0.1:20880', 'direct://h:1'];
    assert.equal(checkRegistryUrls(urls), urls);
    assert.deepEqual(checkRegistryUrls([]), []);
  });

  it('refuses an unknown registry type when it is given, listing the known ones', () => {
    const known = registryTypes().join(', ');
    assert.throws(() => checkRegistryUrls(['zookeeper://h:1', 'zk://h:2181']), invalid(`no registry type 'zk' in zk://h:2181 (known: ${known})`));
    assert.throws(() => createRegistry('nacos://127.0.0.1:8848'), invalid(`no registry type 'nacos' (known: ${known})`));
  });

  it('creates a registry from a URL object as well as from text', async () => {
    const registry = createRegistry(ServiceUrl.parse('direct://127.0.0.1:20880/a.B'));
    const [provider] = await registry.lookup(ServiceUrl.parse('consumer://h/a.B'));
    assert.equal(provider!.address, '127.0.0.1:20880');
    await registry.close();
  });

  it("hands a plugin's factory the parsed URL and the logger, the default one when none is given", () => {
    const seen: Array<{ url: ServiceUrl; hooks: Required<RegistryHooks> }> = [];
    registerRegistryType('probe', (url, hooks) => {
      seen.push({ url, hooks });
      return new DirectRegistry(url);
    });
    const logger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
    createRegistry('probe://127.0.0.1:1/a.B', { logger });
    createRegistry('probe://127.0.0.1:2/a.B');
    assert.deepEqual(
      seen.map(({ url }) => url.port),
      [1, 2],
    );
    assert.equal(seen[0]!.hooks.logger, logger);
    assert.equal(seen[1]!.hooks.logger, DEFAULT_LOGGER);
    assert.ok(registryTypes().includes('probe'));
  });
});
