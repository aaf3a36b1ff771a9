/**
 * `failsafe` (dubbo-go `cluster/cluster/failsafe/`): one attempt; any failure, NO_PROVIDER
 * included, resolves `undefined` instead. For calls whose result may be lost,
 * such as audit logging. `onError` sees what was swallowed.
 */
import { RpcError } from '../../common/rpc-error.js';
import type { Invocation } from '../invocation.js';
import { type Cluster, registerCluster } from './cluster.js';
import { ClusterInvoker } from './cluster-invoker.js';
import type { Directory } from './directory/directory.js';

export type SwallowedErrorListener = (error: RpcError, invocation: Invocation) => void;

export class FailsafeClusterInvoker extends ClusterInvoker {
  constructor(
    directory: Directory,
    private readonly onError?: SwallowedErrorListener,
  ) {
    super(directory);
  }

  protected async doInvoke(invocation: Invocation): Promise<unknown> {
    try {
      const invokers = this.listInvokers(invocation);
      return await this.attempt(this.select(invokers, invocation), invocation);
    } catch (err) {
      this.onError?.(RpcError.from(err), invocation);
      return undefined;
    }
  }
}

export class FailsafeCluster implements Cluster {
  constructor(private readonly onError?: SwallowedErrorListener) {}

  join(directory: Directory): FailsafeClusterInvoker {
    return new FailsafeClusterInvoker(directory, this.onError);
  }
}

registerCluster('failsafe', () => new FailsafeCluster());
