/**
 * The governance a RegistryDirectory applies: it watches the rules of its
 * reference (governance-subscription.ts), shows the directory's invokers
 * through the configurators (configured URLs, disabled providers left out)
 * and routes each call through the router chain before load balancing.
 * With no rule in effect and no tagged provider a call costs one field test
 * and one attachment lookup.
 */
import type { Registry } from '../../registry/registry.js';
import type { ServiceUrl } from '../../registry/service-url.js';
import type { Invocation } from '../invocation.js';
import type { Invoker } from '../invoker.js';
import type { GovernanceOptions } from './governance-options.js';
import { ConfiguredInvoker } from './configured-invoker.js';
import { GovernanceRules, type RulesInEffect, warnRuleError } from './governance-rules.js';
import { GovernanceSubscription } from './governance-subscription.js';
import type { RouterChain } from './router-chain.js';
import { TAG_KEY, TagRouter } from './tag-router.js';

export class DirectoryGovernance {
  readonly rules: GovernanceRules;
  private readonly subscription: GovernanceSubscription;
  private chain: RouterChain | undefined;
  /** No rule routes and nothing is tagged: calls without a tag skip the chain. */
  private plain = true;
  private providerApplication = '';

  constructor(
    reference: ServiceUrl,
    registries: readonly Registry[],
    onChange: () => void,
    options: GovernanceOptions = {},
  ) {
    const onError = options.onRuleError ?? warnRuleError;
    this.rules = new GovernanceRules(reference, { side: 'consumer', host: reference.host, application: reference.getParam('application', '') }, onError);
    this.rules.onChange(onChange);
    this.subscription = new GovernanceSubscription(this.rules, registries, onError);
  }

  /** Resolves once the rules present at start have been read. */
  ready(): Promise<void> {
    return this.subscription.ready();
  }

  /** The invokers with configurators applied; disabled providers left out. Called when providers or rules change. */
  view(invokers: readonly Invoker[]): readonly Invoker[] {
    this.subscription.addProviderApplications(invokers.map((invoker) => invoker.url.getParam('application', '')));
    const configurators = this.rules.configurators();
    const shown: Invoker[] = [];
    for (const invoker of invokers) {
      const configured = configurators.length === 0 ? undefined : this.rules.configuredProvider(invoker.url, configurators);
      if (!configured) {
        if (configurators.length === 0) shown.push(invoker);
        continue;
      }
      const plain = configured.url === invoker.url && Object.keys(configured.written).length === 0;
      shown.push(plain ? invoker : new ConfiguredInvoker(configured.url, invoker, configured.written));
    }
    this.providerApplication = shown[0]?.url.getParam('application', '') ?? '';
    this.chain = this.rules.routerChain(this.providerApplication);
    this.plain = isPlain(this.chain, shown, this.rules.reference);
    return shown;
  }

  /** The invokers this call may use. */
  route(invokers: readonly Invoker[], invocation: Invocation): readonly Invoker[] {
    if (this.plain && invocation.attachments[TAG_KEY] === undefined) return invokers;
    this.chain ??= this.rules.routerChain(this.providerApplication);
    return this.chain.route(invokers, this.rules.reference, invocation);
  }

  rulesInEffect(): RulesInEffect {
    return this.rules.rulesInEffect();
  }

  close(): Promise<void> {
    return this.subscription.close();
  }
}

function isPlain(chain: RouterChain, invokers: readonly Invoker[], reference: ServiceUrl): boolean {
  const onlyStaticTags = chain.routers.every((router) => router instanceof TagRouter && !router.rule);
  return onlyStaticTags && !reference.getParam(TAG_KEY) && !invokers.some((invoker) => invoker.url.getParam(TAG_KEY));
}
