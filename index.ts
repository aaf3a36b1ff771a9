/**
 * getty-rpc: what an application needs to export and call Dubbo services.
 * The other entry points: `getty-rpc/transport` (the getty transport on its
 * own), `getty-rpc/registry` (service URLs and registries), `getty-rpc/plugin`
 * (extension points: clusters, load balancers, filters, serializations,
 * registry types), `getty-rpc/protocol` (the Dubbo 2 codec and Java type
 * helpers) and `getty-rpc/browser` (the browser client). Every exported name,
 * per entry point: docs/api.md.
 */
// Built-in filters, clusters and load balancers register themselves by name on import.
import './rpc/filters/index.js';
import './rpc/cluster/index.js';

export type { Logger } from './common/diagnostics.js';
export { ErrorCode, isRpcError, RpcError, type RpcErrorOptions } from './common/rpc-error.js';
export { type Registry, createRegistry } from './registry/index.js';
export { type ReferOptions, RpcClient, type RpcClientOptions } from './rpc/consumer/rpc-client.js';
export { type CallOptions, type ContextSide, type ProviderScopeInit, RpcContext } from './rpc/context.js';
export type { ServiceOptions } from './rpc/provider/exported-service.js';
export type { Filter, Next } from './rpc/filter.js';
export { type AccessLogEntry, type AccessLogOptions, type AccessLogSink, accessLogFilter } from './rpc/filters/access-log-filter.js';
export { type ConcurrencyLimitOptions, concurrencyLimitFilter } from './rpc/filters/concurrency-limit-filter.js';
export { type MetricsFilterOptions, type MetricsRegistry, metricsFilter } from './rpc/filters/metrics-filter.js';
export { tokenFilter } from './rpc/filters/token-filter.js';
export { type TpsLimitOptions, tpsLimitFilter } from './rpc/filters/tps-limit-filter.js';
export { type TracingFilterOptions, tracingFilter } from './rpc/filters/tracing-filter.js';
export type { GovernanceOptions } from './rpc/governance/governance-options.js';
export type { RuleErrorListener, RulesInEffect } from './rpc/governance/governance-rules.js';
export { governanceRulesOf } from './rpc/governance/rules-of-proxy.js';
export type { Invocation } from './rpc/invocation.js';
export type { MethodOptions } from './rpc/method-options.js';
export { javaClassOf, javaObject } from './rpc/protocol/java-object.js';
export { defineProtoService, type ProtoShape } from './rpc/proto-service.js';
export { ProviderWorkers, type ProviderWorkersOptions, startProviderWorkers } from './rpc/provider/provider-workers.js';
export { withCallOptions } from './rpc/consumer/proxy.js';
export { type LoadProtoOptions, loadProtoService, type ProtoMethod, type ProtoServiceDefinition } from './rpc/serialization/proto-service-loader.js';
export { configureHessian2, type Hessian2Options } from './rpc/serialization/hessian2.js';
export { configureJson, type JsonLimits } from './rpc/serialization/json.js';
export type { ProtobufLimits } from './rpc/serialization/proto-wire-budget.js';
export { configureProtobuf } from './rpc/serialization/protobuf.js';
export { RpcServer, type RpcServerOptions, type StopOptions } from './rpc/provider/rpc-server.js';
export {
  type AsyncProxy,
  defineService,
  type GenericMethods,
  type ImplOf,
  type JavaImpl,
  type JavaProxy,
  type MethodSpec,
  type MethodSpecs,
  type ProxyOf,
  type ServiceDefinition,
  type ServiceImpl,
} from './rpc/service.js';
export type { TransportKind } from './rpc/exchange/transport-factory.js';
