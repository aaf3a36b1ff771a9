/**
 * Browser stand-in for the `utility` package, aliased in by build.ts: the
 * real one pulls in fs and crypto; hessian.js and `byte` need only these three.
 */
/** Digits of Number.MAX_SAFE_INTEGER (9007199254740991). */
const MAX_SAFE = String(Number.MAX_SAFE_INTEGER);

/** True when the integer text `s` converts to a Number without losing digits. */
function isSafeNumberString(s: string): boolean {
  const digits = s.startsWith('-') ? s.slice(1) : s;
  return digits.length < MAX_SAFE.length || (digits.length === MAX_SAFE.length && digits <= MAX_SAFE);
}

function assign(target: Record<string, unknown>, sources: unknown): Record<string, unknown> {
  for (const source of Array.isArray(sources) ? sources : [sources]) {
    if (source) Object.assign(target, source);
  }
  return target;
}

function has(obj: object, prop: string): boolean {
  return Object.hasOwn(obj, prop);
}

export = { isSafeNumberString, assign, has };
