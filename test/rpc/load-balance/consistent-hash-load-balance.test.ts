import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { UrlParams } from '../../../registry/service-url.js';
import type { Invoker } from '../../../rpc/invoker.js';
import { ConsistentHashLoadBalance } from '../../../rpc/load-balance/consistent-hash-load-balance.js';
import { getLoadBalance } from '../../../rpc/load-balance/load-balance.js';
import { invocation, TestInvoker, tally } from '../cluster/test-invoker.js';

const KEYS = Array.from({ length: 2000 }, (_, i) => `user-${i}`);

/**
 * The provider Java Dubbo's ConsistentHashLoadBalance picks for `key`, restated from its
 * ConsistentHashSelector: `replicaNumber / 4` (integer) MD5 digests of `address + i` per
 * provider, four little-endian words each on a TreeMap, and `ceilingEntry` of the key's first
 * word, else the first entry. A Java consumer and ours must send a key to the same provider.
 */
function javaDubboPort(invokers: readonly TestInvoker[], nodes: number, key: string): number {
  const ring: [number, number][] = [];
  for (const invoker of invokers) {
    for (let i = 0; i < Math.trunc(nodes / 4); i++) {
      const digest = md5(`${invoker.url.address}${i}`);
      for (let word = 0; word < 4; word++) ring.push([digest.readUInt32LE(word * 4), invoker.port]);
    }
  }
  ring.sort((a, b) => a[0] - b[0]);
  const hash = md5(key).readUInt32LE(0);
  return (ring.find(([point]) => point >= hash) ?? ring[0]!)[1];
}

function md5(text: string): Buffer {
  return createHash('md5').update(text).digest();
}

/** Keys whose hash is exactly a virtual node of some provider (the ceiling is the node itself). */
function keysOnNodes(invokers: readonly TestInvoker[], nodes: number): string[] {
  return invokers.flatMap((invoker) => Array.from({ length: Math.trunc(nodes / 4) }, (_, i) => `${invoker.url.address}${i}`));
}

function providersWith(basePort: number, params: UrlParams): TestInvoker[] {
  return [1, 2, 3, 4].map((i) => new TestInvoker(basePort + i, undefined, params));
}

function route(balancer: ConsistentHashLoadBalance, invokers: Invoker[], keys = KEYS): Map<string, number> {
  return new Map(keys.map((key) => [key, balancer.select(invokers, invocation('find', [key]))!.url.port]));
}

