/**
 * `broadcast` (dubbo-go `cluster/cluster/broadcast/`): the call goes to every provider in turn,
 * even after one failed; any failure fails the call with the last error,
 * otherwise it resolves with the last result. For cache refreshes and the
 * like, where all providers must hear it.
 */
import type { RpcError } from '../../common/rpc-error.js';
import type { Invocation } from '../invocation.js';
import { type Cluster, registerCluster } from './cluster.js';
import { ClusterInvoker } from './cluster-invoker.js';
import type { Directory } from './directory/directory.js';

export class BroadcastClusterInvoker extends ClusterInvoker {
  /** No re-route: every provider is called in turn: a retired one is skipped, not replaced by one that hears the call twice. */
  protected override get reroutesRetired(): boolean {
    return false;
  }

  protected async doInvoke(invocation: Invocation): Promise<unknown> {
    let result: unknown;
    let lastError: RpcError | undefined;
    for (const invoker of this.listInvokers(invocation)) {
      try {
        result = await this.attempt(invoker, invocation);
      } catch (err) {
        lastError = err as RpcError;
      }
    }
    if (lastError) throw lastError;
    return result;
  }
}

export class BroadcastCluster implements Cluster {
  join(directory: Directory): BroadcastClusterInvoker {
    return new BroadcastClusterInvoker(directory);
  }
}

registerCluster('broadcast', () => new BroadcastCluster());
