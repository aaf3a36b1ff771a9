/**
 * The config-center form of dynamic configuration, `<key>.configurators`,
 * turned into override URLs as Java Dubbo 3's `ConfigParser` does (apache/dubbo
 * 3.3 `dubbo-cluster/.../configurator/parser/ConfigParser.java`; dubbo.apache.org
 * "Configuration Rule"):
 *
 *     configVersion: v3.0          # optional (dubbo-admin writes v2.7)
 *     scope: application           # or service
 *     key: shop-web                # app name, or [group/]interface[:version]
 *     enabled: true
 *     configs:
 *       - side: consumer
 *         addresses: ["0.0.0.0"]
 *         parameters: {timeout: "3000"}
 *
 * One URL per address (default `0.0.0.0`) × application (service scope) or ×
 * service (application scope, default `*`). An item without `type` (or with
 * `general`) takes the rule's `enabled`; typed items (`weight`, `balancing`,
 * as dubbo-admin writes them) their own. An item's `match` block
 * (config-match.ts) travels with each of its configurators.
 *
 * A document that is a JSON array of override URL strings
 * (`["override://0.0.0.0/com.example.DemoService?timeout=500"]`) is read as
 * those URLs, as Java's `ConfigParser.parseConfigurators` accepts; they carry
 * no configVersion, so the registry form's matching applies to them.
 */
import { ServiceUrl } from '../../registry/service-url.js';
import { checkConfigVersion } from './condition-router-yaml.js';
import { ConfigMatch } from './config-match.js';
import { OverrideConfigurator } from './override-configurator.js';
import {
  asFields,
  type Fields,
  invalid,
  optionalBoolean,
  optionalList,
  optionalString,
  optionalStringList,
  MAX_RULE_BYTES,
  parseRuleDocument,
  stringMap,
} from './rule-document.js';

const WHAT = 'configurators rule';
const KEYS = new Set(['configVersion', 'scope', 'key', 'enabled', 'configs']);
const ITEM_KEYS = new Set(['addresses', 'providerAddresses', 'services', 'applications', 'side', 'parameters', 'type', 'enabled', 'match']);
/** Most URLs one document may expand to. */
const MAX_URLS = 1024;

interface RuleHead {
  readonly scope: 'service' | 'application';
  readonly key: string;
  readonly enabled: boolean;
  readonly configVersion: string;
}

/** Parses a `.configurators` document into configurators; [] for an empty one. Throws INVALID_ARGUMENT. */
export function parseConfiguratorYaml(text: string): OverrideConfigurator[] {
  const urls = parseUrlArray(text);
  if (urls) return urls.map((url) => new OverrideConfigurator(url));
  const document = parseRuleDocument(text, WHAT);
  if (!document) return [];
  const fields = asFields(document, WHAT, KEYS);
  const configVersion = optionalString(fields, 'configVersion', WHAT) || 'v2.7';
  checkConfigVersion(configVersion, WHAT);
  const scope = optionalString(fields, 'scope', WHAT) ?? 'service';
  if (scope !== 'service' && scope !== 'application') throw invalid(WHAT, `unknown scope "${scope}"`);
  const key = optionalString(fields, 'key', WHAT);
  if (!key) throw invalid(WHAT, 'a rule needs a key');
  const head: RuleHead = { scope, key, enabled: optionalBoolean(fields, 'enabled', WHAT, true), configVersion };
  const configurators: OverrideConfigurator[] = [];
  for (const value of optionalList(fields, 'configs', WHAT) ?? []) {
    const item = asFields(value, WHAT, ITEM_KEYS);
    const match = item.match === undefined || item.match === null ? undefined : ConfigMatch.parse(item.match);
    for (const url of itemUrls(head, item)) configurators.push(new OverrideConfigurator(url, match));
    if (configurators.length > MAX_URLS) throw invalid(WHAT, `expands to more than ${MAX_URLS} rules`);
  }
  return configurators;
}

