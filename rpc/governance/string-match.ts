/**
 * Java Dubbo 3's `StringMatch` (apache/dubbo 3.3 `.../match/StringMatch.java`),
 * used by tag rules (`match[].value`) and configurator `match` blocks: exactly
 * one of `exact`, `prefix`, `wildcard`, `empty`, `noempty`. `regex` is refused
 * when the rule is read: a hostile pattern could stall the event loop.
 * `wildcard` is a one-`*` glob (`a*`, `*z`, `*`), which agrees with Java's
 * (`*` or the exact text) wherever Java's matches.
 */
import { globMatches } from './condition-value.js';
import { asFields, type Fields, invalid, optionalString } from './rule-document.js';

const KINDS = new Set(['exact', 'prefix', 'wildcard', 'empty', 'noempty']);

export interface StringMatch {
  readonly kind: 'exact' | 'prefix' | 'wildcard' | 'empty' | 'noempty';
  readonly pattern: string;
}

/** Parses `{exact: v}` and the like; `where` names the field in errors. Throws INVALID_ARGUMENT. */
export function parseStringMatch(value: unknown, what: string, where: string): StringMatch {
  const condition: Fields = asFields(value, what);
  const kinds = Object.keys(condition);
  if (kinds.length === 1 && kinds[0] === 'regex') throw invalid(what, `${where}: "regex" is not supported (a pattern could stall the event loop)`);
  if (kinds.length !== 1 || !KINDS.has(kinds[0]!)) throw invalid(what, `${where} needs exactly one of ${[...KINDS].join(', ')}`);
  const kind = kinds[0] as StringMatch['kind'];
  return { kind, pattern: optionalString(condition, kind, what) ?? '' };
}

/** Whether `value` (undefined: absent) satisfies the match; `empty` accepts an absent value. */
export function stringMatches(match: StringMatch, value: string | undefined): boolean {
  switch (match.kind) {
    case 'exact':
      return value === match.pattern;
    case 'prefix':
      return value?.startsWith(match.pattern) === true;
    case 'wildcard':
      return value !== undefined && globMatches(match.pattern, value);
    case 'empty':
      return value === undefined || value === '';
    default:
      return value !== undefined && value !== '';
  }
}
