/**
 * A configurator item's `match` block (Dubbo 3 `ConditionMatch`, apache/dubbo
 * 3.3 `dubbo-cluster/.../configurator/parser/model/ConditionMatch.java`;
 * dubbo.apache.org "Configuration Rule", `ConfigItem.match`). Every part that
 * is present must hold:
 *
 *     match:
 *       address: {cird: "127.0.1.0/24"}          # the consumer's IP (provider side: the provider's)
 *       providerAddress: {exact: "127.0.0.2:20880"}
 *       service: {oneof: [{prefix: com.example.}]}
 *       app: {oneof: [{exact: shop-web}]}
 *       param: [{key: region, value: {exact: hz}}]
 *
 * AddressMatch takes one of `exact`, `wildcard` (a glob; `*` and `0.0.0.0`
 * match all) or `cird` (IPv4 CIDR, or an exact address); the rest take
 * StringMatch (string-match.ts). A `param` must be present on the target to
 * match, as Java's `ParamMatch` requires.
 */
import { globMatches } from './condition-value.js';
import { asFields, type Fields, invalid, optionalList, optionalString } from './rule-document.js';
import { parseStringMatch, type StringMatch, stringMatches } from './string-match.js';

const WHAT = 'configurators rule';
const KEYS = new Set(['address', 'providerAddress', 'service', 'app', 'param']);
const ADDRESS_KEYS = new Set(['exact', 'wildcard', 'cird']);
const LIST_KEYS = new Set(['oneof']);
const PARAM_KEYS = new Set(['key', 'value']);

interface AddressMatch {
  readonly kind: 'exact' | 'wildcard' | 'cird';
  readonly pattern: string;
}

/** What a match block is checked against. */
export interface MatchTarget {
  /** The consumer's IP on a consumer; the provider's own host on a provider. */
  readonly host: string;
  /** The configured provider's `ip:port`. */
  readonly providerAddress: string;
  /** `[group/]interface[:version]` of the target. */
  readonly service: string;
  /** The application applying the rule. */
  readonly application: string;
  readonly params: Readonly<Record<string, string>>;
}

export class ConfigMatch {
  private constructor(
    private readonly address: AddressMatch | undefined,
    private readonly providerAddress: AddressMatch | undefined,
    private readonly service: readonly StringMatch[] | undefined,
    private readonly app: readonly StringMatch[] | undefined,
    private readonly param: readonly { key: string; value: StringMatch }[],
  ) {}

  /** Parses a `match` value. Throws INVALID_ARGUMENT. */
  static parse(value: unknown): ConfigMatch {
    const fields = asFields(value, WHAT, KEYS);
    const param = (optionalList(fields, 'param', WHAT) ?? []).map((entry) => {
      const item = asFields(entry, WHAT, PARAM_KEYS);
      const key = optionalString(item, 'key', WHAT);
      if (!key) throw invalid(WHAT, 'a match param needs a key');
      return { key, value: parseStringMatch(item.value, WHAT, `match param "${key}"`) };
    });
    return new ConfigMatch(
      optionalAddress(fields, 'address'),
      optionalAddress(fields, 'providerAddress'),
      optionalOneOf(fields, 'service'),
      optionalOneOf(fields, 'app'),
      param,
    );
  }

  matches(target: MatchTarget): boolean {
    if (this.address && !addressMatches(this.address, target.host)) return false;
    if (this.providerAddress && !addressMatches(this.providerAddress, target.providerAddress)) return false;
    if (this.service && !this.service.some((match) => stringMatches(match, target.service))) return false;
    if (this.app && !this.app.some((match) => stringMatches(match, target.application))) return false;
    return this.param.every(({ key, value }) => target.params[key] !== undefined && stringMatches(value, target.params[key]));
  }
}

function optionalAddress(fields: Fields, key: string): AddressMatch | undefined {
  if (fields[key] === undefined || fields[key] === null) return undefined;
  const condition = asFields(fields[key], WHAT, ADDRESS_KEYS);
  const kinds = Object.keys(condition);
  if (kinds.length !== 1) throw invalid(WHAT, `match ${key} needs exactly one of ${[...ADDRESS_KEYS].join(', ')}`);
  const kind = kinds[0] as AddressMatch['kind'];
  const pattern = optionalString(condition, kind, WHAT) ?? '';
  if (kind === 'cird' && pattern.includes('/') && !parseCidr(pattern)) throw invalid(WHAT, `match ${key}: bad CIDR "${pattern}"`);
  return { kind, pattern };
}

function optionalOneOf(fields: Fields, key: string): StringMatch[] | undefined {
  if (fields[key] === undefined || fields[key] === null) return undefined;
  const list = optionalList(asFields(fields[key], WHAT, LIST_KEYS), 'oneof', WHAT) ?? [];
  if (list.length === 0) throw invalid(WHAT, `match ${key} needs a oneof list`);
  return list.map((entry) => parseStringMatch(entry, WHAT, `match ${key}`));
}

function addressMatches(match: AddressMatch, input: string): boolean {
  switch (match.kind) {
    case 'exact':
      return input === match.pattern;
    case 'wildcard':
      return match.pattern === '*' || match.pattern === '0.0.0.0' || globMatches(match.pattern, input);
    default: {
      if (input === match.pattern) return true;
      const cidr = parseCidr(match.pattern);
      const address = ipv4(input.split(':')[0]!);
      return cidr !== undefined && address !== undefined && (address & cidr.mask) >>> 0 === cidr.network;
    }
  }
}

function parseCidr(text: string): { network: number; mask: number } | undefined {
  const [base, bitsText] = text.split('/');
  const bits = Number(bitsText);
  const address = ipv4(base ?? '');
  if (address === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return undefined;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { network: (address & mask) >>> 0, mask };
}

function ipv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255)) return undefined;
  return parts.reduce((value, part) => (value << 8) + Number(part), 0) >>> 0;
}
