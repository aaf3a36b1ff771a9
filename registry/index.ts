/**
 * `getty-rpc/registry`: service URLs and their registration and discovery.
 * Importing this module registers every registry type: `zookeeper://`,
 * `etcd://` (also `etcdv3://`), `file://` and direct lists (`dubbo://h1:p1,h2:p2`).
 * The ZooKeeper and etcd clients themselves load only when such a registry is
 * created (docs/registry.md). New registry types: `getty-rpc/plugin`.
 */
import './zookeeper.js';
import './etcd.js';
import './file.js';
import './direct.js';

export { type ConsumerUrlInit, consumerUrl, type ProviderUrlInit, providerUrl } from './provider-url.js';
export { createRegistry, type ProviderListener, type Registry, type Unsubscribe } from './registry.js';
export { ServiceUrl, type ServiceUrlInit, serviceKey, type UrlParams } from './service-url.js';