describe('ConsistentHashLoadBalance', () => {
  const providers = [1, 2, 3, 4].map((i) => new TestInvoker(40000 + i));

  it('keeps a key on one provider, call after call', () => {
    const balancer = new ConsistentHashLoadBalance();
    const ports = new Set(Array.from({ length: 50 }, () => balancer.select(providers, invocation('find', ['alice']))!.url.port));
    assert.equal(ports.size, 1);
  });

  it('spreads keys over every provider', () => {
    const counts = tally([...route(new ConsistentHashLoadBalance(), providers).values()].map((port) => providers.find((p) => p.port === port)));
    for (const provider of providers) assert.ok((counts.get(provider.port) ?? 0) > 200, `${provider.port}: ${counts.get(provider.port)}`);
  });

  it('remaps only the keys of a removed provider', () => {
    const balancer = new ConsistentHashLoadBalance();
    const before = route(balancer, providers);
    const removed = providers[1]!.port;
    const after = route(balancer, providers.filter((p) => p.port !== removed));
    let moved = 0;
    for (const [key, port] of before) {
      if (port === removed) moved++;
      else assert.equal(after.get(key), port, `${key} moved although its provider stayed`);
      assert.notEqual(after.get(key), removed);
    }
    assert.ok(moved > 0);
  });

  it('does not depend on the order providers are listed in', () => {
    const forward = route(new ConsistentHashLoadBalance(), providers, KEYS.slice(0, 300));
    const reversed = route(new ConsistentHashLoadBalance(), [...providers].reverse(), KEYS.slice(0, 300));
    assert.deepEqual(reversed, forward);
  });

  it('hashes the arguments named by hash.arguments', () => {
    const byArg1 = [1, 2, 3].map((i) => new TestInvoker(41000 + i, undefined, { 'hash.arguments': '1' }));
    const balancer = new ConsistentHashLoadBalance();
    const ports = new Set(Array.from({ length: 40 }, (_, i) => balancer.select(byArg1, invocation('find', [`noise-${i}`, 'tenant-7']))!.url.port));
    assert.equal(ports.size, 1);
  });

  it('caps hash.nodes so a hostile provider URL cannot exhaust memory', () => {
    const hostile = [1, 2].map((i) => new TestInvoker(42000 + i, undefined, { 'hash.nodes': '1000000000' }));
    assert.ok(new ConsistentHashLoadBalance().select(hostile, invocation('find', ['k'])));
  });

  it('routes every key where Java Dubbo would, for the hash.nodes a provider sets', () => {
    // [hash.nodes param, ring size used]: below 4 (no whole digest) falls back to 160.
    const cases: [string | undefined, number][] = [[undefined, 160], ['8', 8], ['10', 8], ['4', 4], ['2', 160], ['0', 160]];
    for (const [param, nodes] of cases) {
      const invokers = providersWith(43000, param === undefined ? {} : { 'hash.nodes': param });
      const balancer = new ConsistentHashLoadBalance();
      for (const key of [...KEYS.slice(0, 200), ...keysOnNodes(invokers, nodes)]) {
        const port = balancer.select(invokers, invocation('find', [key]))?.url.port;
        assert.equal(port, javaDubboPort(invokers, nodes, key), `hash.nodes=${param}, key ${key}`);
      }
    }
  });

  it('reads a method-scoped hash.nodes for that method only', () => {
    const invokers = providersWith(43100, { 'find.hash.nodes': '8' });
    const balancer = new ConsistentHashLoadBalance();
    for (const key of keysOnNodes(invokers, 8)) {
      assert.equal(balancer.select(invokers, invocation('find', [key]))?.url.port, javaDubboPort(invokers, 8, key));
    }
    for (const key of keysOnNodes(invokers, 160)) {
      assert.equal(balancer.select(invokers, invocation('other', [key]))?.url.port, javaDubboPort(invokers, 160, key));
    }
  });

  it('joins the arguments hash.arguments names, in its order, as Java Dubbo does', () => {
    // [hash.arguments, the key Java Dubbo builds from (a, b)]: indexes past the arguments, empty,
    // negative or non-integer entries add nothing; no valid index at all means argument 0.
    const cases: [string, (a: string, b: string) => string][] = [
      ['1, 0', (a, b) => b + a],
      ['0,1', (a, b) => a + b],
      ['0,1,', (a, b) => a + b],
      ['0,1, ', (a, b) => a + b],
      ['0,,1', (a, b) => a + b],
      ['0,2,5', (a) => a],
      ['x,-1,1.5,0', (a) => a],
      ['-1', (a) => a],
      ['x', (a) => a],
    ];
    for (const [param, javaKey] of cases) {
      const invokers = providersWith(43200, { 'hash.arguments': param });
      const balancer = new ConsistentHashLoadBalance();
      for (const [a, b] of KEYS.slice(0, 100).map((key) => [`${key}-a`, `${key}-b`] as const)) {
        const port = balancer.select(invokers, invocation('find', [a, b]))?.url.port;
        assert.equal(port, javaDubboPort(invokers, 160, javaKey(a, b)), `hash.arguments=${JSON.stringify(param)}, args ${a}, ${b}`);
      }
    }
  });

  it('reads a method-scoped hash.arguments for that method only, with one balancer for both', () => {
    const invokers = providersWith(43300, { 'find.hash.arguments': '1' });
    const balancer = new ConsistentHashLoadBalance();
    for (const key of KEYS.slice(0, 100)) {
      const args = [`${key}-a`, `${key}-b`];
      assert.equal(balancer.select(invokers, invocation('find', args))?.url.port, javaDubboPort(invokers, 160, args[1]!), 'find hashes argument 1');
      assert.equal(balancer.select(invokers, invocation('other', args))?.url.port, javaDubboPort(invokers, 160, args[0]!), 'other hashes argument 0');
    }
  });

  it('hashes object arguments by their content: equal objects together, different ones spread', () => {
    const balancer = new ConsistentHashLoadBalance();
    const portOf = (arg: unknown) => balancer.select(providers, invocation('find', [arg]))!.url.port;
    const counts = tally(Array.from({ length: 400 }, (_, id) => balancer.select(providers, invocation('find', [{ id }]))));
    for (const provider of providers) assert.ok((counts.get(provider.port) ?? 0) > 40, `${provider.port}: ${counts.get(provider.port)}`);
    for (let id = 0; id < 50; id++) assert.equal(portOf({ id }), portOf({ id }));
    // Numbers, booleans, null and undefined hash as their text, as Java's toString would.
    for (const value of [42, true, null, undefined]) assert.equal(portOf(value), javaDubboPort(providers, 160, String(value)));
  });

  it('rebuilds the ring when a provider is replaced by another (same count)', () => {
    const balancer = new ConsistentHashLoadBalance();
    route(balancer, providers, KEYS.slice(0, 200));
    const replaced = [...providers.slice(0, 3), new TestInvoker(40005)];
    for (const key of KEYS.slice(0, 200)) {
      assert.equal(balancer.select(replaced, invocation('find', [key]))?.url.port, javaDubboPort(replaced, 160, key), key);
    }
  });

  it('returns undefined for no providers and the only provider for one', () => {
    const balancer = new ConsistentHashLoadBalance();
    assert.equal(balancer.select([], invocation('find', ['k'])), undefined);
    assert.equal(balancer.select([providers[0]!], invocation('find', ['k'])), providers[0]);
  });

  it('is registered as consistenthash (Java Dubbo) and consistenthashing (dubbo-go)', () => {
    assert.ok(getLoadBalance('consistenthash') instanceof ConsistentHashLoadBalance);
    assert.ok(getLoadBalance('consistenthashing') instanceof ConsistentHashLoadBalance);
  });
});
