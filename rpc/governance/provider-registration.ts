/**
 * One provider URL registered in one registry, kept in step with the
 * configurators that target the provider: `side: provider` items of
 * `<app>.configurators` / `<service>.configurators`, and registry-form
 * override URLs for its address (or `0.0.0.0`). When they change what the
 * URL says — dubbo-admin's YAML `weight`, for one — the provider registers
 * the new URL and then removes the old one, so consumers (Java, dubbo-go and
 * this project alike) see the change (Java Dubbo 3 `RegistryProtocol.reExport`;
 * dubbo-go `registry/protocol/protocol.go`). Removing the rules registers the
 * original URL again. Re-registrations run one at a time.
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import type { Registry } from '../../registry/registry.js';
import { registrationKey } from '../../registry/registry-path.js';
import type { ServiceUrl } from '../../registry/service-url.js';
import type { GovernanceOptions } from './governance-options.js';
import { GovernanceRules, type RuleErrorListener, warnRuleError } from './governance-rules.js';
import { GovernanceSubscription } from './governance-subscription.js';

export class ProviderRegistration {
  private current: ServiceUrl;
  private subscription: GovernanceSubscription | undefined;
  private rules: GovernanceRules | undefined;
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly onError: RuleErrorListener;

  constructor(
    readonly registry: Registry,
    readonly url: ServiceUrl,
    private readonly options: GovernanceOptions = {},
  ) {
    this.current = url;
    this.onError = options.onRuleError ?? warnRuleError;
  }

  /** The URL registered now. */
  get registeredUrl(): ServiceUrl {
    return this.current;
  }

  /** Registers the URL, then (unless governance is off) follows the rules; resolves once the rules present at start were read. */
  async start(): Promise<void> {
    await this.registry.register(this.url);
    if (this.options.enabled === false || this.stopped) return;
    const context = { side: 'provider' as const, host: this.url.host, application: this.url.getParam('application', '') };
    const rules = new GovernanceRules(this.url, context, this.onError);
    rules.onChange(() => this.reconcile());
    this.rules = rules;
    this.subscription = new GovernanceSubscription(rules, [this.registry], this.onError, false);
    await this.subscription.ready();
    await this.queue;
  }

  /** Stops following the rules and unregisters whatever URL is registered. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.queue;
    await this.subscription?.close();
    await this.registry.unregister(this.current);
  }

  private reconcile(): void {
    this.queue = this.queue.then(() => this.apply()).catch((err: unknown) => this.onError(this.url.toString(), RpcError.from(err, ErrorCode.REGISTRY_UNAVAILABLE)));
  }

  private async apply(): Promise<void> {
    if (this.stopped || !this.rules) return;
    const next = this.rules.configure(this.url);
    if (registrationKey(next) === registrationKey(this.current)) return;
    const old = this.current;
    await this.registry.register(next);
    this.current = next;
    await this.registry.unregister(old);
  }
}
