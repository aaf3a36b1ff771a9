/**
 * `consistenthash`: a Ketama ring (dubbo-go `cluster/loadbalance/consistenthashing/`). Each provider address is
 * placed `hash.nodes` times (default 160) on a 32-bit ring, four points per
 * MD5 digest of `address + i`; a call lands on the first point at or after the
 * hash of its key, the arguments at `hash.arguments` (default "0") joined.
 * Removing a provider therefore moves only the keys that sat on its points.
 */
import { createHash } from 'node:crypto';
import type { ServiceUrl } from '../../registry/service-url.js';
import type { Invocation } from '../invocation.js';
import type { Invoker } from '../invoker.js';
import { type LoadBalance, registerLoadBalance } from './load-balance.js';

/** Virtual nodes per provider when the URL has no `hash.nodes` param. */
export const DEFAULT_HASH_NODES = 160;
/** Argument indexes hashed when the URL has no `hash.arguments` param. */
export const DEFAULT_HASH_ARGUMENTS = '0';
/** Virtual nodes are capped here, so a hostile `hash.nodes` param cannot exhaust memory. */
export const MAX_HASH_NODES = 4096;
/** Rings kept at most; the oldest is dropped beyond this, so hostile method names cannot grow memory. */
const MAX_RINGS = 1024;

export class ConsistentHashLoadBalance implements LoadBalance {
  /** service+method → ring, rebuilt when the provider set changes. */
  private readonly rings = new Map<string, HashRing>();

  select(invokers: readonly Invoker[], invocation: Invocation): Invoker | undefined {
    if (invokers.length <= 1) return invokers[0];
    const ring = this.ringFor(invokers, invocation);
    return ring.lookup(ringKey(ring.argumentIndexes, invocation.args));
  }

  private ringFor(invokers: readonly Invoker[], invocation: Invocation): HashRing {
    const key = `${invocation.group ?? ''}/${invocation.interfaceName}:${invocation.version ?? ''}.${invocation.methodName}`;
    const identity = invokers.map((invoker) => invoker.url.toString()).join('\n');
    const cached = this.rings.get(key);
    if (cached?.identity === identity) return cached;
    const ring = new HashRing(invokers, invocation.methodName, identity);
    this.rings.delete(key);
    this.rings.set(key, ring);
    if (this.rings.size > MAX_RINGS) this.rings.delete(this.rings.keys().next().value!);
    return ring;
  }
}

/** A sorted ring of 32-bit points, each owned by one invoker. */
export class HashRing {
  readonly argumentIndexes: number[];
  private readonly points: Uint32Array;
  private readonly owners: Invoker[];

  constructor(invokers: readonly Invoker[], method: string, readonly identity: string) {
    const url = invokers[0]!.url;
    this.argumentIndexes = argumentIndexes(url, method);
    const placed = placeAll(invokers, virtualNodes(url, method));
    this.points = Uint32Array.from([...placed.keys()].sort((a, b) => a - b));
    this.owners = Array.from(this.points, (point) => placed.get(point)!);
  }

  /** The owner of the first point at or after the key's hash, wrapping around. */
  lookup(key: string): Invoker | undefined {
    const hash = md5Points(key)[0]!;
    let [low, high] = [0, this.points.length];
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.points[mid]! < hash) low = mid + 1;
      else high = mid;
    }
    return this.owners[low === this.points.length ? 0 : low];
  }
}

function placeAll(invokers: readonly Invoker[], nodes: number): Map<number, Invoker> {
  const placed = new Map<number, Invoker>();
  // Whole digests only: Java Dubbo's ConsistentHashSelector loops `i < replicaNumber / 4` in integer
  // arithmetic, so `hash.nodes=10` places 8 points there and must place 8 here too.
  const digests = Math.floor(nodes / 4);
  for (const invoker of invokers) {
    for (let i = 0; i < digests; i++) {
      for (const point of md5Points(`${invoker.url.address}${i}`)) placed.set(point, invoker);
    }
  }
  return placed;
}

/** The four little-endian 32-bit words of an MD5 digest, as Ketama reads them. */
function md5Points(text: string): number[] {
  const digest = createHash('md5').update(text).digest();
  return [0, 4, 8, 12].map((offset) => digest.readUInt32LE(offset));
}

function ringKey(indexes: readonly number[], args: readonly unknown[]): string {
  return indexes.map((index) => (index < args.length ? keyText(args[index]) : '')).join('');
}

function keyText(value: unknown): string {
  // null too is an object to typeof: JSON spells it "null", as String does.
  if (typeof value !== 'object') return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function virtualNodes(url: ServiceUrl, method: string): number {
  const nodes = Math.floor(url.getMethodParam(method, 'hash.nodes', DEFAULT_HASH_NODES));
  return nodes >= 4 ? Math.min(nodes, MAX_HASH_NODES) : DEFAULT_HASH_NODES;
}

function argumentIndexes(url: ServiceUrl, method: string): number[] {
  const text = url.getParam(`${method}.hash.arguments`) ?? url.getParam('hash.arguments', DEFAULT_HASH_ARGUMENTS);
  // Empty entries ("0,1," or "0,,1") name no argument, as in Java Dubbo, whose split drops them;
  // Number('') would read them as index 0.
  const parts = text.split(',').map((part) => part.trim());
  const indexes = parts.filter((part) => part !== '').map(Number);
  const valid = indexes.filter((index) => Number.isInteger(index) && index >= 0);
  return valid.length > 0 ? valid : [0];
}

registerLoadBalance('consistenthash', () => new ConsistentHashLoadBalance());
// dubbo-go spells it `consistenthashing`; Java Dubbo `consistenthash`. Accept both.
registerLoadBalance('consistenthashing', () => new ConsistentHashLoadBalance());
