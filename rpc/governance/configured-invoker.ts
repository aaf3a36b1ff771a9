/**
 * A provider's invoker seen through the configurators: the same connection,
 * with the URL the rules produced (weight, loadbalance, retries, ...), so a
 * rule change never reconnects. Two settings act here because they concern
 * the call itself: a configured `timeout` / `<method>.timeout` replaces the
 * call's timeout and deadline for this attempt (Java's consumer URL wins over
 * the reference's setting),
 * and `mock` answers instead of, or after a failed, call (mock-rule.ts). The
 * directory owns the inner invoker; destroying this view does nothing.
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import type { ServiceUrl } from '../../registry/service-url.js';
import type { Invocation } from '../invocation.js';
import type { Invoker } from '../invoker.js';
import { type MockRule, parseMockRule } from './mock-rule.js';

export class ConfiguredInvoker implements Invoker {
  private readonly timeoutSet: boolean;
  private readonly mock: MockRule | undefined;

  /** Throws INVALID_ARGUMENT when a configured `mock` value cannot be used. */
  constructor(
    readonly url: ServiceUrl,
    readonly inner: Invoker,
  ) {
    this.timeoutSet = Object.keys(url.params).some((key) => (key === 'timeout' || key.endsWith('.timeout')) && url.params[key] !== inner.url.params[key]);
    this.mock = url.params.mock !== inner.url.params.mock ? parseMockRule(url.params.mock) : undefined;
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
    const timeoutMs = this.url.getNumberParam(`${invocation.methodName}.timeout`, this.url.getNumberParam('timeout', Number.NaN));
    if (!(timeoutMs > 0)) return invocation;
    return { ...invocation, timeoutMs, deadline: performance.now() + timeoutMs };
  }
}
