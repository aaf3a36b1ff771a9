#!/usr/bin/env node
/**
 * The `getty-rpc` command: a small operator's tool over the public API.
 *
 *   getty-rpc echo <dubbo://host:port> <interface> [text]          $echo round trip
 *   getty-rpc call <dubbo://host:port> <interface> <method> [types-json] [args-json]
 *                                                                   generic $invoke
 *   getty-rpc providers <registry-url> <interface>                  list registered providers
 *
 * Options (before or after the words): --version=V --group=G --timeout-ms=N
 * --serialization=hessian2|json. Exit code 0 on success, 1 on an RpcError
 * (its code is printed), 2 on a usage error.
 */
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import { consumerUrl } from '../registry/provider-url.js';
import { createRegistry } from '../registry/index.js';
import { RpcClient } from '../rpc/client.js';

const USAGE = `usage:
  getty-rpc echo <dubbo://host:port> <interface> [text]
  getty-rpc call <dubbo://host:port> <interface> <method> [types-json] [args-json]
  getty-rpc providers <registry-url> <interface>
options: --version=V --group=G --timeout-ms=N --serialization=NAME`;

interface Cli {
  words: string[];
  flags: Map<string, string>;
}

function parseArgs(argv: readonly string[]): Cli {
  const words: string[] = [];
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const flag = /^--([a-z-]+)=(.*)$/.exec(arg);
    if (flag) flags.set(flag[1]!, flag[2]!);
    else words.push(arg);
  }
  return { words, flags };
}

function usageError(message: string): never {
  throw new RpcError(ErrorCode.INVALID_ARGUMENT, `${message}\n${USAGE}`);
}

function parseJson(text: string | undefined, what: string): unknown[] {
  if (text === undefined) return [];
  try {
    const value: unknown = JSON.parse(text);
    if (Array.isArray(value)) return value;
  } catch {
    // fall through to the usage error below
  }
  return usageError(`${what} must be a JSON array, got ${text}`);
}

function referOptions(cli: Cli, url: string) {
  const timeoutMs = Number(cli.flags.get('timeout-ms') ?? 3000);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) usageError('--timeout-ms must be a positive number');
  return {
    url,
    version: cli.flags.get('version') ?? '',
    group: cli.flags.get('group') ?? '',
    serialization: cli.flags.get('serialization') ?? 'hessian2',
    timeoutMs,
    retries: 0,
  };
}

async function withProxy(cli: Cli, use: (proxy: GenericProxy) => Promise<unknown>): Promise<unknown> {
  const [, url, interfaceName] = cli.words;
  if (!url || !interfaceName) usageError('give a provider URL and an interface');
  const client = new RpcClient({ application: 'getty-rpc-cli' });
  try {
    return await use(client.refer(interfaceName, referOptions(cli, url)) as unknown as GenericProxy);
  } finally {
    await client.close();
  }
}

interface GenericProxy {
  $echo(value: unknown): Promise<unknown>;
  $invoke(method: string, types: unknown[], args: unknown[]): Promise<unknown>;
}

async function listProviders(cli: Cli): Promise<unknown> {
  const [, registryUrl, interfaceName] = cli.words;
  if (!registryUrl || !interfaceName) usageError('give a registry URL and an interface');
  const registry = createRegistry(registryUrl);
  try {
    const consumer = consumerUrl({ host: '127.0.0.1', interfaceName, application: 'getty-rpc-cli' });
    return (await registry.lookup(consumer)).map((url) => url.toString());
  } finally {
    await registry.close();
  }
}

async function run(cli: Cli): Promise<unknown> {
  switch (cli.words[0]) {
    case 'echo':
      return withProxy(cli, (proxy) => proxy.$echo(cli.words[3] ?? 'ping'));
    case 'call': {
      const method = cli.words[3] ?? usageError('give a method name');
      const types = parseJson(cli.words[4], 'types');
      const args = parseJson(cli.words[5], 'args');
      return withProxy(cli, (proxy) => proxy.$invoke(method, types, args));
    }
    case 'providers':
      return listProviders(cli);
    default:
      return usageError(cli.words[0] ? `unknown command '${cli.words[0]}'` : 'no command');
  }
}

function print(value: unknown): void {
  const text = JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v), 2);
  process.stdout.write(`${text ?? 'null'}\n`);
}

try {
  print(await run(parseArgs(process.argv.slice(2))));
} catch (err) {
  const error = RpcError.from(err);
  process.stderr.write(`getty-rpc: ${error.code}: ${error.message}\n`);
  process.exitCode = error.code === ErrorCode.INVALID_ARGUMENT ? 2 : 1;
}
