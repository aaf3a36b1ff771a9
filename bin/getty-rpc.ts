#!/usr/bin/env node
/**
 * The `getty-rpc` command: an operator's tool over the public API.
 *
 *   getty-rpc echo <target> <interface> [text]                       $echo round trip
 *   getty-rpc call <target> <interface> <method> [types] [args]      generic $invoke, arguments checked
 *   getty-rpc providers <registry-url> <interface>                   registered providers
 *   getty-rpc gen <file.proto> [--out dir]                           TypeScript types of a .proto
 *
 * `getty-rpc --help` and `getty-rpc <command> --help` list the options;
 * docs/cli.md documents them and the exit codes: 0 success, 1 the call or
 * lookup failed (its RpcError code is printed), 2 usage or bad input.
 */
import { readFileSync } from 'node:fs';
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import { CALL_OPTION_SPEC } from './cli/call-target.js';
import { type OptionSpec, type ParsedArgs, parseArgs, usageError } from './cli/cli-args.js';
import { callCommand, echoCommand, genCommand, type Output, providersCommand } from './cli/commands.js';
import { HELP } from './cli/help.js';

interface Command {
  options: OptionSpec;
  run(args: ParsedArgs): Promise<Output>;
}

const COMMANDS: Readonly<Record<string, Command>> = {
  echo: { options: CALL_OPTION_SPEC, run: echoCommand },
  call: { options: CALL_OPTION_SPEC, run: callCommand },
  providers: { options: { version: 'value', group: 'value', timeout: 'value', json: 'flag', help: 'flag' }, run: providersCommand },
  gen: { options: { out: 'value', 'keep-case': 'flag', include: 'list', help: 'flag' }, run: genCommand },
};

/** Runs one command line; resolves with the exit code. */
async function main(argv: readonly string[]): Promise<number> {
  const name = argv.find((arg) => !arg.startsWith('-'));
  const command = name === undefined ? undefined : COMMANDS[name];
  const json = argv.includes('--json');
  try {
    if (command === undefined) return topLevel(argv, name);
    const args = parseArgs(argv, command.options, name!);
    if (args.flags.has('help')) return write(process.stdout, HELP[name!]!);
    print(await command.run(args), json);
    return 0;
  } catch (err) {
    return fail(err, json, name !== undefined && command !== undefined ? name : 'main');
  }
}

function topLevel(argv: readonly string[], name: string | undefined): number {
  if (name === 'help') {
    const topic = argv[argv.indexOf('help') + 1];
    return write(process.stdout, HELP[topic !== undefined && HELP[topic] !== undefined ? topic : 'main']!);
  }
  if (name !== undefined) throw usageError(`unknown command '${name}'`);
  if (argv.includes('--version') && argv.length === 1) return write(process.stdout, packageVersion());
  if (argv.length === 0 || argv.every((arg) => arg === '--help' || arg === '-h')) return write(argv.length === 0 ? process.stderr : process.stdout, HELP.main!, argv.length === 0 ? 2 : 0);
  throw usageError(`unknown option ${argv[0]}`);
}

function packageVersion(): string {
  // Two levels up from dist/lib/getty-rpc.js (the package) and from dist/bin/getty-rpc.js (the build).
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function print(output: Output, json: boolean): void {
  if (json) write(process.stdout, JSON.stringify('value' in output ? output.value : output.json, jsonReplacer) ?? 'null');
  else if ('value' in output) write(process.stdout, typeof output.value === 'string' ? output.value : (JSON.stringify(output.value, jsonReplacer, 2) ?? 'null'));
  else if (output.lines.length > 0) write(process.stdout, output.lines.join('\n'));
}

function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

function fail(err: unknown, json: boolean, command: string): number {
  const error = RpcError.from(err);
  // Bad input, from the command line or found by the library before anything was sent.
  const usage = error.code === ErrorCode.INVALID_ARGUMENT || error.code === ErrorCode.BAD_URL;
  const hint = usage ? `\nrun 'getty-rpc ${command === 'main' ? '' : `${command} `}--help' for usage` : '';
  process.stderr.write(`getty-rpc: ${error.code}: ${error.message}${hint}\n`);
  if (json) write(process.stdout, JSON.stringify({ error: { code: error.code, message: error.message } }));
  return usage ? 2 : 1;
}

function write(stream: NodeJS.WriteStream, text: string, code = 0): number {
  stream.write(`${text}\n`);
  return code;
}

process.exitCode = await main(process.argv.slice(2));