/**
 * The JSON-array form; undefined when the text is not a JSON array of
 * strings (then it is read as YAML). Every element must be an
 * `override://` or `absent://` URL.
 */
function parseUrlArray(text: string): ServiceUrl[] | undefined {
  if (!text.trimStart().startsWith('[') || Buffer.byteLength(text, 'utf8') > MAX_RULE_BYTES) return undefined;
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(list) || !list.every((item) => typeof item === 'string')) return undefined;
  if (list.length > MAX_URLS) throw invalid(WHAT, `more than ${MAX_URLS} URLs`);
  return list.map((item: string) => {
    let url: ServiceUrl;
    try {
      url = ServiceUrl.parse(item.trim());
    } catch (err) {
      throw invalid(WHAT, `bad URL "${item.slice(0, 200)}"`, err);
    }
    if (url.protocol !== 'override' && url.protocol !== 'absent') {
      throw invalid(WHAT, `"${url.protocol}://" is not a configurator URL`);
    }
    return url;
  });
}

function itemUrls(head: RuleHead, item: Fields): ServiceUrl[] {
  if (item.parameters === undefined) throw invalid(WHAT, 'an item needs parameters');
  const parameters = stringMap(item.parameters, WHAT);
  if (Object.keys(parameters).length === 0) throw invalid(WHAT, 'an item needs parameters');
  const side = optionalString(item, 'side', WHAT) ?? 'consumer';
  if (side !== 'consumer' && side !== 'provider') throw invalid(WHAT, `unknown side "${side}"`);
  const type = optionalString(item, 'type', WHAT);
  const enabled = !type || type === 'general' ? head.enabled : optionalBoolean(item, 'enabled', WHAT, true);
  const providerAddresses = optionalStringList(item, 'providerAddresses', WHAT);
  const params: Record<string, string> = {
    ...parameters,
    category: head.scope === 'service' ? 'dynamicconfigurators' : 'appdynamicconfigurators',
    side,
    enabled: String(enabled),
    configVersion: head.configVersion,
    ...(providerAddresses?.length ? { providerAddresses: providerAddresses.join(',') } : {}),
  };
  const addresses = optionalStringList(item, 'addresses', WHAT) ?? ['0.0.0.0'];
  const targets = head.scope === 'service' ? serviceTargets(head, item) : applicationTargets(head, item);
  return addresses.flatMap((address) => targets.map((target) => overrideUrl(address, target.service, { ...params, ...target.params })));
}

interface Target {
  readonly service: string;
  readonly params: Record<string, string>;
}

function serviceTargets(head: RuleHead, item: Fields): Target[] {
  const service = splitServiceKey(head.key);
  const applications = optionalStringList(item, 'applications', WHAT);
  if (!applications?.length) return [service];
  return applications.map((application) => ({ service: service.service, params: { ...service.params, application } }));
}

function applicationTargets(head: RuleHead, item: Fields): Target[] {
  const services = optionalStringList(item, 'services', WHAT);
  const keys = services?.length ? services : ['*'];
  return keys.map((key) => {
    const service = splitServiceKey(key);
    return { service: service.service, params: { ...service.params, application: head.key } };
  });
}

/** `[group/]interface[:version]`, as Java's `ConfigParser.appendService` splits it. */
function splitServiceKey(key: string): Target {
  const params: Record<string, string> = {};
  let rest = key;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    params.group = rest.slice(0, slash);
    rest = rest.slice(slash + 1);
  }
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    params.version = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  if (!rest) throw invalid(WHAT, `bad service key "${key}"`);
  return { service: rest, params };
}

function overrideUrl(address: string, service: string, params: Record<string, string>): ServiceUrl {
  const match = /^([^:\s/?#]+)(?::(\d{1,5}|\*))?$/.exec(address.trim());
  const port = match?.[2] === undefined || match[2] === '*' ? 0 : Number(match[2]);
  if (!match || port > 65535) throw invalid(WHAT, `bad address "${address}"`);
  return new ServiceUrl({ protocol: 'override', host: match[1]!, port, path: service, params });
}
