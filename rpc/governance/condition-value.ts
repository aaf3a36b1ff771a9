/**
 * One value of a condition rule (`region = hz,sh*`, `arguments[0] = 1~100`,
 * `region = $region`) and how it matches a sample, as Java Dubbo 3's
 * condition matchers do (`router/condition/matcher/pattern/value/
 * {WildcardValuePattern,RangeValuePattern}`, `UrlUtils.isMatchGlobPattern`):
 * - `*` matches anything;
 * - one `*` makes a glob: prefix `10.20.*`, suffix `*.svc`, infix `a*z`
 *   (the last `*` splits);
 * - `$name` stands for the consumer's own value of `name`;
 * - `a~b`, `~b`, `a~` are inclusive numeric ranges. A sample that is not a
 *   number fails in a when-part and passes in a then-part, as Java's
 *   `RangeValuePattern` does.
 */

/** Reads a key from the consumer's side (for `$name` references). */
export type ReferenceLookup = (key: string) => string | undefined;

export function valueMatches(pattern: string, sample: string, whenPart: boolean, lookup: ReferenceLookup): boolean {
  if (pattern.startsWith('$')) return lookup(pattern.slice(1)) === sample;
  if (pattern.includes('~')) return rangeMatches(pattern, sample, whenPart);
  return globMatches(pattern, sample);
}

export function globMatches(pattern: string, sample: string): boolean {
  if (pattern === '*') return true;
  const star = pattern.lastIndexOf('*');
  if (star < 0) return pattern === sample;
  const prefix = pattern.slice(0, star);
  const suffix = pattern.slice(star + 1);
  return sample.length >= prefix.length + suffix.length && sample.startsWith(prefix) && sample.endsWith(suffix);
}

function rangeMatches(pattern: string, sample: string, whenPart: boolean): boolean {
  const value = Number(sample);
  if (sample.trim() === '' || !Number.isFinite(value)) return !whenPart;
  const [lowText, highText] = splitRange(pattern);
  const low = lowText === '' ? -Infinity : Number(lowText);
  const high = highText === '' ? Infinity : Number(highText);
  return value >= low && value <= high;
}

function splitRange(pattern: string): [string, string] {
  const tilde = pattern.indexOf('~');
  return [pattern.slice(0, tilde).trim(), pattern.slice(tilde + 1).trim()];
}

/** True when a range pattern's bounds are numbers (checked when the rule is parsed). */
export function isValidRange(pattern: string): boolean {
  if (!pattern.includes('~') || pattern.startsWith('$')) return true;
  const [low, high] = splitRange(pattern);
  if (low === '' && high === '') return false;
  return [low, high].every((bound) => bound === '' || Number.isFinite(Number(bound)));
}
