/**
 * The `metrics` filter (go-anchors §5.3): per service+method call counts,
 * outcomes and latency as Prometheus metrics (prom-client). Metrics live in the
 * registry passed in (default: prom-client's global one), created once per
 * registry so several filters can share it.
 */
import { Counter, Gauge, Histogram, type Registry, register } from 'prom-client';
import { RpcError } from '../../common/rpc-error.js';
import { type Filter, registerFilter } from '../filter.js';
import type { Invocation } from '../invocation.js';

export interface MetricsFilterOptions {
  /** Where the metrics are registered (default: prom-client's global registry). */
  registry?: Registry;
  /** The `side` label (default 'provider'). */
  side?: 'provider' | 'consumer';
}

type Labels = 'side' | 'service' | 'method';

interface RpcMetrics {
  calls: Counter<Labels | 'outcome'>;
  inFlight: Gauge<Labels>;
  seconds: Histogram<Labels>;
}

const byRegistry = new WeakMap<Registry, RpcMetrics>();

/** Records every call that passes through it. */
export function metricsFilter(options: MetricsFilterOptions = {}): Filter {
  const metrics = metricsFor(options.registry ?? register);
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

function metricsFor(registry: Registry): RpcMetrics {
  let metrics = byRegistry.get(registry);
  if (!metrics) byRegistry.set(registry, (metrics = createMetrics(registry)));
  return metrics;
}

function createMetrics(registry: Registry): RpcMetrics {
  const registers = [registry];
  const labelNames: Labels[] = ['side', 'service', 'method'];
  return {
    calls: new Counter({ name: 'rpc_calls_total', help: 'RPC calls by outcome (OK or RpcError code)', labelNames: [...labelNames, 'outcome'], registers }),
    inFlight: new Gauge({ name: 'rpc_calls_in_flight', help: 'RPC calls in flight', labelNames, registers }),
    seconds: new Histogram({ name: 'rpc_call_duration_seconds', help: 'RPC call latency in seconds', labelNames, registers }),
  };
}

registerFilter('metrics', (options) => metricsFilter(options as MetricsFilterOptions));
