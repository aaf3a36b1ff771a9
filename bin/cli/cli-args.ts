/**
 * Command-line parsing for `getty-rpc`: positional words and `--name value` /
 * `--name=value` options, checked against what each command accepts, so a
 * mistyped option is an error rather than silently ignored.
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';

/** `value`: takes one value; `list`: takes a value and may repeat; `flag`: takes none. */
export type OptionKind = 'value' | 'list' | 'flag';

export type OptionSpec = Readonly<Record<string, OptionKind>>;

export interface ParsedArgs {
  readonly words: string[];
  readonly values: Map<string, string>;
  readonly lists: Map<string, string[]>;
  readonly flags: Set<string>;
}

/** The user's mistake on the command line: INVALID_ARGUMENT, exit code 2 (bin/getty-rpc.ts). */
export function usageError(message: string): RpcError {
  return new RpcError(ErrorCode.INVALID_ARGUMENT, message);
}

/** Splits argv into words and options; options may come before, between or after the words; `--` ends options. */
export function parseArgs(argv: readonly string[], spec: OptionSpec, command: string): ParsedArgs {
  const parsed: ParsedArgs = { words: [], values: new Map(), lists: new Map(), flags: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      parsed.words.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h') {
      parsed.flags.add('help');
      continue;
    }
    if (!arg.startsWith('--') || arg.length === 2) {
      parsed.words.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const kind = spec[name];
    if (kind === undefined) throw usageError(`unknown option --${name} for ${command}`);
    if (kind === 'flag') {
      if (eq >= 0) throw usageError(`--${name} takes no value`);
      parsed.flags.add(name);
      continue;
    }
    const value: string | undefined = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw usageError(`--${name} needs a value`);
    if (kind === 'list') parsed.lists.set(name, [...(parsed.lists.get(name) ?? []), value]);
    else parsed.values.set(name, value);
  }
  return parsed;
}

/** A positive whole number of milliseconds, or the fallback when the option is absent. */
export function positiveMs(args: ParsedArgs, name: string, fallback: number): number {
  const text = args.values.get(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw usageError(`--${name} must be a positive whole number of ms, got ${text}`);
  return value;
}
