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
 * A watch that cannot start (the registry is down) is reported once through
 * the rule-error listener and tried again with backoff — RETRY_FIRST_MS
 * doubled per failure up to RETRY_MAX_MS, times a random 0.5–1.5 so many
 * consumers do not return together — until it starts or the subscription
 * closes; the registry re-arms the watches that did start. Java Dubbo's
 * `FailbackRegistry` retries failed subscriptions every 5 s.
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import type { Registry, Unsubscribe } from '../../registry/registry.js';
import type { ServiceUrl } from '../../registry/service-url.js';
import type { GovernanceRules, RuleErrorListener, RuleKind } from './governance-rules.js';

/** Most provider applications whose rules one reference watches. */
const MAX_PROVIDER_APPS = 64;
/** First pause before a watch that could not start is tried again, ms. */
export const RETRY_FIRST_MS = 1000;
/** Longest pause between two tries, ms: Java's `FailbackRegistry` default retry period, so rules return within seconds of the registry. */
export const RETRY_MAX_MS = 5000;

type WatchStart = () => Promise<Unsubscribe>;

export class GovernanceSubscription {
  /** The first try of every watch started so far (ready() waits for them). */
  private readonly firstTries: Promise<void>[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stops = new Set<Unsubscribe>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
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
    this.started = Promise.allSettled(this.firstTries);
  }

  /** Resolves once every watch started here has delivered or failed its first try (retries go on behind). */
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
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    await Promise.allSettled([...this.inFlight]);
    await Promise.allSettled([...this.stops].map((stop) => stop()));
    this.stops.clear();
  }

  private watchCategory(registry: Registry, category: string, listener: (urls: readonly ServiceUrl[]) => void): void {
    if (!registry.subscribeCategory) return;
    const guarded = (urls: readonly ServiceUrl[]) => {
      if (!this.closed) listener(urls);
    };
    const subscribeCategory = registry.subscribeCategory.bind(registry);
    this.track(`${registry.url.protocol} ${category}`, () => subscribeCategory(this.rules.reference, category, guarded));
  }

  private watchDocument(key: string, kind: RuleKind): void {
    if (!this.configCenter?.watchConfig) return;
    const name = `${key}.${kind}`;
    const guarded = (text: string | undefined) => {
      if (!this.closed) this.rules.setDocument(key, kind, text);
    };
    const watchConfig = this.configCenter.watchConfig.bind(this.configCenter);
    this.track(name, () => watchConfig(name, guarded));
  }

  private track(source: string, start: WatchStart): void {
    this.firstTries.push(this.tryStart(source, start, 0));
  }

  /** One try; on failure, reports the first one and schedules the next. Never rejects. */
  private tryStart(source: string, start: WatchStart, failures: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    let pending: Promise<Unsubscribe>;
    try {
      pending = start();
    } catch (err) {
      pending = Promise.reject(err);
    }
    const settled = pending.then(
      async (stop) => {
        if (this.closed) await stop().catch(() => undefined);
        else this.stops.add(stop);
      },
      (err: unknown) => {
        if (this.closed) return;
        if (failures === 0) this.onError(source, cannotStart(source, err));
        this.retryLater(source, start, failures + 1);
      },
    );
    this.inFlight.add(settled);
    settled.finally(() => this.inFlight.delete(settled));
    return settled;
  }

  private retryLater(source: string, start: WatchStart, failures: number): void {
    const delayMs = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (failures - 1)) * (0.5 + Math.random());
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      void this.tryStart(source, start, failures);
    }, delayMs);
    // The rules are not worth keeping a process alive for.
    timer.unref();
    this.retryTimers.add(timer);
  }
}

function cannotStart(source: string, err: unknown): RpcError {
  const cause = RpcError.from(err, ErrorCode.REGISTRY_UNAVAILABLE);
  return new RpcError(ErrorCode.REGISTRY_UNAVAILABLE, `watch ${source} could not start (${cause.message}); trying again with backoff`, { cause });
}
