/**
 * Every governance rule one reference obeys, from both storage forms, and
 * what they make of the providers and the consumer URL. Pure: the sources
 * (governance-subscription.ts) feed text and URLs in; the directory reads
 * the effective providers and the router chain out.
 *
 * Sources and order (Java Dubbo 3 `RegistryDirectory.overrideWithConfigurator`,
 * router factories' `@Activate(order)`):
 * - configurators: registry `override://` URLs, then `<consumer-app>.configurators`,
 *   then `<iface:version:group>.configurators`; the last one wins;
 * - routers: registry `condition://`/`route://` URLs (their own priority),
 *   the tag router (100), `<service>.condition-router` (140),
 *   `<provider-app>.condition-router` (145), `<consumer-app>.condition-router` (150).
 * A rule that fails to parse is reported and the previous rules of that
 * source are kept; registry URLs are judged one by one.
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import type { ServiceUrl } from '../../registry/service-url.js';
import { ConditionRouter } from './condition-router.js';
import { parseConditionRouterYaml } from './condition-router-yaml.js';
import { parseConfiguratorYaml } from './configurator-yaml.js';
import { type ConfigureContext, OverrideConfigurator, sortConfigurators } from './override-configurator.js';
import { parseMockRule } from './mock-rule.js';
import { RouterChain } from './router-chain.js';
import type { Router } from './router.js';
import { ruleAppliesTo } from './rule-match.js';
import { TagRouter } from './tag-router.js';
import { TagRule } from './tag-rule.js';

export type RuleKind = 'configurators' | 'condition-router' | 'tag-router';

/** A provider URL after the configurators, and the params they wrote on it. */
export interface ConfiguredProvider {
  readonly url: ServiceUrl;
  readonly written: Readonly<Record<string, string>>;
}

/** A rule source was rejected; its previous rules stay in effect. */
export type RuleErrorListener = (source: string, error: RpcError) => void;

/** The default RuleErrorListener: a process warning of type GovernanceWarning. */
export function warnRuleError(source: string, error: RpcError): void {
  process.emitWarning(`governance rule ${source} ignored: ${error.message}`, { type: 'GovernanceWarning', code: error.code });
}

/** The rules in effect, for logs and for code that steers. */
export interface RulesInEffect {
  readonly registryConfigurators: readonly string[];
  readonly registryRouters: readonly string[];
  /** Config-center documents in effect, by node name (`<key>.<kind>`). */
  readonly documents: Readonly<Record<string, string>>;
}

const CONDITION_PRIORITY = { service: 140, providerApp: 145, consumerApp: 150 } as const;

export class GovernanceRules {
  private registryConfigurators: OverrideConfigurator[] = [];
  private registryRouters: ConditionRouter[] = [];
  private readonly documents = new Map<string, { text: string; parsed: unknown }>();
  private chain: RouterChain | undefined;
  private chainApp = '';
  private readonly listeners = new Set<() => void>();

  /**
   * @param reference the consumer's reference URL (interface, group, version, application)
   * @param context the consumer applying the rules (its IP and application)
   */
  constructor(
    readonly reference: ServiceUrl,
    readonly context: ConfigureContext,
    private readonly onError: RuleErrorListener = () => {},
  ) {}

  /** `<iface>:<version>:<group>` with empty parts kept (Java `URL.getColonSeparatedKey`). */
  get serviceRuleKey(): string {
    return serviceRuleKey(this.reference);
  }

  /** Called after every change that may alter providers, the consumer URL or routing. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The children of `/dubbo/<iface>/configurators`; an empty list or an `empty://` URL clears them. */
  setRegistryConfigurators(urls: readonly ServiceUrl[]): void {
    const kept: OverrideConfigurator[] = [];
    for (const url of this.applicable(urls, ['override', 'absent'])) {
      try {
        const configurator = checkedConfigurator(url);
        if (!configurator.isEmpty) kept.push(configurator);
      } catch (err) {
        this.onError(url.toString(), RpcError.from(err, ErrorCode.INVALID_ARGUMENT));
      }
    }
    this.registryConfigurators = sortConfigurators(kept);
    this.changed();
  }

