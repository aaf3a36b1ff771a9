/**
 * A provider's invoker seen through the configurators: the same connection,
 * with the URL the rules produced (weight, ...), so a rule change never
 * reconnects. `ruleUrl` holds only the params the rules wrote; the cluster
 * reads `cluster`, `loadbalance`, `retries` and the like there first, so a
 * rule wins over the reference's own options (rpc/cluster/reference-params.ts).
 * Two settings act here because they concern the call itself: a configured
 * `timeout` / `<method>.timeout` replaces the call's timeout and deadline for
 * this attempt (Java's consumer URL wins over the reference's setting), and
 * `mock` answers instead of, or after a failed, call (mock-rule.ts). The
 * directory owns the inner invoker; destroying this view does nothing.
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import { ServiceUrl } from '../../registry/service-url.js';
import type { RuleConfigured } from '../cluster/reference-params.js';
import type { Invocation } from '../invocation.js';
import type { Invoker } from '../invoker.js';
import { type MockRule, parseMockRule } from './mock-rule.js';

export class ConfiguredInvoker implements Invoker, RuleConfigured {
  readonly ruleUrl: ServiceUrl | undefined;
  private readonly timeoutSet: boolean;
  private readonly mock: MockRule | undefined;

  /**
   * @param written the params the rules wrote (they win over the reference's)
   * Throws INVALID_ARGUMENT when a configured `mock` value cannot be used.
   */
  constructor(
    readonly url: ServiceUrl,
    readonly inner: Invoker,
    written: Readonly<Record<string, string>> = {},
  ) {
    const keys = Object.keys(written);
    this.ruleUrl = keys.length === 0 ? undefined : new ServiceUrl({ protocol: 'override', host: url.host, port: url.port, path: url.path, params: written });
    this.timeoutSet = keys.some((key) => key === 'timeout' || key.endsWith('.timeout'));
    this.mock = parseMockRule(written.mock);
  }

  isAvailable(): boolean {
    return this.mock?.force === true || this.inner.isAvailable();
  }

  invoke(invocation: Invocation): Promise<unknown> {
    const mock = this.mock;
    if (mock?.force) return mock.answer(invocation.methodName);
    const call = this.timeoutSet ? this.withConfiguredTimeout(invocation) : invocation;
    const result = this.inner.invoke(call);
    if (!mock) return result;
    return result.catch((err: unknown) => {
      if (err instanceof RpcError && err.code === ErrorCode.SERVICE_ERROR) throw err;
      return mock.answer(invocation.methodName);
    });
  }

  destroy(): void {}

  /** The configured timeout, counted from this attempt (Java applies the consumer URL's timeout per invocation). */
  private withConfiguredTimeout(invocation: Invocation): Invocation {
    const rules = this.ruleUrl!;
    const timeoutMs = rules.getNumberParam(`${invocation.methodName}.timeout`, rules.getNumberParam('timeout', Number.NaN));
    if (!(timeoutMs > 0)) return invocation;
    return { ...invocation, timeoutMs, deadline: performance.now() + timeoutMs };
  }
}
