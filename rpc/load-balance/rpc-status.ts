/**
 * In-flight and latency counters per provider and method: what Dubbo calls
 * RpcStatus and the `active` filter maintains (dubbo-go `protocol/rpc_status.go`, `filter/active/filter.go`). The
 * cluster invoker calls `begin` before and `end` after every attempt, so
 * `leastactive` and `p2c` see live numbers without a filter being configured.
 */
import type { ServiceUrl } from '../../registry/service-url.js';

/** Weight of the newest sample in the latency moving average. */
const EWMA_ALPHA = 0.3;

export class RpcStatus {
  /** Calls sent and not yet answered. */
  active = 0;
  /** Calls finished, with or without success. */
  total = 0;
  failed = 0;
  /** Exponentially weighted mean call time, in ms; 0 before the first sample. */
  latencyEwmaMs = 0;

  /**
   * The counters of `method` at the provider of `url` (created on first use).
   * The provider's table is remembered per URL object, so a call builds no
   * key string (docs/performance.md "RPC call path"); `forget` invalidates that.
   */
  static of(url: ServiceUrl, method: string): RpcStatus {
    const methods = methodsOf(url);
    let status = methods.get(method);
    if (!status) methods.set(method, (status = new RpcStatus()));
    return status;
  }

  /** Counts a call as in flight. */
  static begin(url: ServiceUrl, method: string): void {
    RpcStatus.of(url, method).active++;
  }

  /** Counts a call as finished after `elapsedMs`. */
  static end(url: ServiceUrl, method: string, elapsedMs: number, succeeded: boolean): void {
    RpcStatus.of(url, method).record(elapsedMs, succeeded);
  }

  /** Drops every counter of a provider (its invoker was destroyed), so the table stays bounded. */
  static forget(url: ServiceUrl): void {
    statuses.delete(providerKey(url));
    generation++;
  }

  /** Counts one call as finished after `elapsedMs` (what `end` does, on a status already looked up). */
  record(elapsedMs: number, succeeded: boolean): void {
    this.active = Math.max(0, this.active - 1);
    this.total++;
    if (!succeeded) this.failed++;
    const sample = Math.max(0, elapsedMs);
    this.latencyEwmaMs = this.total === 1 ? sample : this.latencyEwmaMs + EWMA_ALPHA * (sample - this.latencyEwmaMs);
  }
}

const statuses = new Map<string, Map<string, RpcStatus>>();

/** A URL object's provider table, valid while `generation` has not moved (no `forget` since). */
interface UrlStatuses {
  generation: number;
  methods: Map<string, RpcStatus>;
}
const byUrl = new WeakMap<ServiceUrl, UrlStatuses>();
let generation = 0;

function methodsOf(url: ServiceUrl): Map<string, RpcStatus> {
  const cached = byUrl.get(url);
  if (cached && cached.generation === generation) return cached.methods;
  const key = providerKey(url);
  let methods = statuses.get(key);
  if (!methods) statuses.set(key, (methods = new Map()));
  byUrl.set(url, { generation, methods });
  return methods;
}

/** One provider = one address + service path (never the timestamp or other params). */
export function providerKey(url: ServiceUrl): string {
  return `${url.protocol}://${url.address}/${url.path || url.interfaceName}`;
}
