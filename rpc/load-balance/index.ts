/** Load balancers: the registry plus every built-in balancer (each registers itself on import). */
export * from './consistent-hash-load-balance.js';
export * from './invoker-weight.js';
export * from './least-active-load-balance.js';
export * from './load-balance.js';
export * from './p2c-load-balance.js';
export * from './random-load-balance.js';
export * from './round-robin-load-balance.js';
export * from './rpc-status.js';
