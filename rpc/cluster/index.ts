/**
 * Cluster and load balancing: directories, every fault-tolerance strategy and
 * every balancer. Importing this file registers all built-in plug-ins.
 */
export * from '../load-balance/index.js';
export * from './adaptive-cluster-invoker.js';
export * from './available-cluster.js';
export * from './broadcast-cluster.js';
export * from './cluster.js';
export * from './cluster-invoker.js';
export * from './directory/directory.js';
export * from './failback-cluster.js';
export * from './failfast-cluster.js';
export * from './failover-cluster.js';
export * from './failsafe-cluster.js';
export * from './forking-cluster.js';
export * from './provider-match.js';
export * from './reference-params.js';
export * from './directory/registry-directory.js';
export * from './retriable-error.js';
export * from './directory/static-directory.js';
