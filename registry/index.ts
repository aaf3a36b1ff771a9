/**
 * `getty-rpc/registry`: service URLs and their registration and discovery.
 * Importing this module registers every registry type: `zookeeper://`,
 * `etcd://` (also `etcdv3://`), `file://` and direct lists (`dubbo://h1:p1,h2:p2`).
 */
import './zookeeper.js';
import './etcd.js';
import './file.js';
import './direct.js';

export { createRegistry, type ProviderListener, type Registry, type RegistryFactory, registerRegistryType, type Unsubscribe } from './registry.js';
export { ServiceUrl, type ServiceUrlInit, serviceKey, type UrlParams } from './service-url.js';
export { type ConsumerUrlInit, consumerUrl, DUBBO_VERSION, type ProviderUrlInit, providerUrl, RELEASE } from './provider-url.js';
export { categoryPath, decodeNodeName, nodePath, queryEscape, queryUnescape, rawUrlString, registrationKey } from './registry-path.js';
export { ZookeeperRegistry } from './zookeeper.js';
export { EtcdRegistry } from './etcd.js';
export { FileRegistry } from './file.js';
export { DirectRegistry } from './direct.js';
