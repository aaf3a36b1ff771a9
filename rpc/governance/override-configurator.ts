/**
 * One dynamic-configuration rule as a URL, `override://<host>[:<port>]/<iface>?…`
 * (or `absent://`, which only adds missing params), and how it changes a
 * target URL. Matching follows Java Dubbo 3's `AbstractConfigurator.configure`
 * (apache/dubbo 3.3 `dubbo-cluster/.../configurator/AbstractConfigurator.java`),
 * which keeps Dubbo 2.6's rules for URLs without `configVersion`:
 * - with a port, the rule targets one provider (`ip:port`, or `0.0.0.0:port`);
 * - without a port, its host is a consumer IP or `0.0.0.0`;
 * - with `configVersion` (rules from YAML) the rule's `side` must equal the
 *   side it is applied on, and consumer rules match the consumer's own IP;
 * - `providerAddresses`, `application`, `side` and `~<key>` params are
 *   conditions; the rest is written onto the target.
 * Here the side and application come from the process applying the rule (a
 * consumer applies `side=consumer`), which is what Java's consumer/provider
 * URL merge produces before it calls `configure`. A YAML item's `match`
 * block (config-match.ts) is one more condition; it is applied whatever the
 * rule's configVersion (Java reads it only for v3.0 rules and otherwise
 * applies the item more widely than written).
 */
import type { ServiceUrl } from '../../registry/service-url.js';
import type { ConfigMatch } from './config-match.js';

const ANY_HOST = '0.0.0.0';

/** Params that describe the rule and are never written onto a target (Java 3 `genConditionKeys` plus bookkeeping). */
const RULE_KEYS = new Set([
  'category',
  'check',
  'dynamic',
  'enabled',
  'group',
  'version',
  'application',
  'side',
  'configVersion',
  'compatible_config',
  'interfaces',
  'providerAddresses',
  'priority',
  'anyhost',
  'interface',
]);

/** The process applying the rules. */
export interface ConfigureContext {
  readonly side: 'consumer' | 'provider';
  /** The consumer's own IP (matched by port-less rules). */
  readonly host: string;
  readonly application: string;
}

export class OverrideConfigurator {
  /** Params written onto matching targets. */
  readonly overrides: Readonly<Record<string, string>>;
  readonly priority: number;

  constructor(
    readonly url: ServiceUrl,
    readonly match?: ConfigMatch,
  ) {
    const overrides: Record<string, string> = {};
    for (const [key, value] of Object.entries(url.params)) {
      if (!RULE_KEYS.has(key) && !key.startsWith('~')) overrides[key] = value;
    }
    this.overrides = overrides;
    this.priority = url.getNumberParam('priority', 0);
  }

  get absent(): boolean {
    return this.url.protocol === 'absent';
  }

  /** True when the rule would change nothing (Java skips such URLs). */
  get isEmpty(): boolean {
    return Object.keys(this.overrides).length === 0;
  }

  /** The target with this rule applied, or the target itself when the rule does not match. */
  configure(target: ServiceUrl, context: ConfigureContext): ServiceUrl {
    return this.matches(target, context) ? this.apply(target) : target;
  }

  /** Whether the rule concerns `target` as seen by the process `context` describes. */
  matches(target: ServiceUrl, context: ConfigureContext): boolean {
    const rule = this.url;
    if (!rule.host || !target.host || rule.getParam('enabled', 'true') === 'false') return false;
    if (rule.getParam('configVersion')) {
      const side = rule.getParam('side', 'consumer');
      if (side !== context.side) return false;
      if (side === 'consumer') return this.matchesAt(context.host, target, context);
      return (rule.port === 0 || rule.port === target.port) && this.matchesAt(target.host, target, context);
    }
    if (rule.port !== 0) return rule.port === target.port && this.matchesAt(target.host, target, context);
    return this.matchesAt(context.side === 'consumer' ? context.host : ANY_HOST, target, context);
  }

  /**
   * Adds what this (matching) rule writes to `written`: every override,
   * except, for `absent://`, keys that `target`, the consumer's `reference`
   * or an earlier rule already set.
   */
  writeInto(written: Record<string, string>, target: ServiceUrl, reference?: ServiceUrl): void {
    for (const [key, value] of Object.entries(this.overrides)) {
      if (this.absent && (target.params[key] !== undefined || reference?.params[key] !== undefined || written[key] !== undefined)) continue;
      written[key] = value;
    }
  }

  private matchesAt(host: string, target: ServiceUrl, context: ConfigureContext): boolean {
    const rule = this.url;
    if (rule.host !== ANY_HOST && rule.host !== host) return false;
    const providers = rule.getParam('providerAddresses');
    if (providers && !providerListed(providers, target)) return false;
    const application = rule.getParam('application') ?? (rule.username || undefined);
    if (application && application !== '*' && application !== context.application) return false;
    if (!this.conditionsHold(target, context)) return false;
    return this.match === undefined || this.match.matches({ host, providerAddress: target.address, service: target.serviceKey, application: context.application, params: target.params });
  }

  /** `~key=value` and `side=…` must equal the target's values (`*` or empty: any). */
  private conditionsHold(target: ServiceUrl, context: ConfigureContext): boolean {
    for (const [key, value] of Object.entries(this.url.params)) {
      if (value === '' || value === '*') continue;
      if (key === 'side' && value !== context.side) return false;
      if (key.startsWith('~') && target.params[key.slice(1)] !== value) return false;
    }
    return true;
  }

  /** The target with the overrides written on (for `absent://`, only where missing). */
  apply(target: ServiceUrl): ServiceUrl {
    const changes: Record<string, string> = {};
    let changed = false;
    for (const [key, value] of Object.entries(this.overrides)) {
      if (this.absent && target.params[key] !== undefined) continue;
      if (target.params[key] === value) continue;
      changes[key] = value;
      changed = true;
    }
    return changed ? target.with({ params: changes }) : target;
  }
}

/** Java 3 `providerAddresses`: `ip:port`, `ip`, `0.0.0.0`, `0.0.0.0:*`, `0.0.0.0:<port>`. */
function providerListed(list: string, target: ServiceUrl): boolean {
  return list.split(',').some((entry) => {
    const address = entry.trim();
    if (address === ANY_HOST || address === `${ANY_HOST}:*`) return true;
    if (address === `${ANY_HOST}:${target.port}`) return true;
    return address === target.host || address === `${target.host}:${target.port}`;
  });
}

/**
 * Java's order (`AbstractConfigurator.compareTo`): by host string, then
 * ascending priority; applied in order, so a specific IP beats `0.0.0.0`.
 */
export function sortConfigurators(configurators: readonly OverrideConfigurator[]): OverrideConfigurator[] {
  return [...configurators].sort((a, b) => (a.url.host < b.url.host ? -1 : a.url.host > b.url.host ? 1 : a.priority - b.priority));
}
