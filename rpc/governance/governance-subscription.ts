/**
 * Feeds a reference's GovernanceRules from its registries:
 * - registry form: the `configurators` and `routers` children under
 *   `/dubbo/<interface>/` of every registry that offers `subscribeCategory`
 *   (Java Dubbo 2.6 `RegistryProtocol` subscribes `category=providers,configurators,routers`);
 * - config-center form: `/dubbo/config/dubbo/<key>` documents from the first
 *   registry that offers `watchConfig` (Java 3 `RegistryDirectory`,
 *   `ListenableStateRouter`, `TagStateRouter`): `<consumer-app>.configurators`,
 *   `<iface:version:group>.configurators`, `<iface:version:group>.condition-router`,
 *   `<consumer-app>.condition-router`, and, for each provider application
 *   seen, `<provider-app>.condition-router` and `<provider-app>.tag-router`.
 * A provider watches only the configurators (its own application's and
 * service's, Java 3 `RegistryProtocol` provider listeners).
 * A watch that cannot start is reported through the rule-error listener and
 * not retried; the registry re-arms the watches that did start.
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import type { Registry, Unsubscribe } from '../../registry/registry.js';
import type { ServiceUrl } from '../../registry/service-url.js';
import type { GovernanceRules, RuleErrorListener, RuleKind } from './governance-rules.js';

/** Most provider applications whose rules one reference watches. */
const MAX_PROVIDER_APPS = 64;

export class GovernanceSubscription {
  private readonly unsubscribes: Promise<Unsubscribe | undefined>[] = [];
  private readonly configurators: ServiceUrl[][];
  private readonly routers: ServiceUrl[][];
  private readonly configCenter: Registry | undefined;
  private readonly providerApps = new Set<string>();
  private readonly started: Promise<unknown>;
  private closed = false;

  /** @param routing false on a provider: only configurators concern it */
  constructor(
    private readonly rules: GovernanceRules,
    registries: readonly Registry[],
    private readonly onError: RuleErrorListener,
    private readonly routing = true,
  ) {
    this.configurators = registries.map(() => []);
    this.routers = registries.map(() => []);
    registries.forEach((registry, index) => {
      this.watchCategory(registry, 'configurators', (urls) => {
        this.configurators[index] = [...urls];
        rules.setRegistryConfigurators(this.configurators.flat());
      });
      if (!routing) return;
      this.watchCategory(registry, 'routers', (urls) => {
        this.routers[index] = [...urls];
        rules.setRegistryRouters(this.routers.flat());
      });
    });
    this.configCenter = registries.find((registry) => registry.watchConfig);
    const application = rules.context.application;
    if (application) this.watchDocument(application, 'configurators');
    this.watchDocument(rules.serviceRuleKey, 'configurators');
    if (routing) {
      if (application) this.watchDocument(application, 'condition-router');
      this.watchDocument(rules.serviceRuleKey, 'condition-router');
    }
    this.started = Promise.allSettled(this.unsubscribes);
  }

  /** Resolves once every watch started here has delivered (or failed to start). */
  ready(): Promise<void> {
    return this.started.then(() => undefined);
  }

  /** Watches the rules of provider applications not seen before. */
  addProviderApplications(applications: Iterable<string>): void {
    if (this.closed || !this.routing) return;
    for (const application of applications) {
      if (!application || this.providerApps.has(application) || this.providerApps.size >= MAX_PROVIDER_APPS) continue;
      this.providerApps.add(application);
      this.watchDocument(application, 'tag-router');
      if (application !== this.rules.context.application) this.watchDocument(application, 'condition-router');
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const unsubscribes = await Promise.all(this.unsubscribes);
    await Promise.allSettled(unsubscribes.map((unsubscribe) => unsubscribe?.()));
  }

  private watchCategory(registry: Registry, category: string, listener: (urls: readonly ServiceUrl[]) => void): void {
    if (!registry.subscribeCategory) return;
    const guarded = (urls: readonly ServiceUrl[]) => {
      if (!this.closed) listener(urls);
    };
    this.track(`${registry.url.protocol} ${category}`, registry.subscribeCategory(this.rules.reference, category, guarded));
  }

  private watchDocument(key: string, kind: RuleKind): void {
    if (!this.configCenter?.watchConfig) return;
    const name = `${key}.${kind}`;
    const guarded = (text: string | undefined) => {
      if (!this.closed) this.rules.setDocument(key, kind, text);
    };
    this.track(name, this.configCenter.watchConfig(name, guarded));
  }

  private track(source: string, pending: Promise<Unsubscribe>): void {
    const unsubscribe = pending.then(
      async (stop) => {
        if (!this.closed) return stop;
        await stop().catch(() => undefined);
        return undefined;
      },
      (err: unknown) => {
        if (!this.closed) this.onError(source, RpcError.from(err, ErrorCode.REGISTRY_UNAVAILABLE));
        return undefined;
      },
    );
    this.unsubscribes.push(unsubscribe);
  }
}
