/**
 * The config-center form of a condition rule, `<key>.condition-router`
 * (dubbo.apache.org "Conditional Routing Rules"; Java Dubbo 3
 * `router/condition/config/model/ConditionRouterRule.java`,
 * `AbstractRouterRule.java`):
 *
 *     configVersion: v3.0     # optional: dubbo-admin writes none
 *     scope: service          # or application
 *     key: com.example.DemoService
 *     enabled: true
 *     force: false
 *     runtime: true
 *     priority: 0
 *     conditions:
 *       - method = sayHello => region = hz
 *
 * Defaults follow Java: enabled true, force false, runtime true, priority 0.
 * A `configVersion` of v3.1 or above (the multi-destination form) is refused,
 * so the rule is reported instead of half applied.
 */
import { ConditionRouter } from './condition-router.js';
import {
  asFields,
  invalid,
  optionalBoolean,
  optionalInteger,
  optionalList,
  optionalString,
  parseRuleDocument,
} from './rule-document.js';

const WHAT = 'condition-router rule';
const KEYS = new Set(['configVersion', 'scope', 'key', 'enabled', 'force', 'runtime', 'priority', 'conditions']);

/** Parses a `.condition-router` document; undefined for an empty one (no rule). Throws INVALID_ARGUMENT. */
export function parseConditionRouterYaml(text: string, source = ''): ConditionRouter | undefined {
  const document = parseRuleDocument(text, WHAT);
  if (!document) return undefined;
  const fields = asFields(document, WHAT, KEYS);
  checkConfigVersion(optionalString(fields, 'configVersion', WHAT));
  const scope = optionalString(fields, 'scope', WHAT);
  if (scope !== undefined && scope !== 'service' && scope !== 'application') throw invalid(WHAT, `unknown scope "${scope}"`);
  optionalBoolean(fields, 'runtime', WHAT, true);
  const conditions = optionalList(fields, 'conditions', WHAT) ?? [];
  if (!conditions.every((condition) => typeof condition === 'string')) throw invalid(WHAT, 'every condition must be a string');
  return new ConditionRouter({
    conditions: conditions as string[],
    force: optionalBoolean(fields, 'force', WHAT, false),
    enabled: optionalBoolean(fields, 'enabled', WHAT, true),
    priority: optionalInteger(fields, 'priority', WHAT, 0),
    source,
  });
}

/** Below v3.1 (or absent) is the classic form; Java's `ConditionRuleParser` switches at v3.1. */
export function checkConfigVersion(version: string | undefined, what = WHAT): void {
  if (version === undefined || version === '') return;
  const parsed = /^[vV](\d+)\.(\d+)/.exec(version);
  if (!parsed) throw invalid(what, `bad configVersion "${version}"`);
  const [major, minor] = [Number(parsed[1]), Number(parsed[2])];
  if (major > 3 || (major === 3 && minor >= 1)) throw invalid(what, `configVersion ${version} (multi-destination rules) is not supported`);
}
