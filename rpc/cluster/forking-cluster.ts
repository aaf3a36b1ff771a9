/**
 * `forking` (dubbo-go `cluster/cluster/forking/`): the call goes to `forks` providers at once
 * (default 2; a value < 1 or above the provider count means all) and the
 * first success wins; it fails only when every fork failed, with the last
 * error. For reads where latency matters more than load. Each fork is bounded
 * by the call's own timeout, so no extra timer is needed.
 */
import type { RpcError } from '../../common/rpc-error.js';
import type { Invocation } from '../invocation.js';
import type { Invoker } from '../invoker.js';
import { type Cluster, registerCluster } from './cluster.js';
import { ClusterInvoker } from './cluster-invoker.js';
import type { Directory } from './directory/directory.js';

/** Parallel calls when the URL has no `forks` param (dubbo-go `common/constant/default.go`). */
export const DEFAULT_FORKS = 2;

export class ForkingClusterInvoker extends ClusterInvoker {
  /** No re-route: the forks were chosen together: a retired fork is one failed fork, not a second call to another. */
  protected override get reroutesRetired(): boolean {
    return false;
  }

  protected doInvoke(invocation: Invocation): Promise<unknown> {
    const invokers = this.listInvokers(invocation);
    const chosen = this.chooseForks(invokers, invocation);
    return firstSuccess(chosen.map((invoker) => this.attempt(invoker, invocation)));
  }

  private chooseForks(invokers: readonly Invoker[], invocation: Invocation): Invoker[] {
    const forks = Math.floor(this.numberParam(invocation, invokers, 'forks', DEFAULT_FORKS));
    if (forks < 1 || forks >= invokers.length) return [...invokers];
    const chosen = new Set<Invoker>();
    while (chosen.size < forks) chosen.add(this.select(invokers, invocation, chosen));
    return [...chosen];
  }
}

/** Resolves with the first fulfilled promise; rejects with the last rejection once all failed. */
function firstSuccess(attempts: Promise<unknown>[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let failures = 0;
    for (const attempt of attempts) {
      attempt.then(resolve, (err: RpcError) => {
        if (++failures === attempts.length) reject(err);
      });
    }
  });
}

export class ForkingCluster implements Cluster {
  join(directory: Directory): ForkingClusterInvoker {
    return new ForkingClusterInvoker(directory);
  }
}

registerCluster('forking', () => new ForkingCluster());