  /** The children of `/dubbo/<iface>/routers`; each bad rule is reported and skipped. */
  setRegistryRouters(urls: readonly ServiceUrl[]): void {
    const kept: ConditionRouter[] = [];
    for (const url of this.applicable(urls, ['condition', 'route'])) {
      if (url.protocol === 'route' && url.getParam('router', 'condition') !== 'condition') continue;
      try {
        kept.push(ConditionRouter.fromUrl(url));
      } catch (err) {
        this.onError(url.toString(), RpcError.from(err, ErrorCode.INVALID_ARGUMENT));
      }
    }
    this.registryRouters = kept;
    this.changed();
  }

  /**
   * A config-center document changed (`text` undefined or empty: deleted).
   * Returns false (and reports) when it does not parse; the previous one stays.
   */
  setDocument(key: string, kind: RuleKind, text: string | undefined): boolean {
    const name = `${key}.${kind}`;
    let parsed: unknown;
    try {
      parsed = text === undefined ? undefined : parseDocument(kind, text, name);
    } catch (err) {
      this.onError(name, RpcError.from(err, ErrorCode.INVALID_ARGUMENT));
      return false;
    }
    if (parsed === undefined || (Array.isArray(parsed) && parsed.length === 0)) this.documents.delete(name);
    else this.documents.set(name, { text: text!, parsed });
    this.changed();
    return true;
  }

  /** The configurators in apply order. */
  configurators(): OverrideConfigurator[] {
    const app = this.yamlConfigurators(`${this.context.application}.configurators`);
    const service = this.yamlConfigurators(`${this.serviceRuleKey}.configurators`);
    return [...this.registryConfigurators, ...app, ...service];
  }

  /** The providers with every configurator applied, `disabled` ones (or `enabled=false` ones without `disabled`) left out. */
  configureProviders(providers: readonly ServiceUrl[]): ServiceUrl[] {
    const configurators = this.configurators();
    const result: ServiceUrl[] = [];
    for (const provider of providers) {
      const configured = this.configureProvider(provider, configurators);
      if (configured) result.push(configured);
    }
    return result;
  }

  /** One provider with the configurators applied; undefined when they disable it. */
  configureProvider(provider: ServiceUrl, configurators: readonly OverrideConfigurator[] = this.configurators()): ServiceUrl | undefined {
    return this.configuredProvider(provider, configurators)?.url;
  }

  /**
   * One provider as this consumer sees it: its URL with the configurators
   * applied, and every param they wrote (`written`), which wins over the
   * reference's own settings — Java Dubbo applies configurators to the URL
   * merged from the provider's and the consumer's (`RegistryDirectory.mergeUrl`
   * then `overrideWithConfigurator`), so a rule's `retries` beats the one
   * given to refer(). Undefined when the rules disable the provider.
   */
  configuredProvider(provider: ServiceUrl, configurators: readonly OverrideConfigurator[] = this.configurators()): ConfiguredProvider | undefined {
    let url = provider;
    const written: Record<string, string> = {};
    for (const configurator of configurators) {
      if (!configurator.matches(url, this.context)) continue;
      configurator.writeInto(written, url, this.reference);
      url = configurator.apply(url);
    }
    return isDisabled(url) ? undefined : { url, written };
  }

  /** The reference URL with the consumer-side configurators applied (`mock`, `loadbalance`, `timeout`, ...). */
  configureConsumer(): ServiceUrl {
    return this.configure(this.reference);
  }

  /** `url` with every configurator applied in this process's context, nothing left out. */
  configure(url: ServiceUrl): ServiceUrl {
    return this.configurators().reduce((configured, configurator) => configurator.configure(configured, this.context), url);
  }

