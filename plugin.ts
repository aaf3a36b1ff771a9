/**
 * `getty-rpc/plugin`: the extension points. Register a cluster (fault-tolerance
 * strategy), load balancer, filter, serialization or registry type under a
 * name that references, URLs and options can then use, and the contracts
 * (Invoker, Directory, LoadBalance, Serialization, Registry) they implement.
 * docs/api.md lists every name; docs/cluster.md and docs/rpc.md show plug-ins.
 */
// The built-ins register themselves on import, so plug-ins can wrap or replace them by name.
import './rpc/filters/index.js';
import './rpc/cluster/index.js';
import './rpc/serialization/builtin.js';
import './registry/index.js';

export type { ProviderListener, Registry, RegistryFactory, Unsubscribe } from './registry/registry.js';
export { registerRegistryType } from './registry/registry.js';
export { type Cluster, type ClusterFactory, clusterNames, getCluster, registerCluster } from './rpc/cluster/cluster.js';
export { ClusterInvoker } from './rpc/cluster/cluster-invoker.js';
export type { Directory, DirectoryListener } from './rpc/cluster/directory.js';
export { composeFilters, createFilter, type Filter, type FilterFactory, filterNames, type Next, registerFilter } from './rpc/filter.js';
export type { Invocation } from './rpc/invocation.js';
export type { Invoker, InvokerFactory } from './rpc/invoker.js';
export { invokerWeight } from './rpc/load-balance/invoker-weight.js';
export { getLoadBalance, type LoadBalance, type LoadBalanceFactory, loadBalanceNames, registerLoadBalance } from './rpc/load-balance/load-balance.js';
export { findProtoType, registerProtoType } from './rpc/serialization/protobuf.js';
export {
  findSerialization,
  getSerialization,
  registerSerialization,
  type Serialization,
  serializationNames,
} from './rpc/serialization/serialization.js';
export { type DefinitionKind, findMethod, type MethodDescriptor } from './rpc/service.js';
