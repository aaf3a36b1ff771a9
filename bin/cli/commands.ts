/** The `getty-rpc` commands: each takes the parsed arguments and resolves with what to print. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import { consumerUrl, createRegistry, type ServiceUrl } from '../../registry/index.js';
import { RpcClient } from '../../rpc/client.js';
import { generateProtoTypes } from '../../rpc/proto-type-generator.js';
import { withCallOptions } from '../../rpc/proxy.js';
import { callTarget } from './call-target.js';
import { type ParsedArgs, positiveMs, usageError } from './cli-args.js';
import { checkCallArguments } from './java-args.js';

interface GenericProxy {
  $echo(value: unknown): Promise<unknown>;
  $invoke(method: string, types: unknown[], args: unknown[]): Promise<unknown>;
}

/** What a command prints: `value` as text or JSON, or `lines` one per line (as a JSON array with --json). */
export type Output = { value: unknown } | { lines: string[]; json: unknown };

export async function echoCommand(args: ParsedArgs): Promise<Output> {
  const [target, interfaceName, text] = wordsOf(args, 2, 3, 'echo');
  return { value: await withProxy(target!, interfaceName!, args, (proxy) => proxy.$echo(text ?? 'ping')) };
}

export async function callCommand(args: ParsedArgs): Promise<Output> {
  const [target, interfaceName, method, typesJson, argsJson] = wordsOf(args, 3, 5, 'call');
  const types = jsonArray(typesJson, 'types-json');
  const callArgs = jsonArray(argsJson, 'args-json');
  const typeNames = checkCallArguments(method!, types, callArgs);
  return { value: await withProxy(target!, interfaceName!, args, (proxy) => proxy.$invoke(method!, typeNames, callArgs)) };
}

export async function providersCommand(args: ParsedArgs): Promise<Output> {
  const [registryUrl, interfaceName] = wordsOf(args, 2, 2, 'providers');
  const registry = createRegistry(registryUrl!);
  const timeoutMs = positiveMs(args, 'timeout', 10_000);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RpcError(ErrorCode.TIMEOUT, `no answer from ${registryUrl} within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const consumer = consumerUrl({ host: '127.0.0.1', interfaceName: interfaceName!, application: 'getty-rpc-cli' });
    const found = await Promise.race([registry.lookup(consumer), deadline]);
    const wanted = found.filter((url) => matches(url, 'version', args) && matches(url, 'group', args));
    return { lines: wanted.map((url) => url.toString()), json: wanted.map(describeProvider) };
  } finally {
    clearTimeout(timer);
    await registry.close();
  }
}

export async function genCommand(args: ParsedArgs): Promise<Output> {
  if (args.words.length < 2) throw usageError('gen needs a .proto file');
  const files = args.words.slice(1);
  const source = generateProtoTypes(files, { keepCase: args.flags.has('keep-case'), includeDirs: args.lists.get('include') ?? [] });
  const outDir = args.values.get('out');
  if (outDir === undefined) return { lines: [source.trimEnd()], json: source };
  const outFile = path.join(outDir, `${path.basename(files[0]!, '.proto')}.ts`);
  await mkdir(outDir, { recursive: true });
  await writeFile(outFile, source);
  return { lines: [`wrote ${outFile}`], json: { file: outFile } };
}

function wordsOf(args: ParsedArgs, min: number, max: number, command: string): (string | undefined)[] {
  const words = args.words.slice(1);
  if (words.length < min) throw usageError(`${command} needs at least ${min} arguments, got ${words.length}`);
  if (words.length > max) throw usageError(`${command} takes at most ${max} arguments, got ${words.length}: ${words.slice(max).join(' ')}`);
  return words;
}

function jsonArray(text: string | undefined, what: string): unknown[] {
  if (text === undefined) return [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw usageError(`${what} is not JSON: ${text}`);
  }
  if (!Array.isArray(value)) throw usageError(`${what} must be a JSON array, got ${text}`);
  return value;
}

async function withProxy(target: string, interfaceName: string, args: ParsedArgs, use: (proxy: GenericProxy) => Promise<unknown>): Promise<unknown> {
  const { client: clientOptions, refer, attachments } = callTarget(target, args);
  const client = new RpcClient(clientOptions);
  try {
    const proxy = client.refer(interfaceName, refer) as unknown as GenericProxy;
    return await use(Object.keys(attachments).length > 0 ? withCallOptions(proxy, { attachments }) : proxy);
  } finally {
    await client.close();
  }
}

function matches(url: ServiceUrl, key: 'version' | 'group', args: ParsedArgs): boolean {
  const wanted = args.values.get(key);
  return wanted === undefined || (url.getParam(key) ?? '') === wanted;
}

function describeProvider(url: ServiceUrl) {
  return {
    url: url.toString(),
    address: url.address,
    version: url.getParam('version') ?? '',
    group: url.getParam('group') ?? '',
    application: url.getParam('application') ?? '',
    methods: (url.getParam('methods') ?? '').split(',').filter(Boolean),
  };
}
