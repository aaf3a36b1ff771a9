/**
 * One condition route, `<when> => <then>`, parsed and evaluated as Java
 * Dubbo 3's `ConditionStateRouter` does (apache/dubbo 3.3
 * `dubbo-cluster/.../router/condition/ConditionStateRouter.java`; grammar in
 * dubbo.apache.org "Conditional Routing Rules"):
 * - `consumer.` and `provider.` prefixes are dropped; no `=>` means the text
 *   is the then-part; an empty or `true` when-part matches every call;
 * - an empty or `false` then-part blocks: matching calls get no provider;
 * - tokens follow `([&!=,]*)\s*([^&!=,\s]+)`: `&` starts a key, `=` / `!=`
 *   add a value the key must / must not match, `,` adds one more value;
 * - when-keys read the call (`method`, `arguments[N]`, `attachments[k]`) or
 *   the consumer URL (`host`, `port`, `application`, any param); then-keys
 *   read each provider URL (`host`, `port`, `address`, `protocol`, any param);
 * - a key the sample lacks never matches, whether `=` or `!=` (Dubbo 3 and
 *   dubbo-go; Dubbo 2.6/2.7 let `!=` pass).
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import type { ServiceUrl } from '../../registry/service-url.js';
import { isValidRange, valueMatches } from './condition-value.js';
import type { Routable, RoutedCall } from './router.js';

/** Longest condition text accepted, in characters. */
export const MAX_CONDITION_LENGTH = 8192;

interface KeyCondition {
  readonly key: string;
  readonly matches: string[];
  readonly mismatches: string[];
}

const TOKEN = /([&!=,]*)\s*([^&!=,\s]+)/g;
const ARGUMENT_KEY = /^arguments\[(\d{1,4})\]$/;
const ATTACHMENT_KEY = /^attachments\[([^\]]+)\]$/;

export class ConditionRule {
  /** Empty: matches every call. */
  private readonly whenPart: readonly KeyCondition[];
  /** Undefined: a block rule. */
  private readonly thenPart: readonly KeyCondition[] | undefined;
  readonly readsCall: boolean;

  private constructor(
    readonly text: string,
    when: KeyCondition[],
    then: KeyCondition[] | undefined,
  ) {
    this.whenPart = when;
    this.thenPart = then;
    this.readsCall = when.some(({ key }) => key === 'method' || key === 'methods' || ARGUMENT_KEY.test(key) || ATTACHMENT_KEY.test(key));
  }

  /** Parses one condition; throws INVALID_ARGUMENT on a grammar error. */
  static parse(text: string): ConditionRule {
    if (typeof text !== 'string') throw invalid('a condition must be a string', String(text));
    if (text.length > MAX_CONDITION_LENGTH) throw invalid(`a condition is longer than ${MAX_CONDITION_LENGTH} characters`, text);
    const rule = text.replaceAll('consumer.', '').replaceAll('provider.', '');
    const arrow = rule.indexOf('=>');
    const whenText = arrow < 0 ? '' : rule.slice(0, arrow).trim();
    const thenText = (arrow < 0 ? rule : rule.slice(arrow + 2)).trim();
    if (thenText.includes('=>')) throw invalid('more than one "=>"', text);
    const when = whenText === '' || whenText === 'true' ? [] : parseConditions(whenText, text);
    const then = thenText === '' || thenText === 'false' ? undefined : parseConditions(thenText, text);
    return new ConditionRule(text, when, then);
  }

  get isBlock(): boolean {
    return this.thenPart === undefined;
  }

  /** Whether the when-part selects this call. */
  matchesCall(consumer: ServiceUrl, call: RoutedCall): boolean {
    const lookup = (key: string) => callValue(key, consumer, call);
    return this.whenPart.every((condition) => conditionHolds(condition, lookup(condition.key), true, (ref) => urlValue(ref, consumer)));
  }

  /** The targets the then-part keeps (empty for a block rule). */
  select<T extends Routable>(targets: readonly T[], consumer: ServiceUrl): T[] {
    const then = this.thenPart;
    if (!then) return [];
    const reference = (key: string) => urlValue(key, consumer);
    return targets.filter((target) => then.every((condition) => conditionHolds(condition, urlValue(condition.key, target.url), false, reference)));
  }