  /** The router chain for providers of `providerApplication` (rebuilt after each change). */
  routerChain(providerApplication: string): RouterChain {
    if (this.chain && this.chainApp === providerApplication) return this.chain;
    this.chainApp = providerApplication;
    this.chain = new RouterChain(this.routers(providerApplication));
    return this.chain;
  }

  rulesInEffect(): RulesInEffect {
    const documents: Record<string, string> = {};
    for (const [name, { text }] of this.documents) documents[name] = text;
    return {
      registryConfigurators: this.registryConfigurators.map((configurator) => configurator.url.toString()),
      registryRouters: this.registryRouters.map((router) => router.source),
      documents,
    };
  }

  private routers(providerApplication: string): Router[] {
    const routers: Router[] = [...this.registryRouters];
    const tagRule = providerApplication ? this.parsedDocument<TagRule>(`${providerApplication}.tag-router`) : undefined;
    routers.push(new TagRouter(tagRule));
    const conditions: [string, number][] = [
      [this.serviceRuleKey, CONDITION_PRIORITY.service],
      [providerApplication, CONDITION_PRIORITY.providerApp],
      [this.context.application, CONDITION_PRIORITY.consumerApp],
    ];
    const seen = new Set<string>();
    for (const [key, priority] of conditions) {
      if (!key || seen.has(key)) continue;
      seen.add(key);
      const router = this.parsedDocument<ConditionRouter>(`${key}.condition-router`);
      if (router) routers.push(withPriority(router, priority));
    }
    return routers;
  }

  private yamlConfigurators(name: string): OverrideConfigurator[] {
    const configurators = this.parsedDocument<OverrideConfigurator[]>(name) ?? [];
    return sortConfigurators(configurators.filter((configurator) => ruleAppliesTo(this.reference, configurator.url, true)));
  }

  private parsedDocument<T>(name: string): T | undefined {
    return this.documents.get(name)?.parsed as T | undefined;
  }

  /** Registry rule URLs for this reference; `empty://` clears the whole list (Java `RegistryDirectory.toConfigurators`). */
  private applicable(urls: readonly ServiceUrl[], protocols: readonly string[]): ServiceUrl[] {
    if (urls.some((url) => url.protocol === 'empty')) return [];
    return urls.filter((url) => protocols.includes(url.protocol) && ruleAppliesTo(this.reference, url, false));
  }

  private changed(): void {
    this.chain = undefined;
    for (const listener of [...this.listeners]) listener();
  }
}

/** `<iface>:<version>:<group>`, empty parts kept: `com.example.DemoService::`. */
export function serviceRuleKey(reference: ServiceUrl): string {
  return `${reference.interfaceName}:${reference.getParam('version', '')}:${reference.getParam('group', '')}`;
}

function parseDocument(kind: RuleKind, text: string, name: string): unknown {
  switch (kind) {
    case 'configurators': {
      const configurators = parseConfiguratorYaml(text);
      for (const configurator of configurators) parseMockRule(configurator.url.params.mock);
      return configurators;
    }
    case 'condition-router':
      return parseConditionRouterYaml(text, name);
    default:
      return TagRule.parse(text);
  }
}

/** A configurator whose `mock` value can be used (INVALID_ARGUMENT otherwise). */
function checkedConfigurator(url: ServiceUrl): OverrideConfigurator {
  parseMockRule(url.params.mock);
  return new OverrideConfigurator(url);
}

/** Java's `RegistryDirectory.toInvokers`: `disabled=true`, or `enabled=false` with no `disabled` param. */
function isDisabled(url: ServiceUrl): boolean {
  const disabled = url.params.disabled;
  if (disabled !== undefined && disabled !== '') return disabled === 'true';
  return url.params.enabled === 'false';
}

/** A config-center rule runs at its router's place in the chain, whatever `priority` it states. */
function withPriority(router: ConditionRouter, priority: number): Router {
  return { priority, readsCall: router.readsCall, route: (targets, consumer, call) => router.route(targets, consumer, call) };
}
