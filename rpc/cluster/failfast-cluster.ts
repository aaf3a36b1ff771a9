/** `failfast` (dubbo-go `cluster/cluster/failfast/`): one attempt; its error is the call's error. For non-idempotent writes. */
import type { Invocation } from '../invocation.js';
import { type Cluster, registerCluster } from './cluster.js';
import { ClusterInvoker } from './cluster-invoker.js';
import type { Directory } from './directory/directory.js';

export class FailfastClusterInvoker extends ClusterInvoker {
  protected doInvoke(invocation: Invocation): Promise<unknown> {
    const invokers = this.listInvokers(invocation);
    return this.attempt(this.select(invokers, invocation), invocation);
  }
}

export class FailfastCluster implements Cluster {
  join(directory: Directory): FailfastClusterInvoker {
    return new FailfastClusterInvoker(directory);
  }
}

registerCluster('failfast', () => new FailfastCluster());
