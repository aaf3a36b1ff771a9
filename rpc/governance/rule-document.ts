/**
 * Reads a governance YAML document (`.configurators`, `.condition-router`,
 * `.tag-router`) into checked plain data, with the `yaml` package. Rule text
 * comes from whoever can write the config center, so it is treated as
 * hostile: bounded size and alias count, every scalar read as a string (the
 * failsafe schema, so `version: 1.0` stays "1.0"), unknown keys and
 * `__proto__` refused. Every failure is an RpcError INVALID_ARGUMENT the
 * caller can log before keeping its previous rules.
 */
import { createRequire } from 'node:module';
import { ErrorCode, RpcError } from '../../common/rpc-error.js';

type YamlModule = typeof import('yaml');

let yamlModule: YamlModule | undefined;

/** `yaml` is CommonJS: loaded on the first rule, so importing the package loads none (docs/performance.md). */
function yaml(): YamlModule {
  yamlModule ??= createRequire(import.meta.url)('yaml') as YamlModule;
  return yamlModule;
}

/** Largest rule document accepted, in bytes of UTF-8. */
export const MAX_RULE_BYTES = 64 * 1024;
/** Most YAML aliases (`*anchor`) a document may use. */
const MAX_ALIASES = 16;

export type Fields = Readonly<Record<string, unknown>>;

/** Parses `text`; undefined when it is empty (no rule). */
export function parseRuleDocument(text: string, what: string): Fields | undefined {
  if (Buffer.byteLength(text, 'utf8') > MAX_RULE_BYTES) throw invalid(what, `longer than ${MAX_RULE_BYTES} bytes`);
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = yaml().parse(text, { schema: 'failsafe', maxAliasCount: MAX_ALIASES, uniqueKeys: true, prettyErrors: false });
  } catch (err) {
    throw invalid(what, err instanceof Error ? err.message.split('\n')[0]! : String(err), err);
  }
  if (value === null || value === undefined) return undefined;
  return asFields(value, what);
}

/** A mapping whose keys are all in `known` (INVALID_ARGUMENT otherwise). */
export function asFields(value: unknown, what: string, known?: ReadonlySet<string>): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(what, 'expected a mapping');
  for (const key of Object.keys(value)) {
    if (key === '__proto__' || (known && !known.has(key))) throw invalid(what, `unknown key "${key}"`);
  }
  return value as Fields;
}

export function optionalString(fields: Fields, key: string, what: string): string | undefined {
  const value = fields[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(what, `"${key}" must be a string`);
  return value;
}

export function optionalBoolean(fields: Fields, key: string, what: string, fallback: boolean): boolean {
  const text = optionalString(fields, key, what);
  if (text === undefined || text === '') return fallback;
  if (text !== 'true' && text !== 'false') throw invalid(what, `"${key}" must be true or false`);
  return text === 'true';
}

export function optionalInteger(fields: Fields, key: string, what: string, fallback: number): number {
  const text = optionalString(fields, key, what);
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw invalid(what, `"${key}" must be a whole number`);
  return value;
}

/** A list of strings (a single string is a one-element list); undefined when absent. */
export function optionalStringList(fields: Fields, key: string, what: string): string[] | undefined {
  const value = fields[key];
  if (value === undefined || value === null) return undefined;
  const list = Array.isArray(value) ? value : [value];
  if (!list.every((item) => typeof item === 'string')) throw invalid(what, `"${key}" must be a list of strings`);
  return list as string[];
}

export function optionalList(fields: Fields, key: string, what: string): unknown[] | undefined {
  const value = fields[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalid(what, `"${key}" must be a list`);
  return value;
}

/** A string → string map (URL parameters); `__proto__` is refused. */
export function stringMap(value: unknown, what: string): Record<string, string> {
  const fields = asFields(value, what);
  const map: Record<string, string> = {};
  for (const [key, item] of Object.entries(fields)) {
    if (typeof item !== 'string') throw invalid(what, `parameter "${key}" must be a scalar`);
    map[key] = item;
  }
  return map;
}

export function invalid(what: string, reason: string, cause?: unknown): RpcError {
  return new RpcError(ErrorCode.INVALID_ARGUMENT, `bad ${what}: ${reason}`, cause === undefined ? {} : { cause });
}
