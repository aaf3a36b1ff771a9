/**
 * `DubboInvoker`: calls one service at one provider over the Dubbo 2
 * protocol, through the provider address's shared `ExchangeClient`
 * (dubbo-go's DubboInvoker). It turns an `Invocation` into a request frame and
 * the response back into a value or an RpcError.
 */
import { performance } from 'node:perf_hooks';
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import type { ServiceUrl } from '../registry/service-url.js';
import { RpcContext } from './context.js';
import type { ExchangeClient } from './exchange-client.js';
import { type Invocation, MIN_ATTEMPT_MS } from './invocation.js';
import type { Invoker } from './invoker.js';
import { notSent } from './never-sent.js';
import { DUBBO_VERSION, type DubboRequest, type DubboResponse } from './protocol/dubbo-package.js';
import { responseValue } from './remote-error.js';

export interface DubboInvokerOptions {
  /** Serialization id of the requests (2 hessian2, 6 json, ...). */
  serialization: number;
  /** Used when the invocation has none, in ms. */
  defaultTimeoutMs: number;
  /** Called once by destroy(), e.g. to release the shared exchange client. */
  onDestroy?: () => void;
}

export class DubboInvoker implements Invoker {
  private destroyed = false;
  private lastTimeoutMs = Number.NaN;
  private lastTimeoutText = '';

  constructor(
    readonly url: ServiceUrl,
    private readonly exchange: ExchangeClient,
    private readonly options: DubboInvokerOptions,
  ) {}

  isAvailable(): boolean {
    return !this.destroyed && this.exchange.available;
  }

  /** Not `async`: one `then` from the response to its value, no promise layer of its own. */
  invoke(invocation: Invocation): Promise<unknown> {
    if (this.destroyed) return Promise.reject(notSent(new RpcError(ErrorCode.CLIENT_CLOSED, `invoker for ${this.url.address} destroyed`)));
    const timeoutMs = this.attemptTimeout(invocation);
    if (timeoutMs < MIN_ATTEMPT_MS) return Promise.reject(deadlinePassed(invocation));
    // A literal rather than createRequest(): no defaults object spread per call.
    const request: DubboRequest = {
      kind: 'request',
      id: 0,
      twoWay: true,
      event: false,
      serialization: this.options.serialization,
      dubboVersion: DUBBO_VERSION,
      path: this.url.path || invocation.interfaceName,
      version: invocation.version ?? '',
      method: invocation.methodName,
      // The request only reads these; no copy on the hot path.
      parameterTypes: invocation.parameterTypes as string[],
      args: invocation.args as unknown[],
      attachments: this.attachmentsOf(invocation, timeoutMs),
    };
    if (invocation.oneWay) return this.exchange.send(request).then(() => undefined);
    // Mapped inside the pending table (no `then` here); the caller's consumer scope, if any,
    // is taken now because the mapper runs in the socket's async context.
    const scope = consumerScope();
    return this.exchange.call(request, timeoutMs, invocation.signal, scope === undefined ? responseValue : (response) => responseValueIn(response, scope));
  }

  /**
   * What this attempt may take: what is left of the call's deadline (so every
   * retry runs inside the one budget), cut to the per-attempt bound if any.
   */
  private attemptTimeout(invocation: Invocation): number {
    const deadline = invocation.deadline;
    const left = deadline === undefined ? (invocation.timeoutMs ?? this.options.defaultTimeoutMs) : deadline - performance.now();
    const perAttempt = invocation.attemptTimeoutMs;
    return perAttempt !== undefined && perAttempt < left ? perAttempt : left;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.options.onDestroy?.();
  }

  private attachmentsOf(invocation: Invocation, timeoutMs: number): Record<string, unknown> {
    const attachments: Record<string, unknown> = { ...invocation.attachments, interface: invocation.interfaceName };
    if (invocation.group) attachments.group = invocation.group;
    attachments.timeout = this.timeoutText(timeoutMs);
    return attachments;
  }

  /**
   * The `timeout` attachment: the ms this attempt has left, which the provider
   * takes as its deadline. Rounded up, the text is nearly always the last one's.
   */
  private timeoutText(timeoutMs: number): string {
    const ms = Math.max(1, Math.ceil(timeoutMs));
    if (ms !== this.lastTimeoutMs) {
      this.lastTimeoutMs = ms;
      this.lastTimeoutText = String(ms);
    }
    return this.lastTimeoutText;
  }
}

/** No attempt starts when the call's budget is spent; the request is never sent. */
function deadlinePassed(invocation: Invocation): RpcError {
  return new RpcError(ErrorCode.TIMEOUT, `${invocation.interfaceName}.${invocation.methodName}: the call's ${Math.round(invocation.timeoutMs ?? 0)} ms budget was spent before this attempt`);
}

/** The value of a response, or the RpcError it carries; response attachments go to the current consumer scope. */
export function resultOf(response: DubboResponse): unknown {
  const scope = consumerScope();
  return scope === undefined ? responseValue(response) : responseValueIn(response, scope);
}

function consumerScope(): RpcContext | undefined {
  const context = RpcContext.current();
  return context?.side === 'consumer' ? context : undefined;
}

/** The value, handing the provider's attachments to the caller's consumer scope. */
function responseValueIn(response: DubboResponse, scope: RpcContext): unknown {
  const value = responseValue(response);
  Object.assign(scope.responseAttachments, response.attachments);
  return value;
}
