/**
 * Every benchmarked system, in table order, loaded on demand: a child
 * process imports only the system it runs, so a server's RSS does not
 * include the other systems' libraries (grpc-js, sofa-rpc-node). Each system
 * file registers itself when imported.
 */
import type { BenchSystem } from './bench-system.js';
import { getSystem } from './system-registry.js';

const loaders: Record<string, () => Promise<unknown>> = {
  'raw-net': () => import('./raw-net.js'),
  'grpc-js': () => import('./grpc-js.js'),
  'sofa-rpc': () => import('./sofa-rpc.js'),
  'getty-transport': () => import('./getty-transport.js'),
  'getty-rpc-hessian2': () => import('./getty-rpc.js'),
  'getty-rpc-json': () => import('./getty-rpc.js'),
  'getty-rpc-protobuf': () => import('./getty-rpc.js'),
  'getty-rpc-hessian2-w1': () => import('./getty-rpc.js'),
  'getty-rpc-hessian2-w2': () => import('./getty-rpc.js'),
};

/** Ids of the built-in systems, in table order. */
export const SYSTEM_IDS: readonly string[] = Object.keys(loaders);

/**
 * Imports the system's file (if built in) and returns it; ids registered by
 * other code (tests) come straight from the registry. Unknown ids throw
 * RpcError INVALID_ARGUMENT.
 */
export async function loadSystem(id: string): Promise<BenchSystem> {
  // getty-rpc-hessian2-w3..w8 (connection scale) live in getty-rpc.js but are not table rows.
  await (loaders[id] ?? (id.startsWith('getty-rpc-') ? loaders['getty-rpc-hessian2'] : undefined))?.();
  return getSystem(id);
}
