/**
 * `available` (dubbo-go `cluster/cluster/available/`): the first provider that reports itself
 * available takes the call, with no load balancing; NO_PROVIDER when none does.
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import type { Invocation } from '../invocation.js';
import { type Cluster, registerCluster } from './cluster.js';
import { ClusterInvoker, serviceOf } from './cluster-invoker.js';
import type { Directory } from './directory/directory.js';

export class AvailableClusterInvoker extends ClusterInvoker {
  protected doInvoke(invocation: Invocation): Promise<unknown> {
    const invoker = this.listInvokers(invocation).find((candidate) => candidate.isAvailable());
    if (!invoker) throw new RpcError(ErrorCode.NO_PROVIDER, `no available provider for ${serviceOf(invocation)}`);
    return this.attempt(invoker, invocation);
  }
}

export class AvailableCluster implements Cluster {
  join(directory: Directory): AvailableClusterInvoker {
    return new AvailableClusterInvoker(directory);
  }
}

registerCluster('available', () => new AvailableCluster());
