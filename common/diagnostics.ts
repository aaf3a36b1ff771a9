/**
 * Observability without a dependency: a `logger` option taking the usual
 * `{ debug, info, warn, error }` shape (console, pino, bunyan), and
 * `node:diagnostics_channel` channels named `getty-rpc:*` that tracing and
 * metrics code subscribes to (https://nodejs.org/api/diagnostics_channel.html).
 * A channel's message is built only when `hasSubscribers` is true, so an
 * unobserved process pays one boolean check per event. The channels and their
 * messages are listed in docs/rpc.md "Logging and diagnostics channels".
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { ErrorCode, RpcError } from './rpc-error.js';

/** What getty-rpc logs through: console and pino both fit (`fields` first, as pino takes them). */
export interface Logger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

const ignore = (): void => {};

/**
 * The default: silent, except warnings and errors that need someone to act
 * (a registry unreachable, providers lost), written with console.warn / console.error.
 */
export const DEFAULT_LOGGER: Logger = {
  debug: ignore,
  info: ignore,
  warn: (fields, message) => console.warn(`getty-rpc: ${message}`, fields),
  error: (fields, message) => console.error(`getty-rpc: ${message}`, fields),
};

/** A logger that drops everything (tests, or users who observe through the channels only). */
export const SILENT_LOGGER: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore };

/** The given logger, a missing level as a no-op; the default when none is given. Checked once, when given. */
export function resolveLogger(logger: Partial<Logger> | undefined): Logger {
  if (logger === undefined) return DEFAULT_LOGGER;
  if (typeof logger !== 'object' || logger === null) {
    throw new RpcError(ErrorCode.INVALID_ARGUMENT, 'logger must be an object with debug, info, warn and error methods');
  }
  const bind = (level: keyof Logger): Logger[keyof Logger] => {
    const fn = logger[level];
    return typeof fn === 'function' ? fn.bind(logger) : ignore;
  };
  return { debug: bind('debug'), info: bind('info'), warn: bind('warn'), error: bind('error') };
}

/** Every channel getty-rpc publishes on. */
export const channels = {
  /** A call begins: `{ side: 'consumer' | 'provider', invocation }` (the same object is then given to end or error). */
  callStart: diagnosticsChannel.channel('getty-rpc:call:start'),
  /** It succeeded: `{ side, invocation, durationMs, result }`. */
  callEnd: diagnosticsChannel.channel('getty-rpc:call:end'),
  /** It failed: `{ side, invocation, durationMs, error }` (an RpcError, or what a provider method threw). */
  callError: diagnosticsChannel.channel('getty-rpc:call:error'),
  /** A session opened: `{ side: 'consumer' | 'provider', remoteAddress, localAddress }`. */
  sessionOpen: diagnosticsChannel.channel('getty-rpc:session:open'),
  /** A session closed: `{ side, remoteAddress, localAddress, reason }` (reason: the session's closeReason, undefined after a clean close). */
  sessionClose: diagnosticsChannel.channel('getty-rpc:session:close'),
  /** A registry subscription delivered a changed provider list: `{ interfaceName, providers }` (the URLs). */
  registryChange: diagnosticsChannel.channel('getty-rpc:registry:change'),
  /** A registry became unreachable (`state: 'down'`) or reachable again (`state: 'up'`): `{ registry, state, error? }`. */
  registryOutage: diagnosticsChannel.channel('getty-rpc:registry:outage'),
} as const;
