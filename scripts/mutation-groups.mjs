// The modules mutation testing covers, grouped with the test files that
// exercise them (paths of the TypeScript sources; the tests run compiled from
// dist/). Used by stryker.config.mjs and scripts/mutate.mjs; docs/testing.md
// lists the last run's score per group.
export const groups = {
  exchange: {
    mutate: ['rpc/exchange/exchange-client.ts', 'rpc/exchange/pending-calls.ts', 'rpc/exchange/exchange-server.ts', 'rpc/exchange/heartbeat.ts'],
    // The exchange's own tests first (they kill most mutants, so the later files rarely run), then the
    // RPC-level files that reach code the exchange tests do not: the session channels and the consumer's
    // info line (logging-diagnostics), the reply to an unencodable result (server-replies). The codec's
    // tests under test/rpc/exchange/ reach none of these modules and are left to the dubbo-codec group.
    tests: [
      'test/rpc/exchange/exchange-client.test.ts',
      'test/rpc/exchange/exchange-server.test.ts',
      'test/rpc/exchange/pending-calls.test.ts',
      'test/rpc/exchange/heartbeat.test.ts',
      'test/rpc/consumer/connections.test.ts',
      'test/rpc/provider/server-replies.test.ts',
      'test/rpc/logging-diagnostics.test.ts',
    ],
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
    tests: [
      'test/rpc/protocol/*.test.ts',
      'test/rpc/exchange/dubbo-codec*.test.ts',
      'test/rpc/serialization/hessian2-values.test.ts',
      'test/rpc/serialization/hessian2-loopback.test.ts',
      'test/rpc/provider/server-replies.test.ts',
    ],
  },
  // hessian2 (encoder, decoder, reader, writer, exceptions): about 2 500 mutants on its own.
  'serialization-hessian2': {
    mutate: ['rpc/serialization/hessian*.ts', 'rpc/serialization/ascii-string-cache.ts', '!rpc/serialization/*.d.ts'],
    // Not hessian2-volume.test.ts: megabyte frames and loopback amplification, seconds per file
    // instrumented; the limits they exercise are pinned small in hessian2-hostile.test.ts.
    tests: [
      'test/rpc/serialization/hessian2-encoder.test.ts',
      'test/rpc/serialization/hessian2-writer.test.ts',
      'test/rpc/serialization/hessian2.test.ts',
      'test/rpc/serialization/hessian2-by-hand.test.ts',
      'test/rpc/serialization/hessian2-values.test.ts',
      'test/rpc/serialization/hessian2-hostile.test.ts',
      'test/rpc/serialization/hessian2-loopback.test.ts',
      'test/rpc/serialization/hessian2-differential.test.ts',
      'test/rpc/serialization/hessian2-fast-path.test.ts',
      'test/rpc/serialization/hessian2-reader.test.ts',
      'test/rpc/serialization/hessian2-decoder.test.ts',
      'test/rpc/serialization/ascii-string-cache.test.ts',
      'test/rpc/serializations.test.ts',
      'test/rpc/exchange/dubbo-codec*.test.ts',
    ],
  },
  // JSON and protobuf, and the serialization registry.
  serialization: {
    mutate: ['rpc/serialization/*.ts', '!rpc/serialization/hessian*.ts', '!rpc/serialization/ascii-string-cache.ts', '!rpc/serialization/*.d.ts'],
    tests: [
      'test/rpc/serialization/json.test.ts',
      'test/rpc/serialization/json-shape-limits.test.ts',
      'test/rpc/serialization/json-big-integers.test.ts',
      'test/rpc/serialization/proto*.test.ts',
      'test/rpc/serialization/response-flag.test.ts',
      'test/rpc/serialization/serialization.test.ts',
      'test/rpc/serializations.test.ts',
      'test/rpc/exchange/dubbo-codec*.test.ts',
      // Its json limits are configured small; at their default sizes (megabyte bodies, slow
      // instrumented) they are in test/rpc/hostile-json-default-limits.test.ts, in no group.
      'test/rpc/hostile-json-protobuf.test.ts',
    ],
  },
  // The provider side. The exchange server and remote errors are measured in the exchange and
  // dubbo-codec groups, whose tests reach them directly.
  server: {
    mutate: ['rpc/provider/*.ts', '!rpc/provider/provider-workers.ts'],
    tests: [
      'test/rpc/provider/*.test.ts',
      'test/rpc/service.test.ts',
      'test/rpc/context.test.ts',
      'test/rpc/call-diagnostics.test.ts',
      'test/rpc/logging-diagnostics.test.ts',
      'test/rpc/consumer/rpc-client.test.ts',
      'test/rpc/consumer/call-deadline.test.ts',
      'test/rpc/consumer/connections.test.ts',
      'test/rpc/rpc-ws.test.ts',
      'test/rpc/governance/provider-parameters.test.ts',
    ],
  },
  // The worker pool's worker side runs in processes forked by cluster.fork(). They inherit the
  // environment variable that activates a mutant, but Stryker's coverage sees only the runner's
  // process, so their mutants would count as not covered. Without coverage analysis (which
  // stryker.config.mjs runs on the command runner: the tap runner reports coverage regardless)
  // every mutant runs the workers' two test files (about 15 s).
  'server-workers': {
    mutate: ['rpc/provider/provider-workers.ts'],
    tests: ['test/rpc/provider/provider-workers.test.ts', 'test/rpc/provider/provider-workers-edges.test.ts'],
    coverageAnalysis: 'off',
  },
  // The timer wheel and task pool with their own tests only: every session test reaches them,
  // and a surviving mutant runs every file that reaches it.
  'transport-timers': {
    mutate: ['transport/timer-wheel.ts', 'transport/task-pool.ts'],
    tests: ['test/transport/timer-wheel.test.ts', 'test/transport/task-pool.test.ts', 'test/transport/hostile-flood.test.ts'],
  },
  // The sessions, split by transport so that a surviving mutant runs only the few files that
  // speak that transport (all of test/transport/ is about a minute per mutant on 2 cores).
  // Each list puts the focused, fast files first: a mutant stops at the first file that fails.
  'transport-tcp': {
    mutate: ['transport/base-session.ts', 'transport/tcp-session.ts'],
    tests: [
      // What every session inherits (setters, close/discard, dispatch, timers): about 4 s, kills most of base-session.ts.
      'test/transport/base-session.test.ts',
      // The write and close paths of tcp-session.ts, a few seconds.
      'test/transport/tcp-session-writes.test.ts',
      // The read path of tcp-session.ts (framing, backpressure, FIN, failed allocation): about 1 s.
      'test/transport/tcp-session-reads.test.ts',
      'test/transport/tcp-session.test.ts',
      'test/transport/tcp-features.test.ts',
      'test/transport/flush-threshold.test.ts',
      'test/transport/session-lifecycle.test.ts',
      'test/transport/backpressure.test.ts',
      'test/transport/hostile-connections.test.ts',
      'test/transport/hostile-output.test.ts',
      'test/transport/slab-writes.test.ts',
    ],
  },
  'transport-endpoints': {
    mutate: ['transport/tcp-client.ts', 'transport/tcp-server.ts', 'transport/client-endpoint.ts', 'transport/server-endpoint.ts'],
    tests: [
      'test/transport/server-endpoint.test.ts',
      'test/transport/tcp-client.test.ts',
      'test/transport/client-endpoint.test.ts',
      'test/transport/ws-client.test.ts',
      'test/transport/session-lifecycle.test.ts',
      'test/transport/tcp-session.test.ts',
      'test/transport/hostile-connections.test.ts',
      'test/transport/hostile-tls.test.ts',
      // The server's write-buffer shares, close linger and TLS dialling.
      'test/transport/backpressure.test.ts',
      'test/transport/hostile-output.test.ts',
      'test/transport/ws-session-close.test.ts',
      'test/transport/tcp-features.test.ts',
    ],
  },
  'transport-ws': {
    mutate: ['transport/ws-session.ts'],
    tests: [
      'test/transport/ws-session.test.ts',
      'test/transport/ws-session-reads.test.ts',
      'test/transport/ws-session-close.test.ts',
      'test/transport/ws-client.test.ts',
      'test/transport/hostile-ws.test.ts',
      'test/transport/stream-conformance.test.ts',
    ],
  },
  'transport-udp': {
    mutate: ['transport/udp-session.ts'],
    tests: ['test/transport/udp-session.test.ts', 'test/transport/hostile-udp.test.ts', 'test/transport/session-lifecycle.test.ts'],
  },
  'transport-codec': {
    mutate: [
      'transport/length-field-codec.ts',
      'transport/buffer-view.ts',
      'transport/write-slab.ts',
      'transport/stream-pipe.ts',
      'transport/deflate-pipe.ts',
      'transport/snappy-pipe.ts',
      'transport/crc32c.ts',
    ],
    tests: [
      'test/transport/deflate-pipe.test.ts',
      'test/transport/snappy-pipe.test.ts',
      'test/transport/crc32c.test.ts',
      'test/transport/write-slab.test.ts',
      'test/transport/hostile-frames.test.ts',
      'test/transport/ws-session.test.ts',
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
    tests: [
      'test/registry/coalesced-task.test.ts',
      'test/registry/config-feed.test.ts',
      'test/registry/deadline.test.ts',
      'test/registry/direct.test.ts',
      'test/registry/provider-list.test.ts',
      'test/registry/provider-url.test.ts',
      'test/registry/registry-health.test.ts',
      'test/registry/registry-options.test.ts',
      'test/registry/registry-path.test.ts',
      'test/registry/registry.test.ts',
      'test/registry/service-url.test.ts',
      'test/registry/file.test.ts',
      'test/rpc/cluster/directory/*.test.ts',
    ],
  },
  'registry-file': {
    mutate: ['registry/file*.ts'],
    tests: [
      'test/registry/file-entry.test.ts',
      'test/registry/file-directory-watch.test.ts',
      'test/registry/file.test.ts',
      'test/rpc/cluster/directory/registry-directory-file.test.ts',
    ],
  },
  'registry-zookeeper': {
    mutate: ['registry/zookeeper*.ts'],
    tests: [
      'test/registry/zookeeper-config-watch.test.ts',
      'test/registry/zookeeper-connection.test.ts',
      'test/registry/zookeeper-registrations.test.ts',
      'test/registry/zookeeper.test.ts',
    ],
  },
  'registry-etcd': {
    mutate: ['registry/etcd*.ts'],
    tests: ['test/registry/etcd-calls.test.ts', 'test/registry/etcd-load-failure.test.ts', 'test/registry/etcd-outage.test.ts', 'test/registry/etcd-unreachable.test.ts', 'test/registry/etcd.test.ts'],
  },
};
