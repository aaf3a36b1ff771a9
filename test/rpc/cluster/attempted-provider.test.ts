/**
 * The provider a call's last attempt went to, as a consumer filter above the
 * cluster (tracing) reads it through the call's attachments.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, RpcError } from '../../../common/rpc-error.js';
import { attemptedProvider, watchAttemptedProviders } from '../../../rpc/cluster/attempted-provider.js';
import { FailoverCluster } from '../../../rpc/cluster/failover-cluster.js';
import { StaticDirectory } from '../../../rpc/cluster/directory/static-directory.js';
import { consumerUrl, invocation, TestInvoker } from './test-invoker.js';

describe('attemptedProvider', () => {
  // First, while no filter of this process watches: calls then keep nothing per attempt.
  it('records nothing until a filter watches', async () => {
    const reference = new FailoverCluster().join(new StaticDirectory(consumerUrl(), [new TestInvoker(1)]));
    const call = invocation();
    assert.equal(await reference.invoke(call), 1);
    assert.equal(attemptedProvider(call.attachments), undefined);
    reference.destroy();
  });

  it('names the provider of the last attempt once a filter watches, and nothing before any attempt', async () => {
    watchAttemptedProviders();
    const refused = new TestInvoker(1, async () => {
      throw new RpcError(ErrorCode.CONNECT_FAILED, 'refused');
    });
    const good = new TestInvoker(2);
    const reference = new FailoverCluster().join(new StaticDirectory(consumerUrl({ loadbalance: 'roundrobin' }), [refused, good]));
    for (let i = 0; i < 4; i++) {
      const call = invocation();
      assert.equal(attemptedProvider(call.attachments), undefined);
      assert.equal(await reference.invoke(call), 2);
      assert.equal(attemptedProvider(call.attachments), good.url);
    }
    assert.ok(refused.calls > 0, 'some call was retried');
    reference.destroy();
  });
});
