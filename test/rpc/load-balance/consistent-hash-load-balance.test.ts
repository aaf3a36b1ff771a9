import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Invoker } from '../../../rpc/invoker.js';
import { ConsistentHashLoadBalance } from '../../../rpc/load-balance/consistent-hash-load-balance.js';
import { invocation, TestInvoker, tally } from '../cluster/test-invoker.js';

const KEYS = Array.from({ length: 2000 }, (_, i) => `user-${i}`);

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
});
