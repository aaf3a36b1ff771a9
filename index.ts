/**
 * getty-rpc: everything from one entry point. The layers are also available
 * on their own: `getty-rpc/transport`, `getty-rpc/rpc`, `getty-rpc/registry`.
 */
export * from './common/rpc-error.js';
export * from './registry/index.js';
export * from './rpc/index.js';
export * from './transport/index.js';
// Both layers name the Dubbo protocol version they write ('2.0.2'); the rpc one is the wire's.
export { DUBBO_VERSION } from './rpc/index.js';
