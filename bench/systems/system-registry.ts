/**
 * The registry map of benchmarked systems. Each system file registers itself
 * on import; `all-systems.ts` lists them in table order and loads them on demand.
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import type { BenchSystem } from './bench-system.js';

const systems = new Map<string, BenchSystem>();

export function registerSystem(system: BenchSystem): void {
  systems.set(system.id, system);
}

export function getSystem(id: string): BenchSystem {
  const system = systems.get(id);
  if (system === undefined) {
    throw new RpcError(ErrorCode.INVALID_ARGUMENT, `unknown bench system "${id}" (known: ${systemIds().join(', ')})`);
  }
  return system;
}

/** Registered ids, in registration (= table) order. */
export function systemIds(): string[] {
  return [...systems.keys()];
}
