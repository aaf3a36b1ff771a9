/**
 * `ProviderCall`: one incoming request on the provider side, from the decoded
 * frame to the response frame. It runs the service's filter chain inside a
 * provider `RpcContext` (attachments, caller address, deadline) and maps the
 * outcome onto Dubbo's response kinds:
 * - a value → status OK, value flag;
 * - SERVICE_ERROR (what a provider method threw) → status OK with an
 *   exception, which Java and Go consumers read as a thrown exception;
 * - any other RpcError → its status byte and a `[CODE] message` text.
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import type { Session } from '../../transport/session-contract.js';
import { callChannelsActive, tracedCall } from '../call-channels.js';
import { RpcContext, type SignalSource } from '../context.js';
import type { ExportedService } from './exported-service.js';
import { createResponse, type DubboRequest, type DubboResponse } from '../protocol/dubbo-package.js';
import { errorResponse } from '../protocol/remote-error.js';
import type { CallSignal, ProviderSignals } from './provider-signals.js';
import { RpcInvocation } from '../rpc-invocation.js';

/** Takes a call's response (the server writes it and counts the call out). */
export type ResponseSink = (session: Session, request: DubboRequest, response: DubboResponse) => void;

/** What a call needs of its server; one object per server, not per call. */
export interface ProviderCallHost {
  /** Takes the response (the server writes it and counts the call out). */
  readonly reply: ResponseSink;
  /** Makes the signals of the calls that read `RpcContext.current().signal`. */
  readonly signals: ProviderSignals;
  /** `interface[:version][ (group g)]` of what is exported, for SERVICE_NOT_FOUND. */
  exportedServices(): readonly string[];
}

/** Services listed in a SERVICE_NOT_FOUND message at most. */
const MAX_LISTED_SERVICES = 20;

export class ProviderCall implements SignalSource {
  /** Set once the method read its signal. */
  private callSignal: CallSignal | undefined = undefined;
  private settled = false;

  constructor(
    private readonly session: Session,
    private readonly request: DubboRequest,
    private readonly service: ExportedService | undefined,
    private readonly host: ProviderCallHost,
  ) {}

  /** Called by RpcContext the first time the method reads `signal`. */
  abortSignal(context: RpcContext): AbortSignal {
    // Read after the answer was sent (a task the method left running): nothing to watch any more.
    if (this.settled) return AbortSignal.abort(new RpcError(ErrorCode.CANCELLED, 'the call has already been answered'));
    this.callSignal = this.host.signals.open(this.session, context.remainingMs());
    return this.callSignal.signal;
  }

  /**
   * Hands the response to the sink; every failure becomes an error response.
   * Not `async`, and the sink runs in the same `then` that builds the
   * response: one promise from the method's result to the write
   * (docs/performance.md, "RPC call path"). Rejects only if the sink throws.
   */
  run(): Promise<void> {
    const { request } = this;
    if (request.error) return this.settleNow(errorResponse(request, request.error));
    if (!this.service) return this.settleNow(errorResponse(request, this.notFound()));
    const timeoutMs = timeoutOf(request.attachments.timeout);
    const scope = {
      attachments: request.attachments,
      remoteAddress: this.session.remoteAddress,
      localAddress: this.session.localAddress,
      timeoutMs,
      signalSource: this,
    };
    return RpcContext.runProvider(scope, (context) => this.invoke(this.service!, context, timeoutMs));
  }

  private invoke(service: ExportedService, context: RpcContext, timeoutMs: number | undefined): Promise<void> {
    let result: Promise<unknown>;
    try {
      const invocation = this.invocationFor(service, timeoutMs);
      result = callChannelsActive() ? tracedCall('provider', service.invoke, invocation) : service.invoke(invocation);
    } catch (err) {
      return this.settleNow(this.failure(RpcError.from(err)));
    }
    return result.then(
      (value) => this.settle(this.success(value, service.returnTypeOf(this.request.method), context.responseAttachments)),
      (err: unknown) => this.settle(this.failure(RpcError.from(err))),
    );
  }

  private settle(response: DubboResponse): void {
    this.settled = true;
    if (this.callSignal !== undefined) this.host.signals.close(this.callSignal);
    this.host.reply(this.session, this.request, response);
  }

  /** An answer known before the method ran (bad request, no such service). */
  private settleNow(response: DubboResponse): Promise<void> {
    try {
      this.settle(response);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private invocationFor(service: ExportedService, timeoutMs: number | undefined): RpcInvocation {
    const { request } = this;
    return new RpcInvocation({
      interfaceName: service.name,
      methodName: request.method,
      parameterTypes: request.parameterTypes,
      args: coerceArgs(request.parameterTypes, request.args),
      attachments: request.attachments,
      version: service.version,
      group: service.group,
      timeoutMs,
      oneWay: !request.twoWay,
    });
  }

  private success(value: unknown, returnType: string | undefined, attachments: Record<string, unknown>): DubboResponse {
    return createResponse({
      id: this.request.id,
      serialization: this.request.serialization,
      dubboVersion: this.request.dubboVersion,
      value: value === undefined ? null : value,
      returnType: returnType === 'void' || returnType === 'java.lang.Object' ? undefined : returnType,
      attachments,
    });
  }

  private failure(err: RpcError): DubboResponse {
    if (err.code !== ErrorCode.SERVICE_ERROR) return errorResponse(this.request, err);
    return createResponse({
      id: this.request.id,
      serialization: this.request.serialization,
      dubboVersion: this.request.dubboVersion,
      exception: { type: err.remoteType ?? 'java.lang.RuntimeException', message: err.message },
    });
  }

  private notFound(): RpcError {
    const { path, version } = this.request;
    const group = this.request.attachments.group;
    const where = `${path}${version ? `:${version}` : ''}${group ? ` (group ${String(group)})` : ''}`;
    const exported = this.host.exportedServices();
    const listed = exported.slice(0, MAX_LISTED_SERVICES).join(', ');
    const more = exported.length > MAX_LISTED_SERVICES ? ` and ${exported.length - MAX_LISTED_SERVICES} more` : '';
    const offer = exported.length === 0 ? 'nothing is exported' : `exported: ${listed}${more}`;
    return new RpcError(ErrorCode.SERVICE_NOT_FOUND, `no service ${where} exported here (${offer})`);
  }
}

/**
 * Hessian peers may send a byte[] as a typed list of ints (sofa-rpc-node's
 * `java.array.byte`); Java reads that as byte[], so the method gets a Buffer here too.
 */
function coerceArgs(types: readonly string[], args: readonly unknown[]): readonly unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (types[i] !== '[B' || !Array.isArray(arg)) continue;
    out ??= [...args];
    out[i] = Buffer.from(arg as number[]);
  }
  return out ?? args;
}

/** The `timeout` attachment (ms, sent as a string by Dubbo), if it is a positive number. */
function timeoutOf(value: unknown): number | undefined {
  const ms = Number(value);
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}
