/**
 * The part of getty-rpc's RPC API (DESIGN.md "rpc") the bench uses, typed
 * structurally and loaded at run time from rpc/index.js, so the bench builds
 * (and reports "not available yet") while the RPC layer is being written.
 */

export type EchoMethod = (payload: unknown) => Promise<unknown>;

export interface RpcServerLike {
  addService(definition: unknown, impl: Record<string, EchoMethod>): unknown;
  start(): Promise<void>;
  stop(options?: { graceMs?: number }): Promise<void>;
  readonly port: number;
}

export interface RpcClientLike {
  refer(definition: unknown, options: { url: string; serialization?: string; timeoutMs?: number; retries?: number }): Record<string, EchoMethod>;
  close(): Promise<void>;
}

export interface RpcModule {
  RpcServer: new (options: { host: string; port: number }) => RpcServerLike;
  RpcClient: new (options: { connections?: number; timeoutMs?: number }) => RpcClientLike;
  defineService(name: string, methods: Record<string, { params: string[]; returns: string }>): unknown;
}

const RPC_URL = new URL('../../rpc/index.js', import.meta.url).href;

/** Loads rpc/index.js; rejects with a reason when it or a needed export is missing. */
export async function loadRpc(): Promise<RpcModule & Record<string, unknown>> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(RPC_URL)) as Record<string, unknown>;
  } catch {
    throw new Error('not available yet: rpc/index.js is not built');
  }
  for (const name of ['RpcServer', 'RpcClient', 'defineService']) {
    if (typeof mod[name] !== 'function') throw new Error(`not available yet: rpc/index.js lacks ${name}`);
  }
  return mod as unknown as RpcModule & Record<string, unknown>;
}
