/**
 * The `echo` provider filter (dubbo-go `filter/`): `$echo(x)` with exactly one
 * argument returns `x` without touching the service, as a health check.
 */
import { type Filter, registerFilter } from '../filter.js';

export const ECHO_METHOD = '$echo';

/** Answers `$echo` calls; everything else passes through. */
export function echoFilter(): Filter {
  // Not async: a pass-through layer should not add a promise per call.
  return (invocation, next) => {
    if (invocation.methodName === ECHO_METHOD && invocation.args.length === 1) return Promise.resolve(invocation.args[0]);
    return next(invocation);
  };
}

registerFilter('echo', echoFilter);
