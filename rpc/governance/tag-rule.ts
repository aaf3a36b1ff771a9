/**
 * A dynamic tag rule, `<provider-application>.tag-router` (dubbo.apache.org
 * "Tag Routing Rules"; Java Dubbo 3 `router/tag/model/{TagRouterRule,Tag}.java`):
 *
 *     force: false
 *     enabled: true
 *     key: shop-provider
 *     tags:
 *       - name: canary
 *         addresses: ["127.0.0.3:20880"]
 *       - name: gray
 *         match: [{key: env, value: {exact: gray}}]
 *
 * An address is `ip:port`, `ip` (any port), `0.0.0.0:<port>`, or a glob such
 * as `127.0.0.*`. `match` is applied whatever the configVersion, as dubbo-go
 * does (Java only reads it for v3.0 rules).
 */
import type { ServiceUrl } from '../../registry/service-url.js';
import { globMatches } from './condition-value.js';
import {
  asFields,
  invalid,
  optionalBoolean,
  optionalInteger,
  optionalList,
  optionalString,
  optionalStringList,
  parseRuleDocument,
} from './rule-document.js';
import { parseStringMatch, type StringMatch, stringMatches } from './string-match.js';

const WHAT = 'tag-router rule';
const KEYS = new Set(['configVersion', 'scope', 'key', 'enabled', 'force', 'runtime', 'priority', 'tags']);
const TAG_KEYS = new Set(['name', 'addresses', 'match']);
const MATCH_KEYS = new Set(['key', 'value']);
const MAX_TAGS = 256;

interface ParamMatch {
  readonly key: string;
  readonly value: StringMatch;
}

export interface Tag {
  readonly name: string;
  readonly addresses: readonly string[];
  readonly match: readonly ParamMatch[];
}

export class TagRule {
  private constructor(
    readonly force: boolean,
    readonly enabled: boolean,
    readonly key: string,
    readonly tags: readonly Tag[],
  ) {}

  /** Parses a `.tag-router` document; undefined for an empty one. Throws INVALID_ARGUMENT. */
  static parse(text: string): TagRule | undefined {
    const document = parseRuleDocument(text, WHAT);
    if (!document) return undefined;
    const fields = asFields(document, WHAT, KEYS);
    optionalString(fields, 'configVersion', WHAT);
    optionalBoolean(fields, 'runtime', WHAT, true);
    optionalInteger(fields, 'priority', WHAT, 0);
    const tags = (optionalList(fields, 'tags', WHAT) ?? []).map(parseTag);
    if (tags.length > MAX_TAGS) throw invalid(WHAT, `more than ${MAX_TAGS} tags`);
    return new TagRule(optionalBoolean(fields, 'force', WHAT, false), optionalBoolean(fields, 'enabled', WHAT, true), optionalString(fields, 'key', WHAT) ?? '', tags);
  }

  tag(name: string): Tag | undefined {
    return this.tags.find((tag) => tag.name === name);
  }

  /** Whether any tag of the rule names this provider's address. */
  namesAddressOf(url: ServiceUrl): boolean {
    return this.tags.some((tag) => tag.addresses.some((address) => addressMatches(address, url)));
  }
}

/** Whether a provider belongs to a tag: by address, or by every `match` entry. */
export function tagSelects(tag: Tag, url: ServiceUrl): boolean {
  if (tag.addresses.some((address) => addressMatches(address, url))) return true;
  return tag.match.length > 0 && tag.match.every((match) => stringMatches(match.value, url.params[match.key]));
}

function parseTag(value: unknown): Tag {
  const fields = asFields(value, WHAT, TAG_KEYS);
  const name = optionalString(fields, 'name', WHAT);
  if (!name) throw invalid(WHAT, 'every tag needs a name');
  const addresses = optionalStringList(fields, 'addresses', WHAT) ?? [];
  const match = (optionalList(fields, 'match', WHAT) ?? []).map(parseMatch);
  return { name, addresses, match };
}

function parseMatch(value: unknown): ParamMatch {
  const fields = asFields(value, WHAT, MATCH_KEYS);
  const key = optionalString(fields, 'key', WHAT);
  if (!key) throw invalid(WHAT, 'a match needs a key');
  return { key, value: parseStringMatch(fields.value, WHAT, `match "${key}"`) };
}

/** `ip:port`, `ip`, `0.0.0.0:<port>`, or a glob on the host part. */
export function addressMatches(address: string, url: ServiceUrl): boolean {
  const colon = address.lastIndexOf(':');
  const host = colon < 0 ? address : address.slice(0, colon);
  const port = colon < 0 ? '' : address.slice(colon + 1);
  if (port !== '' && port !== '*' && port !== String(url.port)) return false;
  return host === '0.0.0.0' || globMatches(host, url.host);
}
