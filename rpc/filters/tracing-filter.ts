/**
 * The `tracing` filter: one OpenTelemetry span per call, a CLIENT span on the
 * consumer and a SERVER span on the provider, with W3C trace context carried
 * as Dubbo attachments so a trace crosses Java, Go and this project.
 *
 * - span name `<interface>/<method>`, attributes `rpc.system=apache_dubbo`,
 *   `rpc.service` (the interface), `rpc.method`, and `net.peer.name` /
 *   `net.peer.port`: on the provider the caller's address, on the consumer
 *   the provider the call went to (its last attempt; Java takes the first
 *   invoked invoker) — Java Dubbo 3.2+'s conventions (`dubbo-metrics/dubbo-tracing`,
 *   `DubboObservationDocumentation`, `DefaultDubboClientObservationConvention`,
 *   which name no `server.address`); dubbo-go (`filter/otel/trace/filter.go`)
 *   names spans by method only and sets no peer attributes;
 * - status ERROR with `error.type` = the RpcError code on failure, else OK;
 * - the consumer injects through the global propagator (W3C `traceparent`,
 *   `tracestate`, `baggage` once one is registered, as the OpenTelemetry SDK
 *   does by default) as plain string attachments, which Java reads; the
 *   provider also accepts a one-element string list, the form dubbo-go's
 *   carrier writes (`filter/otel/trace/attachment.go`).
 *
 * `@opentelemetry/api` is an optional peer dependency, loaded when the first
 * tracing filter is created; without it `tracingFilter()` throws
 * INVALID_ARGUMENT. Spans go wherever the application's tracer provider sends
 * them; the provider span is the active context while the method runs, so
 * the calls it makes become its children (with a context manager registered).
 */
import { createRequire } from 'node:module';
import type * as OtelApi from '@opentelemetry/api';
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import { attemptedProvider, watchAttemptedProviders } from '../cluster/attempted-provider.js';
import { RpcContext } from '../context.js';
import type { Filter } from '../filter.js';
import type { Invocation } from '../invocation.js';

export interface TracingFilterOptions {
  /** Which span to make: 'consumer' (CLIENT, injects context) or 'provider' (SERVER, extracts it). Default 'consumer'. */
  side?: 'consumer' | 'provider';
  /** Instrumentation scope name (default 'getty-rpc'). */
  tracerName?: string;
}

type Api = typeof OtelApi;

let loaded: Api | undefined;

function loadApi(): Api {
  if (loaded) return loaded;
  try {
    loaded = createRequire(import.meta.url)('@opentelemetry/api') as Api;
  } catch (err) {
    throw new RpcError(ErrorCode.INVALID_ARGUMENT, 'tracingFilter() needs the package @opentelemetry/api (npm install @opentelemetry/api)', { cause: err });
  }
  return loaded;
}

/** Reads attachments the way the W3C propagators ask: strings, or the first string of a list (dubbo-go). */
const attachmentGetter: OtelApi.TextMapGetter<Record<string, unknown>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = Object.hasOwn(carrier, key) ? carrier[key] : undefined;
    if (typeof value === 'string') return value;
    return Array.isArray(value) && typeof value[0] === 'string' ? value[0] : undefined;
  },
};

const attachmentSetter: OtelApi.TextMapSetter<Record<string, unknown>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

export function tracingFilter(options: TracingFilterOptions = {}): Filter {
  const api = loadApi();
  const side = options.side ?? 'consumer';
  if (side !== 'consumer' && side !== 'provider') throw new RpcError(ErrorCode.INVALID_ARGUMENT, `tracingFilter side must be 'consumer' or 'provider', not '${String(side)}'`);
  const tracer = api.trace.getTracer(options.tracerName ?? 'getty-rpc');
  return side === 'consumer' ? clientFilter(api, tracer) : serverFilter(api, tracer);
}

function clientFilter(api: Api, tracer: OtelApi.Tracer): Filter {
  watchAttemptedProviders();
  return (invocation, next) => {
    const parent = api.context.active();
    const span = tracer.startSpan(spanName(invocation), { kind: api.SpanKind.CLIENT, attributes: rpcAttributes(invocation) }, parent);
    const attachments: Record<string, unknown> = { ...invocation.attachments };
    api.propagation.inject(api.trace.setSpan(parent, span), attachments, attachmentSetter);
    return settle(api, span, next({ ...invocation, attachments }), attachments);
  };
}

function serverFilter(api: Api, tracer: OtelApi.Tracer): Filter {
  return (invocation, next) => {
    const parent = api.propagation.extract(api.ROOT_CONTEXT, invocation.attachments, attachmentGetter);
    const attributes = { ...rpcAttributes(invocation), ...peerAttributes(RpcContext.current()?.remoteAddress) };
    const span = tracer.startSpan(spanName(invocation), { kind: api.SpanKind.SERVER, attributes }, parent);
    return settle(api, span, api.context.with(api.trace.setSpan(parent, span), () => next(invocation)));
  };
}

/** Ends the span with the call's outcome; on a consumer (`attachments` given), first names the provider the call went to. */
function settle(api: Api, span: OtelApi.Span, result: Promise<unknown>, attachments?: object): Promise<unknown> {
  return result.then(
    (value) => {
      if (attachments) setProviderAttributes(span, attachments);
      span.setStatus({ code: api.SpanStatusCode.OK });
      span.end();
      return value;
    },
    (err: unknown) => {
      if (attachments) setProviderAttributes(span, attachments);
      const code = err instanceof RpcError ? err.code : 'ERROR';
      span.setAttribute('error.type', code);
      span.setStatus({ code: api.SpanStatusCode.ERROR, message: `${code}: ${err instanceof Error ? err.message : String(err)}` });
      span.end();
      throw err;
    },
  );
}

function spanName(invocation: Invocation): string {
  return `${invocation.interfaceName}/${invocation.methodName}`;
}

function rpcAttributes(invocation: Invocation): OtelApi.Attributes {
  return { 'rpc.system': 'apache_dubbo', 'rpc.service': invocation.interfaceName, 'rpc.method': invocation.methodName };
}

function setProviderAttributes(span: OtelApi.Span, attachments: object): void {
  const provider = attemptedProvider(attachments);
  if (!provider) return;
  span.setAttribute('net.peer.name', provider.host);
  if (provider.port > 0) span.setAttribute('net.peer.port', provider.port);
}

function peerAttributes(address: string | undefined): OtelApi.Attributes {
  if (!address) return {};
  const colon = address.lastIndexOf(':');
  if (colon < 0) return { 'net.peer.name': address };
  return { 'net.peer.name': address.slice(0, colon).replace(/^\[|\]$/g, ''), 'net.peer.port': Number(address.slice(colon + 1)) };
}
