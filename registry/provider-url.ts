/**
 * Builds provider and consumer URLs the way dubbo-go's exporter and referrer
 * do (the parameters dubbo-go `registry/base_registry.go` publishes), so that Java and Go
 * consumers reading the registry find everything they expect.
 */
import { DUBBO_VERSION } from '../common/dubbo-version.js';
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import { ServiceUrl, type UrlParams } from './service-url.js';

/** Written into `release`, the way dubbo-go writes `dubbo-golang-<version>`. */
export const RELEASE = 'getty-rpc-0.1.0';

export interface ProviderUrlInit {
  host: string;
  port: number;
  interfaceName: string;
  methods: readonly string[];
  application: string;
  /** Default `dubbo`. */
  protocol?: string;
  version?: string;
  group?: string;
  /** Default 100. */
  weight?: number;
  /** Default `hessian2`. */
  serialization?: string;
  /** Any further params (`cluster`, `loadbalance`, `retries`, `timeout`, `token`, ...). */
  params?: UrlParams;
}

export function providerUrl(init: ProviderUrlInit): ServiceUrl {
  validate(init);
  const params: UrlParams = {
    anyhost: 'true',
    application: init.application,
    dubbo: DUBBO_VERSION,
    interface: init.interfaceName,
    methods: [...init.methods].sort().join(','),
    pid: String(process.pid),
    'registry.role': '3',
    release: RELEASE,
    serialization: init.serialization ?? 'hessian2',
    side: 'provider',
    // dubbo-go writes unix seconds (dubbo-go `registry/base_registry.go`)
    timestamp: String(Math.floor(Date.now() / 1000)),
    weight: String(init.weight ?? 100),
    ...optional({ version: init.version, group: init.group }),
    ...init.params,
  };
  return new ServiceUrl({ protocol: init.protocol ?? 'dubbo', host: init.host, port: init.port, path: init.interfaceName, params });
}

export interface ConsumerUrlInit {
  host: string;
  interfaceName: string;
  application: string;
  methods?: readonly string[];
  version?: string;
  group?: string;
  /** The protocol the consumer speaks, default `dubbo`. */
  protocol?: string;
  params?: UrlParams;
}

/** `consumer://<host>/<interface>?category=consumers&side=consumer&...` (dubbo-go `registry/base_registry.go` consumer node). */
export function consumerUrl(init: ConsumerUrlInit): ServiceUrl {
  if (!init.interfaceName) throw new RpcError(ErrorCode.INVALID_ARGUMENT, 'consumerUrl needs an interfaceName');
  const params: UrlParams = {
    application: init.application,
    category: 'consumers',
    dubbo: DUBBO_VERSION,
    interface: init.interfaceName,
    pid: String(process.pid),
    protocol: init.protocol ?? 'dubbo',
    'registry.role': '0',
    release: RELEASE,
    side: 'consumer',
    timestamp: String(Math.floor(Date.now() / 1000)),
    ...optional({ version: init.version, group: init.group, methods: init.methods?.join(',') }),
    ...init.params,
  };
  return new ServiceUrl({ protocol: 'consumer', host: init.host, port: 0, path: init.interfaceName, params });
}

function validate(init: ProviderUrlInit): void {
  if (!init.interfaceName) throw new RpcError(ErrorCode.INVALID_ARGUMENT, 'providerUrl needs an interfaceName');
  // dubbo-go `registry/base_registry.go`: a provider without methods is an error.
  if (init.methods.length === 0) throw new RpcError(ErrorCode.INVALID_ARGUMENT, `provider ${init.interfaceName} has no methods`);
  if (!Number.isInteger(init.port) || init.port <= 0 || init.port > 65535) {
    throw new RpcError(ErrorCode.INVALID_ARGUMENT, `bad provider port ${init.port}`);
  }
}

function optional(values: Record<string, string | undefined>): UrlParams {
  const params: UrlParams = {};
  for (const [key, value] of Object.entries(values)) if (value) params[key] = value;
  return params;
}
