/**
 * The `metrics` filter (dubbo-go filter/metrics): per service+method call
 * counts, outcomes and latency as Prometheus metrics (prom-client). Metrics
 * live in the registry passed in, so they show up on the application's own
 * `/metrics`; without one, prom-client's global registry. They are created
 * once per registry so several filters can share it.
 *
 * prom-client is an optional peer dependency: it is loaded when the first
 * metrics filter is made, from the application's node_modules, so an app that
 * never asks for metrics needs neither the package nor its load time.
 */
import { createRequire } from 'node:module';
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import { type Filter, registerFilter } from '../filter.js';
import type { Invocation } from '../invocation.js';

/**
 * The part of prom-client's `Registry` the filter relies on, declared here so
 * that getty-rpc's types compile in apps that do not install prom-client. Any
 * prom-client `Registry` fits.
 */
export interface MetricsRegistry {
  registerMetric(metric: object): void;
  getSingleMetric(name: string): unknown;
}

export interface MetricsFilterOptions {
  /**
   * The application's prom-client `Registry` the metrics are registered in
   * (default: prom-client's global `register`). Pass it when the app serves
   * its own registry, or when getty-rpc is linked and would otherwise resolve
   * a second copy of prom-client.
   */
  registry?: MetricsRegistry;
  /** The `side` label (default 'provider'). */
  side?: 'provider' | 'consumer';
}

type Labels = 'side' | 'service' | 'method';

interface RpcMetrics {
  calls: Counter<Labels | 'outcome'>;
  inFlight: Gauge<Labels>;
  seconds: Histogram<Labels>;
}

type PromClient = typeof import('prom-client');

const byRegistry = new WeakMap<Registry, RpcMetrics>();
let promClient: PromClient | undefined;

/** prom-client, required on first use (a filter is made synchronously, so require, not import()). */
function loadPromClient(): PromClient {
  if (promClient) return promClient;
  try {
    promClient = createRequire(import.meta.url)('prom-client') as PromClient;
  } catch (err) {
    throw new RpcError(ErrorCode.INVALID_ARGUMENT, 'the metrics filter needs prom-client: npm install prom-client', { cause: err });
  }
  return promClient;
}

/** Records every call that passes through it. */
export function metricsFilter(options: MetricsFilterOptions = {}): Filter {
  const client = loadPromClient();
  const metrics = metricsFor(client, (options.registry as Registry | undefined) ?? client.register);
  const side = options.side ?? 'provider';
  return async (invocation, next) => {
    const labels = labelsOf(invocation, side);
    const stop = metrics.seconds.startTimer(labels);
    metrics.inFlight.inc(labels);
    let outcome = 'OK';
    try {
      return await next(invocation);
    } catch (err) {
      outcome = err instanceof RpcError ? err.code : 'ERROR';
      throw err;
    } finally {
      stop();
      metrics.inFlight.dec(labels);
      metrics.calls.inc({ ...labels, outcome });
    }
  };
}

function labelsOf(invocation: Invocation, side: string): Record<Labels, string> {
  return { side, service: invocation.interfaceName, method: invocation.methodName };
}

function metricsFor(client: PromClient, registry: Registry): RpcMetrics {
  let metrics = byRegistry.get(registry);
  if (!metrics) byRegistry.set(registry, (metrics = createMetrics(client, registry)));
  return metrics;
}

function createMetrics({ Counter, Gauge, Histogram }: PromClient, registry: Registry): RpcMetrics {
  const registers = [registry];
  const labelNames: Labels[] = ['side', 'service', 'method'];
  return {
    calls: new Counter({ name: 'rpc_calls_total', help: 'RPC calls by outcome (OK or RpcError code)', labelNames: [...labelNames, 'outcome'], registers }),
    inFlight: new Gauge({ name: 'rpc_calls_in_flight', help: 'RPC calls in flight', labelNames, registers }),
    seconds: new Histogram({ name: 'rpc_call_duration_seconds', help: 'RPC call latency in seconds', labelNames, registers }),
  };
}

registerFilter('metrics', (options) => metricsFilter(options as MetricsFilterOptions));
