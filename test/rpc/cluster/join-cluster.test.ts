import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../../common/rpc-error.js';
import { AdaptiveClusterInvoker, joinCluster } from '../../../rpc/cluster/adaptive-cluster-invoker.js';
import { clusterNames, getCluster } from '../../../rpc/cluster/cluster.js';
import { FailoverClusterInvoker } from '../../../rpc/cluster/failover-cluster.js';
import { StaticDirectory } from '../../../rpc/cluster/static-directory.js';
import { consumerUrl, failsWith, invocation, TestInvoker } from './test-invoker.js';

describe('joinCluster', () => {
  it('registers all seven strategies and rejects unknown names', () => {
    for (const name of ['failover', 'failfast', 'failsafe', 'failback', 'forking', 'broadcast', 'available']) {
      assert.ok(clusterNames().includes(name), name);
    }
    assert.throws(() => getCluster('zigzag'), { code: ErrorCode.INVALID_ARGUMENT });
    assert.throws(() => joinCluster(new StaticDirectory(consumerUrl(), []), 'zigzag'), { code: ErrorCode.INVALID_ARGUMENT });
  });

  it('uses the strategy named by the reference options', () => {
    assert.ok(joinCluster(new StaticDirectory(consumerUrl(), []), 'failover') instanceof FailoverClusterInvoker);
  });

  it("follows the provider URL's cluster param when the reference names none", async () => {
    const broken = new TestInvoker(1, failsWith(ErrorCode.NETWORK), { cluster: 'failfast' });
    const reference = joinCluster(new StaticDirectory(consumerUrl(), [broken]));
    assert.ok(reference instanceof AdaptiveClusterInvoker);
    await assert.rejects(reference.invoke(invocation()), { code: ErrorCode.NETWORK });
    assert.equal(broken.calls, 1, 'failfast: no retry');
    reference.destroy();
  });

  it("lets the reference URL's cluster param override the provider's", async () => {
    const broken = new TestInvoker(1, failsWith(ErrorCode.NETWORK), { cluster: 'failfast' });
    const reference = joinCluster(new StaticDirectory(consumerUrl({ cluster: 'failsafe' }), [broken]));
    assert.equal(await reference.invoke(invocation()), undefined);
    reference.destroy();
  });

  it('defaults to failover', async () => {
    const broken = new TestInvoker(1, failsWith(ErrorCode.CONNECT_FAILED));
    const reference = joinCluster(new StaticDirectory(consumerUrl(), [broken]));
    await assert.rejects(reference.invoke(invocation()), { code: ErrorCode.CONNECT_FAILED });
    assert.equal(broken.calls, 3);
    reference.destroy();
  });
});

describe('ClusterInvoker', () => {
  it('fails with NO_PROVIDER when the directory is empty', async () => {
    const reference = joinCluster(new StaticDirectory(consumerUrl(), []), 'failover');
    await assert.rejects(reference.invoke(invocation()), { code: ErrorCode.NO_PROVIDER });
    assert.equal(reference.isAvailable(), false);
  });

  it('fails with CANCELLED, calling nobody, when the signal is already aborted', async () => {
    const provider = new TestInvoker(1);
    const reference = joinCluster(new StaticDirectory(consumerUrl(), [provider]), 'failfast');
    await assert.rejects(reference.invoke(invocation('echo', [], { signal: AbortSignal.abort() })), { code: ErrorCode.CANCELLED });
    assert.equal(provider.calls, 0);
    reference.destroy();
  });

  it('destroys the directory with it and then refuses calls with CLIENT_CLOSED', async () => {
    for (const name of [undefined, 'failover']) {
      const provider = new TestInvoker(1);
      const reference = joinCluster(new StaticDirectory(consumerUrl(), [provider]), name);
      assert.equal(await reference.invoke(invocation()), 1);
      assert.equal(reference.isAvailable(), true);
      reference.destroy();
      reference.destroy();
      assert.equal(provider.destroyed, true);
      assert.equal(reference.isAvailable(), false);
      await assert.rejects(reference.invoke(invocation()), { code: ErrorCode.CLIENT_CLOSED });
    }
  });

  it('prefers available providers when some are not', async () => {
    const down = new TestInvoker(1);
    down.available = false;
    const up = new TestInvoker(2);
    const reference = joinCluster(new StaticDirectory(consumerUrl(), [down, up]), 'failfast');
    for (let i = 0; i < 20; i++) assert.equal(await reference.invoke(invocation()), 2);
    reference.destroy();
  });
});
