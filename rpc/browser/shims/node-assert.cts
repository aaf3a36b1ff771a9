/**
 * Browser stand-in for Node's `assert`, aliased in by build.ts: hessian.js
 * only calls `assert(value, message)`. CommonJS (`.cts`) so `require('assert')`
 * returns the function itself.
 */
function assert(value: unknown, message?: string): void {
  if (!value) throw new Error(message ?? 'assertion failed');
}

export = assert;
