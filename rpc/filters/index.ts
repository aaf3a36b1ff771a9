/** The built-in filters; importing this module registers them by name. */
export { type AccessLogEntry, type AccessLogOptions, type AccessLogSink, accessLogFilter } from './access-log-filter.js';
export { type ConcurrencyLimitOptions, concurrencyLimitFilter } from './concurrency-limit-filter.js';
export { ECHO_METHOD, echoFilter } from './echo-filter.js';
export { GENERIC_METHODS, genericFilter, unwrapGeneric } from './generic-filter.js';
export { gracefulShutdownFilter } from './graceful-shutdown-filter.js';
export { type MetricsFilterOptions, metricsFilter } from './metrics-filter.js';
export { TOKEN_KEY, tokenFilter } from './token-filter.js';
export { type TpsLimitOptions, tpsLimitFilter } from './tps-limit-filter.js';
export { type TracingFilterOptions, tracingFilter } from './tracing-filter.js';
