import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { consumerUrl } from '../../registry/provider-url.js';
import { decodeNodeName, queryEscape } from '../../registry/registry-path.js';
import { createRegistry } from '../../registry/index.js';
import { RpcClient } from '../../rpc/client.js';
import { advertisedHost, isWildcardHost, localAddress } from '../../rpc/local-address.js';
import { RpcServer } from '../../rpc/server.js';
import { defineService } from '../../rpc/service.js';

const Hosts = defineService('org.example.Hosts', { ping: { params: [], returns: 'java.lang.String' } });

describe('localAddress', () => {
  it('is a non-internal IPv4 address of this machine, or 127.0.0.1 when it has none', () => {
    const external = Object.values(networkInterfaces())
      .flatMap((list) => list ?? [])
      .filter((address) => address.family === 'IPv4' && !address.internal)
      .map((address) => address.address);
    const host = localAddress();
    if (external.length === 0) assert.equal(host, '127.0.0.1');
    else assert.equal(host, external[0]);
  });

  it('replaces only wildcard listen addresses', () => {
    for (const wildcard of ['0.0.0.0', '::', '']) {
      assert.equal(isWildcardHost(wildcard), true);
      assert.equal(advertisedHost(wildcard), localAddress());
    }
    assert.equal(advertisedHost('127.0.0.1'), '127.0.0.1');
    assert.equal(advertisedHost('10.1.2.3'), '10.1.2.3');
  });
});

describe('hosts in registry URLs', () => {
  let dir: string;
  let registryUrl: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'getty-rpc-hosts-'));
    registryUrl = `file://${dir}?pollMs=100`;
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('a provider registers its advertiseHost, and defaults to the address it listens on', async () => {
    const listed = new RpcServer({ port: 0, registry: registryUrl, application: 'hosts' });
    const advertised = new RpcServer({ port: 0, registry: registryUrl, application: 'hosts', advertiseHost: '10.9.8.7' });
    const observer = createRegistry(registryUrl);
    try {
      for (const server of [listed, advertised]) {
        server.addService(Hosts, { ping: () => 'pong' });
        await server.start();
      }
      const urls = await observer.lookup(consumerUrl({ host: '127.0.0.1', interfaceName: Hosts.name, application: 'o' }));
      const hostByPort = new Map(urls.map((url) => [url.port, url.host]));
      assert.equal(hostByPort.get(listed.port), '127.0.0.1');
      assert.equal(hostByPort.get(advertised.port), '10.9.8.7');
    } finally {
      await Promise.all([listed.stop(), advertised.stop(), observer.close()]);
    }
  });

  it('a consumer publishes the host option, by default the local address', async () => {
    const byDefault = new RpcClient({ registry: registryUrl, application: 'default-host' });
    const pinned = new RpcClient({ registry: registryUrl, application: 'pinned-host', host: '10.4.4.4' });
    try {
      byDefault.refer(Hosts);
      pinned.refer(Hosts);
      const hosts = await consumerHosts(dir, 2);
      assert.deepEqual(hosts.sort(), [localAddress(), '10.4.4.4'].sort());
    } finally {
      await Promise.all([byDefault.close(), pinned.close()]);
    }
  });
});

/** The hosts of the consumer URLs the file registry holds for Hosts, once there are `count`. */
async function consumerHosts(dir: string, count: number): Promise<string[]> {
  const folder = join(dir, queryEscape(Hosts.name), 'consumers');
  let hosts: string[] = [];
  await untilAsync(async () => {
    const names = (await readdir(folder).catch(() => [] as string[])).filter((name) => name.endsWith('.json'));
    const records = await Promise.all(names.map((name) => readFile(join(folder, name), 'utf8')));
    hosts = records.map((text) => decodeNodeName((JSON.parse(text) as { url: string }).url).host);
    return hosts.length >= count;
  }, `${count} consumer entries`);
  return hosts;
}

async function untilAsync(condition: () => Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
