import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../../common/rpc-error.js';
import { ServiceUrl, type UrlParams } from '../../../registry/service-url.js';
import { AdaptiveClusterInvoker, joinCluster } from '../../../rpc/cluster/adaptive-cluster-invoker.js';
import { AvailableClusterInvoker } from '../../../rpc/cluster/available-cluster.js';
import { BroadcastClusterInvoker } from '../../../rpc/cluster/broadcast-cluster.js';
import { clusterNames, getCluster } from '../../../rpc/cluster/cluster.js';
import { FailbackClusterInvoker } from '../../../rpc/cluster/failback-cluster.js';
import { FailfastClusterInvoker } from '../../../rpc/cluster/failfast-cluster.js';
import { FailoverClusterInvoker } from '../../../rpc/cluster/failover-cluster.js';
import { FailsafeClusterInvoker } from '../../../rpc/cluster/failsafe-cluster.js';
import { ForkingClusterInvoker } from '../../../rpc/cluster/forking-cluster.js';
import { StaticDirectory } from '../../../rpc/cluster/directory/static-directory.js';
import { consumerUrl, failsWith, invocation, SERVICE, TestInvoker } from './test-invoker.js';

/** A provider a governance rule configured: `ruleUrl` holds what the rule wrote (rpc/governance/configured-invoker.ts). */
class RuledInvoker extends TestInvoker {
  readonly ruleUrl: ServiceUrl;
  constructor(port: number, rule: UrlParams, params: UrlParams = {}) {
    super(port, failsWith(ErrorCode.CONNECT_FAILED), params);
    this.ruleUrl = new ServiceUrl({ protocol: 'override', host: '0.0.0.0', port: 0, path: SERVICE, params: rule });
  }
}

describe('joinCluster', () => {
  it('registers all seven strategies and rejects unknown names', () => {
    for (const name of ['failover', 'failfast', 'failsafe', 'failback', 'forking', 'broadcast', 'available']) {
      assert.ok(clusterNames().includes(name), name);
    }
    assert.throws(() => getCluster('zigzag'), {
      code: ErrorCode.INVALID_ARGUMENT,
      message: /^no cluster 'zigzag' \(known: (\w+, )+\w+\)$/,
    });
    assert.throws(() => joinCluster(new StaticDirectory(consumerUrl(), []), 'zigzag'), { code: ErrorCode.INVALID_ARGUMENT });
  });

  it('uses the strategy named by the reference options', () => {
    const classes = {
      failover: FailoverClusterInvoker,
      failfast: FailfastClusterInvoker,
      failsafe: FailsafeClusterInvoker,
      failback: FailbackClusterInvoker,
      forking: ForkingClusterInvoker,
      broadcast: BroadcastClusterInvoker,
      available: AvailableClusterInvoker,
    };
    for (const [name, type] of Object.entries(classes)) assert.ok(joinCluster(new StaticDirectory(consumerUrl(), []), name) instanceof type, name);
  });

  it("follows the provider URL's cluster param when the reference names none", async () => {
    const broken = new TestInvoker(1, failsWith(ErrorCode.CONNECT_FAILED), { cluster: 'failfast' });
    const reference = joinCluster(new StaticDirectory(consumerUrl(), [broken]));
    assert.ok(reference instanceof AdaptiveClusterInvoker);
    await assert.rejects(reference.invoke(invocation()), { code: ErrorCode.CONNECT_FAILED });
    assert.equal(broken.calls, 1, 'failfast: no retry (failover would retry a connect failure)');
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

describe('AdaptiveClusterInvoker', () => {
  it("follows a rule's cluster over the reference's", async () => {
    const ruled = new RuledInvoker(1, { cluster: 'failsafe' });
    const reference = joinCluster(new StaticDirectory(consumerUrl({ cluster: 'failfast' }), [ruled]));
    assert.equal(await reference.invoke(invocation()), undefined);
    reference.destroy();
  });

  it("falls back to the reference's cluster when a rule names an unknown one", async () => {
    const ruled = new RuledInvoker(1, { cluster: 'zigzag' }, { cluster: 'failsafe' });
    const reference = joinCluster(new StaticDirectory(consumerUrl({ cluster: 'failfast' }), [ruled]));
    for (let i = 0; i < 2; i++) await assert.rejects(reference.invoke(invocation()), { code: ErrorCode.CONNECT_FAILED });
    assert.equal(ruled.calls, 2, 'failfast, once per call');
    reference.destroy();
  });

  it("uses failover when the provider's cluster is unknown here", async () => {
    const broken = new TestInvoker(1, failsWith(ErrorCode.CONNECT_FAILED), { cluster: 'zigzag' });
    const reference = joinCluster(new StaticDirectory(consumerUrl(), [broken]));
    await assert.rejects(reference.invoke(invocation()), { code: ErrorCode.CONNECT_FAILED });
    assert.equal(broken.calls, 3);
    reference.destroy();
  });

  it('fails with NO_PROVIDER when the reference names an unknown cluster and there is no provider', async () => {
    const reference = joinCluster(new StaticDirectory(consumerUrl({ cluster: 'zigzag' }), []));
    await assert.rejects(async () => reference.invoke(invocation()), { code: ErrorCode.NO_PROVIDER });
  });

  it('is unavailable without providers, and refuses a first call made after destroy with CLIENT_CLOSED', async () => {
    assert.equal(joinCluster(new StaticDirectory(consumerUrl(), [])).isAvailable(), false);
    const provider = new TestInvoker(1);
    const reference = joinCluster(new StaticDirectory(consumerUrl(), [provider]));
    reference.destroy();
    await assert.rejects(async () => reference.invoke(invocation()), { code: ErrorCode.CLIENT_CLOSED });
    assert.equal(provider.calls, 0);
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
