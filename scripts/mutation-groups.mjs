// The modules mutation testing covers, grouped with the test files that
// exercise them (paths of the TypeScript sources; the tests run compiled from
// dist/). Used by stryker.config.mjs and scripts/mutate.mjs; docs/testing.md
// lists the last run's score per group.
export const groups = {
  exchange: {
    mutate: ['rpc/exchange/exchange-client.ts', 'rpc/exchange/pending-calls.ts', 'rpc/exchange/exchange-server.ts', 'rpc/exchange/heartbeat.ts'],
    tests: ['test/rpc/exchange/*.test.ts', 'test/rpc/consumer/connections.test.ts'],
  },
  filters: {
    mutate: ['rpc/filters/*.ts', '!rpc/filters/index.ts', 'rpc/filter.ts'],
    tests: ['test/rpc/filters/*.test.ts', 'test/rpc/provider/provider-filters.test.ts'],
  },
  'load-balance': {
    mutate: ['rpc/load-balance/*.ts', '!rpc/load-balance/index.ts'],
    tests: ['test/rpc/load-balance/*.test.ts'],
  },
  cluster: {
    mutate: ['rpc/cluster/**/*.ts', '!rpc/cluster/index.ts'],
    // Besides the cluster's own tests: the callers that reach it through a reference (rule-chosen
    // strategy and params, the tracing filter's attempted provider, deadlines, NO_PROVIDER text, retired providers).
    tests: [
      'test/rpc/cluster/**/*.test.ts',
      'test/rpc/rpc-cluster.test.ts',
      'test/rpc/governance/configured-settings.test.ts',
      'test/rpc/governance/provider-parameters.test.ts',
      'test/rpc/filters/tracing-filter.test.ts',
      'test/rpc/call-diagnostics.test.ts',
      'test/rpc/consumer/call-deadline.test.ts',
      'test/rpc/consumer/retire.test.ts',
    ],
  },
  'dubbo-codec': {
    mutate: ['rpc/protocol/*.ts', 'rpc/exchange/dubbo-codec.ts'],
    tests: ['test/rpc/protocol/*.test.ts', 'test/rpc/exchange/dubbo-codec*.test.ts'],
  },
  serialization: {
    mutate: ['rpc/serialization/*.ts', '!rpc/serialization/*.d.ts'],
    tests: ['test/rpc/serialization/*.test.ts', 'test/rpc/serializations.test.ts', 'test/rpc/protocol/*.test.ts', 'test/rpc/exchange/dubbo-codec*.test.ts'],
  },
  server: {
    mutate: ['rpc/provider/rpc-server.ts', 'rpc/provider/provider-call.ts', 'rpc/provider/exported-service.ts', 'rpc/protocol/remote-error.ts', 'rpc/exchange/exchange-server.ts'],
    tests: [
      'test/rpc/provider/rpc-server.test.ts',
      'test/rpc/provider/server-replies.test.ts',
      'test/rpc/consumer/connections.test.ts',
      'test/rpc/provider/provider-filters.test.ts',
      'test/rpc/provider/graceful-stop.test.ts',
      'test/rpc/service.test.ts',
    ],
  },
  'transport-sessions': {
    mutate: [
      'transport/base-session.ts',
      'transport/tcp-session.ts',
      'transport/ws-session.ts',
      'transport/udp-session.ts',
      'transport/tcp-client.ts',
      'transport/tcp-server.ts',
      'transport/client-endpoint.ts',
      'transport/server-endpoint.ts',
      'transport/timer-wheel.ts',
      'transport/task-pool.ts',
    ],
    tests: ['test/transport/*.test.ts'],
  },
  'transport-codec': {
    mutate: [
      'transport/length-field-codec.ts',
      'transport/buffer-view.ts',
      'transport/write-slab.ts',
      'transport/stream-pipe.ts',
      'transport/deflate-pipe.ts',
      'transport/snappy-pipe.ts',
    ],
    tests: [
      'test/transport/length-field-codec.test.ts',
      'test/transport/offset-reader.test.ts',
      'test/transport/slab-writes.test.ts',
      'test/transport/stream-conformance.test.ts',
      'test/transport/tcp-features.test.ts',
      'test/transport/flush-threshold.test.ts',
      'test/transport/backpressure.test.ts',
    ],
  },
  // The registry is split by back-end: the ZooKeeper and etcd tests start a real server per
  // test file, which makes each of their mutants cost seconds, so they run on their own.
  'registry-core': {
    mutate: ['registry/*.ts', '!registry/index.ts', '!registry/file*.ts', '!registry/zookeeper*.ts', '!registry/etcd*.ts'],
    tests: ['test/registry/service-url.test.ts', 'test/registry/file.test.ts', 'test/rpc/cluster/directory/*.test.ts'],
  },
  'registry-file': {
    mutate: ['registry/file*.ts'],
    tests: ['test/registry/file.test.ts', 'test/rpc/cluster/directory/registry-directory-file.test.ts'],
  },
  'registry-zookeeper': {
    mutate: ['registry/zookeeper*.ts'],
    tests: ['test/registry/zookeeper.test.ts'],
  },
  'registry-etcd': {
    mutate: ['registry/etcd*.ts'],
    tests: ['test/registry/etcd.test.ts'],
  },
};
