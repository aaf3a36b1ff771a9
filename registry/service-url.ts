/**
 * A service URL in dubbo-go's conventions (dubbo-go `registry/base_registry.go`):
 * `dubbo://host:port/<interface>?anyhost=true&application=...&interface=...&methods=a,b&side=provider&...`.
 * Query keys are written sorted, as Go's `url.Values.Encode` does, so the same
 * URL always formats to the same string (and so to the same registry key).
 */
import { ErrorCode, RpcError } from '../common/rpc-error.js';

export type UrlParams = Record<string, string>;

export interface ServiceUrlInit {
  protocol: string;
  host: string;
  port: number;
  path?: string;
  params?: UrlParams;
  username?: string;
  password?: string;
}

const URL_SHAPE = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#]*)(\/[^?#]*)?(?:\?([^#]*))?$/;

export class ServiceUrl {
  readonly protocol: string;
  /** Host, or a comma-separated host:port list for clustered registries. */
  readonly host: string;
  readonly port: number;
  /** Path without the leading slash; for providers, the interface name. */
  readonly path: string;
  readonly params: Readonly<UrlParams>;
  readonly username: string;
  readonly password: string;

  constructor(init: ServiceUrlInit) {
    this.protocol = init.protocol;
    this.host = init.host;
    this.port = init.port;
    this.path = (init.path ?? '').replace(/^\/+/, '');
    this.params = Object.freeze({ ...init.params });
    this.username = init.username ?? '';
    this.password = init.password ?? '';
  }

  /** Parses `protocol://[user[:pass]@]host[:port][,host:port...][/path][?query]`. */
  static parse(text: string): ServiceUrl {
    const match = URL_SHAPE.exec(text.trim());
    if (!match) throw new RpcError(ErrorCode.BAD_URL, `not a service URL: ${text}`);
    const [, protocol, user, pass, hostPort, path, query] = match;
    const { host, port } = splitHostPort(hostPort ?? '', text);
    return new ServiceUrl({
      protocol: protocol!.toLowerCase(),
      host,
      port,
      path: path ? decodePart(path, text) : '',
      params: parseQuery(query ?? ''),
      username: user ? decodePart(user, text) : '',
      password: pass ? decodePart(pass, text) : '',
    });
  }

  /**
   * `host:port`, or the host alone when there is no port (for a host list, the
   * list as written). An IPv6 host keeps its brackets either way, so the text
   * parses back to the same host.
   */
  get address(): string {
    if (this.host.includes(',')) return this.host;
    return this.port === 0 ? formatHost(this.host) : `${formatHost(this.host)}:${this.port}`;
  }

  /** The interface this URL serves: the `interface` param, else the path. */
  get interfaceName(): string {
    return this.params.interface || this.path;
  }

  getParam(key: string): string | undefined;
  getParam(key: string, fallback: string): string;
  getParam(key: string, fallback?: string): string | undefined {
    const value = this.params[key];
    return value === undefined || value === '' ? fallback : value;
  }

  getNumberParam(key: string, fallback: number): number {
    const value = Number(this.params[key]);
    return this.params[key] === undefined || this.params[key] === '' || !Number.isFinite(value) ? fallback : value;
  }

  getBooleanParam(key: string, fallback: boolean): boolean {
    const value = this.params[key];
    return value === undefined || value === '' ? fallback : value === 'true';
  }

  /** A method-scoped param (`<method>.<key>`), falling back to the plain key. */
  getMethodParam(method: string, key: string, fallback: number): number {
    return this.getNumberParam(`${method}.${key}`, this.getNumberParam(key, fallback));
  }

  /** A copy with some params replaced (undefined removes a key). */
  with(changes: Omit<Partial<ServiceUrlInit>, 'params'> & { params?: Record<string, string | undefined> }): ServiceUrl {
    const params: UrlParams = { ...this.params };
    for (const [key, value] of Object.entries(changes.params ?? {})) {
      if (value === undefined) delete params[key];
      else params[key] = value;
    }
    return new ServiceUrl({ ...this, ...changes, params });
  }

  /** Dubbo's service key: `group/interface:version` (group and version only when set). */
  get serviceKey(): string {
    return serviceKey(this.interfaceName, this.params.group, this.params.version);
  }

  toString(): string {
    const auth = this.username ? `${encodeURIComponent(this.username)}${this.password ? `:${encodeURIComponent(this.password)}` : ''}@` : '';
    const path = this.path ? `/${this.path}` : '';
    const query = formatQuery(this.params);
    return `${this.protocol}://${auth}${this.address}${path}${query ? `?${query}` : ''}`;
  }
}

/** `group/interface:version`, Dubbo's key for one exported service. */
export function serviceKey(interfaceName: string, group?: string, version?: string): string {
  const head = group ? `${group}/${interfaceName}` : interfaceName;
  return version && version !== '0.0.0' ? `${head}:${version}` : head;
}

/** decodeURIComponent, but a malformed escape is BAD_URL rather than a URIError. */
function decodePart(part: string, text: string): string {
  try {
    return decodeURIComponent(part);
  } catch (err) {
    throw new RpcError(ErrorCode.BAD_URL, `bad escape in ${text.slice(0, 200)}`, { cause: err });
  }
}

function splitHostPort(hostPort: string, text: string): { host: string; port: number } {
  if (hostPort.includes(',')) return { host: hostPort, port: 0 };
  const ipv6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(hostPort);
  const [host, portText] = ipv6 ? [ipv6[1]!, ipv6[2]] : splitLastColon(hostPort);
  const port = portText === undefined || portText === '' ? 0 : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RpcError(ErrorCode.BAD_URL, `bad port in ${text}`);
  }
  return { host, port };
}

function splitLastColon(hostPort: string): [string, string | undefined] {
  const colon = hostPort.lastIndexOf(':');
  return colon < 0 ? [hostPort, undefined] : [hostPort.slice(0, colon), hostPort.slice(colon + 1)];
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function parseQuery(query: string): UrlParams {
  const params: UrlParams = {};
  for (const [key, value] of new URLSearchParams(query)) params[key] = value;
  return params;
}

function formatQuery(params: UrlParams): string {
  const search = new URLSearchParams();
  for (const key of Object.keys(params).sort()) search.append(key, params[key]!);
  return search.toString();
}
