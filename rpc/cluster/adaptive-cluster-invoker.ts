/**
 * Picks the cluster strategy per call when the reference does not name one:
 * the reference URL's `cluster` param, else the providers' (`cluster` is one
 * of the params a provider publishes, dubbo-go `registry/base_registry.go`), else `failover`.
 * Providers are only known after the registry answers, hence per call; one
 * joined invoker per strategy name is kept and reused.
 */
import type { Invocation } from '../invocation.js';
import type { Invoker } from '../invoker.js';
import { DEFAULT_CLUSTER, getCluster } from './cluster.js';
import type { Directory } from './directory/directory.js';
import { referenceParam } from './reference-params.js';

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

  private invokerFor(invocation: Invocation): Invoker {
    const provider = this.directory.list(invocation)[0]?.url;
    const name = referenceParam(this.url, provider, invocation.methodName, 'cluster') ?? DEFAULT_CLUSTER;
    let invoker = this.joined.get(name);
    if (!invoker) this.joined.set(name, (invoker = getCluster(name).join(this.directory)));
    if (this.destroyed) invoker.destroy();
    return invoker;
  }
}

/**
 * The one entry the rpc client needs: `clusterName` (from the reference
 * options) fixes the strategy; without it the strategy follows the URLs.
 * Throws INVALID_ARGUMENT for an unknown name.
 */
export function joinCluster(directory: Directory, clusterName?: string): Invoker {
  return clusterName ? getCluster(clusterName).join(directory) : new AdaptiveClusterInvoker(directory);
}