  /**
   * The route of one condition: calls it does not select pass unchanged; a
   * block rule leaves none; an empty selection is kept only when `force`
   * (otherwise the rule is ignored for this call).
   */
  route<T extends Routable>(targets: readonly T[], consumer: ServiceUrl, call: RoutedCall, force: boolean): readonly T[] {
    if (targets.length === 0 || !this.matchesCall(consumer, call)) return targets;
    if (!this.thenPart) return [];
    const selected = this.select(targets, consumer);
    return selected.length > 0 || force ? selected : targets;
  }
}

function parseConditions(text: string, whole: string): KeyCondition[] {
  const conditions = new Map<string, KeyCondition>();
  let current: KeyCondition | undefined;
  let values: string[] | undefined;
  let consumed = 0;
  for (const match of text.matchAll(TOKEN)) {
    if (text.slice(consumed, match.index).trim() !== '') throw invalid(`unexpected text before "${match[0].trim()}"`, whole);
    consumed = match.index + match[0].length;
    const [, separator, content] = match as unknown as [string, string, string];
    switch (separator) {
      case '':
      case '&':
        if (current && current.matches.length + current.mismatches.length === 0) throw invalid(`key "${current.key}" has no value`, whole);
        current = keyCondition(conditions, content, whole);
        values = undefined;
        break;
      case '=':
      case '!=':
        if (!current) throw invalid(`"${separator}" before any key`, whole);
        values = separator === '=' ? current.matches : current.mismatches;
        values.push(checkedValue(content, whole));
        break;
      case ',':
        if (!values) throw invalid(`"," before any value`, whole);
        values.push(checkedValue(content, whole));
        break;
      default:
        throw invalid(`unexpected "${separator}"`, whole);
    }
  }
  if (text.slice(consumed).trim() !== '') throw invalid('dangling separator at the end', whole);
  if (current && current.matches.length + current.mismatches.length === 0) throw invalid(`key "${current.key}" has no value`, whole);
  return [...conditions.values()];
}

function keyCondition(conditions: Map<string, KeyCondition>, key: string, whole: string): KeyCondition {
  if (key === '__proto__') throw invalid('"__proto__" is not a key', whole);
  let condition = conditions.get(key);
  if (!condition) {
    condition = { key, matches: [], mismatches: [] };
    conditions.set(key, condition);
  }
  return condition;
}

function checkedValue(value: string, whole: string): string {
  if (!isValidRange(value)) throw invalid(`"${value}" is not a numeric range`, whole);
  return value;
}

/** Java's `MatchPair.isMatch`: mismatches veto first, then one match is needed. */
function conditionHolds(condition: KeyCondition, sample: string | undefined, whenPart: boolean, reference: (key: string) => string | undefined): boolean {
  if (sample === undefined) return false;
  const { matches, mismatches } = condition;
  if (mismatches.some((pattern) => valueMatches(pattern, sample, whenPart, reference))) return false;
  return matches.length === 0 || matches.some((pattern) => valueMatches(pattern, sample, whenPart, reference));
}

function callValue(key: string, consumer: ServiceUrl, call: RoutedCall): string | undefined {
  if (key === 'method' || key === 'methods') return call.methodName;
  const argument = ARGUMENT_KEY.exec(key);
  if (argument) return scalarText(call.args[Number(argument[1])]);
  const attachment = ATTACHMENT_KEY.exec(key);
  if (attachment) return Object.hasOwn(call.attachments, attachment[1]!) ? scalarText(call.attachments[attachment[1]!]) : undefined;
  return urlValue(key, consumer);
}

/** A URL field (`host`, `port`, `address`, `protocol`, `path`) or a non-empty param. */
export function urlValue(key: string, url: ServiceUrl): string | undefined {
  switch (key) {
    case 'host':
      return url.host;
    case 'port':
      return String(url.port);
    case 'address':
      return `${url.host}:${url.port}`;
    case 'protocol':
      return url.protocol;
    case 'path':
      return url.path;
    default:
      return Object.hasOwn(url.params, key) && url.params[key] !== '' ? url.params[key] : undefined;
  }
}

/** Java's `String.valueOf` for the values a rule can compare; objects never match. */
function scalarText(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    default:
      return undefined;
  }
}

function invalid(reason: string, text: string): RpcError {
  return new RpcError(ErrorCode.INVALID_ARGUMENT, `bad condition rule (${reason}): ${text.slice(0, 200)}`);
}
