/**
 * Fault tolerance: a Cluster joins a Directory into one Invoker that hides
 * the choice of provider and the handling of failures (dubbo-go `cluster/cluster/cluster.go`). Each
 * strategy is one file that calls `registerCluster(name, factory)` when
 * imported; rpc/cluster/index.ts imports them all.
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import type { Invoker } from '../invoker.js';
import type { Directory } from './directory/directory.js';

export interface Cluster {
  /** One invoker over the directory. Destroying it destroys the directory. */
  join(directory: Directory): Invoker;
}

export type ClusterFactory = () => Cluster;

/** The strategy used when neither the reference nor the provider names one (dubbo-go `common/constant/default.go`). */
export const DEFAULT_CLUSTER = 'failover';

const factories = new Map<string, ClusterFactory>();

/** Called by each strategy's own file. A later registration replaces an earlier one. */
export function registerCluster(name: string, factory: ClusterFactory): void {
  factories.set(name, factory);
}

/** A new cluster of the strategy registered as `name`; throws INVALID_ARGUMENT for unknown names. */
export function getCluster(name: string): Cluster {
  const factory = factories.get(name);
  if (!factory) {
    throw new RpcError(ErrorCode.INVALID_ARGUMENT, `no cluster '${name}' (known: ${clusterNames().join(', ')})`);
  }
  return factory();
}

/** Whether a strategy is registered as `name`. */
export function hasCluster(name: string): boolean {
  return factories.has(name);
}

/** Names of every registered strategy. */
export function clusterNames(): string[] {
  return [...factories.keys()];
}
