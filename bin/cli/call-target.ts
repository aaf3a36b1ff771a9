/**
 * What `echo` and `call` connect to: a direct `dubbo://` target or a registry
 * URL, with version, group, timeout, serialization, transport and TLS taken
 * from the command's options.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { RpcClientOptions } from '../../rpc/client.js';
import type { ReferOptions } from '../../rpc/client.js';
import { type ParsedArgs, positiveMs, usageError } from './cli-args.js';

/** Options `echo` and `call` accept. */
export const CALL_OPTION_SPEC = {
  version: 'value',
  group: 'value',
  timeout: 'value',
  'timeout-ms': 'value',
  attachment: 'list',
  serialization: 'value',
  transport: 'value',
  'ws-path': 'value',
  tls: 'flag',
  'tls-ca': 'value',
  'tls-cert': 'value',
  'tls-key': 'value',
  'tls-servername': 'value',
  'tls-insecure': 'flag',
  json: 'flag',
  help: 'flag',
} as const;

const DIRECT_PROTOCOLS = new Set(['dubbo', 'direct']);

export interface CallTarget {
  client: RpcClientOptions;
  refer: ReferOptions;
  attachments: Record<string, string>;
}

export function callTarget(target: string, args: ParsedArgs): CallTarget {
  const protocol = /^([a-z][a-z0-9+.-]*):\/\//i.exec(target)?.[1]?.toLowerCase();
  if (protocol === undefined) throw usageError(`target must be a URL such as dubbo://127.0.0.1:20880 or zookeeper://127.0.0.1:2181, got ${target}`);
  const direct = DIRECT_PROTOCOLS.has(protocol);
  const timeoutMs = positiveMs(args, 'timeout', positiveMs(args, 'timeout-ms', 3000));
  const tls = tlsOptions(args);
  const client: RpcClientOptions = { application: 'getty-rpc-cli', timeoutMs, ...(direct ? {} : { registry: target }), ...(tls ? { tls } : {}) };
  const refer: ReferOptions = {
    version: args.values.get('version') ?? '',
    group: args.values.get('group') ?? '',
    serialization: args.values.get('serialization') ?? 'hessian2',
    timeoutMs,
    retries: 0,
    ...(direct ? { url: target } : {}),
    ...transportOptions(args),
  };
  return { client, refer, attachments: attachmentsOf(args) };
}

function transportOptions(args: ParsedArgs): Pick<ReferOptions, 'transport' | 'path'> {
  const transport = args.values.get('transport');
  if (transport !== undefined && transport !== 'tcp' && transport !== 'ws') throw usageError(`--transport must be tcp or ws, got ${transport}`);
  const path = args.values.get('ws-path');
  return { ...(transport ? { transport } : {}), ...(path ? { path } : {}) };
}

function attachmentsOf(args: ParsedArgs): Record<string, string> {
  const attachments: Record<string, string> = Object.create(null);
  for (const pair of args.lists.get('attachment') ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw usageError(`--attachment takes key=value, got ${pair}`);
    attachments[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return { ...attachments };
}

function tlsOptions(args: ParsedArgs): ConnectionOptions | undefined {
  const files = { ca: args.values.get('tls-ca'), cert: args.values.get('tls-cert'), key: args.values.get('tls-key') };
  const servername = args.values.get('tls-servername');
  const insecure = args.flags.has('tls-insecure');
  const wanted = args.flags.has('tls') || insecure || servername !== undefined || Object.values(files).some((f) => f !== undefined);
  if (!wanted) return undefined;
  if ((files.cert === undefined) !== (files.key === undefined)) throw usageError('--tls-cert and --tls-key go together');
  const options: ConnectionOptions = { rejectUnauthorized: !insecure };
  for (const [name, file] of Object.entries(files)) if (file !== undefined) options[name as 'ca' | 'cert' | 'key'] = readPem(file, `--tls-${name}`);
  if (servername !== undefined) options.servername = servername;
  return options;
}

function readPem(file: string, option: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw usageError(`${option}: cannot read ${file}: ${(err as Error).message}`);
  }
}
