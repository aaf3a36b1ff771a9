/**
 * Picks the cluster strategy per call: a governance rule's `cluster`
 * (rpc/governance, written on the providers this consumer sees), else the
 * reference's own (`refer(..., { cluster })`), else the providers' (`cluster`
 * is one of the params a provider publishes, dubbo-go `registry/base_registry.go`),
 * else `failover`. Providers and rules are only known after the registry
 * answers, and change while calls flow, hence per call: a rule switching
 * failover to failfast takes effect on the next call. One joined invoker per
 * strategy name is kept and reused. Java Dubbo fixes the strategy when the
 * reference is made; following the rule at runtime is what an operator who
 * writes `cluster` into a configurator expects.
 */
import type { Invocation } from '../invocation.js';
import type { Invoker } from '../invoker.js';
import { DEFAULT_CLUSTER, getCluster, hasCluster } from './cluster.js';
import type { Directory } from './directory/directory.js';
import { callParam, referenceParam } from './reference-params.js';

export class AdaptiveClusterInvoker implements Invoker {
  private readonly joined = new Map<string, Invoker>();
  private destroyed = false;

  constructor(readonly directory: Directory) {}

  get url() {
    return this.directory.url;
  }

  isAvailable(): boolean {
    return !this.destroyed && this.directory.isAvailable();
  }

  invoke(invocation: Invocation): Promise<unknown> {
    return this.invokerFor(invocation).invoke(invocation);
  }

  /** Destroys the joined invokers and the directory. Idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const invoker of this.joined.values()) invoker.destroy();
    this.directory.destroy();
  }

  /** Per call: the directory's first invoker (no routing), two memoized param lookups, one map lookup; nothing allocated. */
  private invokerFor(invocation: Invocation): Invoker {
    const first = this.directory.first ? this.directory.first() : this.directory.list(invocation)[0];
    const name = callParam(this.url, first, invocation.methodName, 'cluster') ?? DEFAULT_CLUSTER;
    return this.joined.get(name) ?? this.join(name, first, invocation);
  }

  /**
   * The first call with `name`. A name no strategy is registered under (a
   * rule's typo, another framework's strategy on a provider URL) gives the
   * reference's own choice, else the default, rather than failing every call.
   */
  private join(name: string, first: Invoker | undefined, invocation: Invocation): Invoker {
    let chosen = name;
    if (!hasCluster(chosen)) chosen = referenceParam(this.url, first?.url, invocation.methodName, 'cluster') ?? DEFAULT_CLUSTER;
    if (!hasCluster(chosen)) chosen = DEFAULT_CLUSTER;
    let invoker = this.joined.get(chosen);
    if (!invoker) this.joined.set(chosen, (invoker = getCluster(chosen).join(this.directory)));
    if (chosen !== name) this.joined.set(name, invoker);
    if (this.destroyed) invoker.destroy();
    return invoker;
  }
}

/**
 * The one entry the rpc client needs: `clusterName` (from the reference
 * options) fixes the strategy; without it the strategy follows the URLs and
 * the rules. Throws INVALID_ARGUMENT for an unknown name.
 */
export function joinCluster(directory: Directory, clusterName?: string): Invoker {
  return clusterName ? getCluster(clusterName).join(directory) : new AdaptiveClusterInvoker(directory);
}
