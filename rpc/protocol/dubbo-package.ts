/**
 * The two package kinds that travel in a Dubbo 2 frame (dubbo-go `protocol/dubbo/impl/`)
 * and the response status bytes with their mapping to RpcError codes.
 */
import { DUBBO_VERSION } from '../../common/dubbo-version.js';
import { ErrorCode, type RpcError } from '../../common/rpc-error.js';

export { DUBBO_VERSION };

/** Response status byte (header offset 3), dubbo-go `protocol/dubbo/impl/const.go`. */
export const ResponseStatus = {
  OK: 20,
  CLIENT_TIMEOUT: 30,
  SERVER_TIMEOUT: 31,
  BAD_REQUEST: 40,
  BAD_RESPONSE: 50,
  SERVICE_NOT_FOUND: 60,
  SERVICE_ERROR: 70,
  SERVER_ERROR: 80,
  CLIENT_ERROR: 90,
  SERVER_THREADPOOL_EXHAUSTED: 100,
} as const;
export type ResponseStatus = (typeof ResponseStatus)[keyof typeof ResponseStatus];

/**
 * A request id. Ours are safe integers; a peer's id beyond 2^53 stays a
 * bigint so it round-trips into the response unchanged.
 */
export type RequestId = number | bigint;

/** A Java exception carried by a response (flag 0 or 3). */
export interface RemoteException {
  /** Java class name, e.g. `java.lang.IllegalStateException`. */
  type: string;
  message: string;
}

export interface DubboRequest {
  readonly kind: 'request';
  id: RequestId;
  twoWay: boolean;
  /** Event frame (flag 0x20); a heartbeat is an event whose data is null. */
  event: boolean;
  /** Serialization id (2 hessian2, 6 json, 22 protobuf, ...). */
  serialization: number;
  dubboVersion: string;
  path: string;
  version: string;
  method: string;
  /** Java type names of the parameters, e.g. `java.lang.String`, `int`, `[B`. */
  parameterTypes: string[];
  args: unknown[];
  attachments: Record<string, unknown>;
  /** Set by the decoder when the body of an intact frame was corrupt. */
  error?: RpcError;
}

export interface DubboResponse {
  readonly kind: 'response';
  id: RequestId;
  status: number;
  serialization: number;
  event: boolean;
  /** The return value (status OK, no exception). */
  value?: unknown;
  /** A Java/remote exception thrown by the provider (status OK). */
  exception?: RemoteException;
  /** The error text a non-OK status carries. */
  errorMessage?: string;
  attachments: Record<string, unknown>;
  /**
   * The caller's dubbo version; picks response flags 0–2 or 3–5 on encode
   * (see supportsResponseAttachments). Defaults to DUBBO_VERSION.
   */
  dubboVersion?: string;
  /** Encode hint for serializations that need a declared type (protobuf). */
  returnType?: string;
  /** Set by the decoder when the body of an intact frame was corrupt. */
  error?: RpcError;
}

export type DubboPackage = DubboRequest | DubboResponse;

/**
 * The one place a request object is written, every field in one order, so
 * every request (decoded, built by a consumer, a heartbeat) has one shape.
 * Positional and not `async`: no options object per call on the hot path.
 */
export function newRequest(
  id: RequestId,
  serialization: number,
  path: string,
  version: string,
  method: string,
  parameterTypes: string[],
  args: unknown[],
  attachments: Record<string, unknown>,
  twoWay = true,
  event = false,
): DubboRequest {
  return { kind: 'request', id, twoWay, event, serialization, dubboVersion: DUBBO_VERSION, path, version, method, parameterTypes, args, attachments };
}

/** Fills a request with defaults; `fields` wins. */
export function createRequest(fields: Partial<Omit<DubboRequest, 'kind'>> & { id: RequestId }): DubboRequest {
  return Object.assign(newRequest(fields.id, 2, '', '', '', [], [], {}), fields);
}

/** Fills a response with defaults; `fields` wins. */
export function createResponse(fields: Partial<Omit<DubboResponse, 'kind'>> & { id: RequestId }): DubboResponse {
  return { kind: 'response', status: ResponseStatus.OK, serialization: 2, event: false, attachments: {}, ...fields };
}

/** A heartbeat request (flag 0xE2 for hessian2; dubbo-go `protocol/dubbo/impl/codec.go`). */
export function createHeartbeatRequest(id: RequestId, serialization = 2): DubboRequest {
  return createRequest({ id, serialization, event: true, dubboVersion: DUBBO_VERSION });
}

/** The answer to a heartbeat: same id and serialization, status 20. */
export function createHeartbeatResponse(request: DubboRequest): DubboResponse {
  return createResponse({ id: request.id, serialization: request.serialization, event: true });
}

export function isHeartbeat(pkg: DubboPackage): boolean {
  return pkg.event;
}

const statusToCode: Record<number, ErrorCode> = {
  [ResponseStatus.CLIENT_TIMEOUT]: ErrorCode.TIMEOUT,
  [ResponseStatus.SERVER_TIMEOUT]: ErrorCode.TIMEOUT,
  [ResponseStatus.BAD_REQUEST]: ErrorCode.BAD_REQUEST,
  [ResponseStatus.BAD_RESPONSE]: ErrorCode.BAD_RESPONSE,
  [ResponseStatus.SERVICE_NOT_FOUND]: ErrorCode.SERVICE_NOT_FOUND,
  [ResponseStatus.SERVICE_ERROR]: ErrorCode.SERVICE_ERROR,
  [ResponseStatus.SERVER_ERROR]: ErrorCode.SERVER_ERROR,
  [ResponseStatus.CLIENT_ERROR]: ErrorCode.NETWORK,
  [ResponseStatus.SERVER_THREADPOOL_EXHAUSTED]: ErrorCode.LIMIT_EXCEEDED,
};

/** The RpcError code for a non-OK response status (unknown → SERVER_ERROR). */
export function statusToErrorCode(status: number): ErrorCode {
  return statusToCode[status] ?? ErrorCode.SERVER_ERROR;
}

const codeToStatus: Partial<Record<ErrorCode, ResponseStatus>> = {
  [ErrorCode.TIMEOUT]: ResponseStatus.SERVER_TIMEOUT,
  [ErrorCode.BAD_REQUEST]: ResponseStatus.BAD_REQUEST,
  [ErrorCode.BAD_PACKAGE]: ResponseStatus.BAD_REQUEST,
  [ErrorCode.MSG_TOO_LONG]: ResponseStatus.BAD_REQUEST,
  [ErrorCode.SERIALIZATION]: ResponseStatus.BAD_REQUEST,
  [ErrorCode.INVALID_ARGUMENT]: ResponseStatus.BAD_REQUEST,
  [ErrorCode.BAD_RESPONSE]: ResponseStatus.BAD_RESPONSE,
  [ErrorCode.SERVICE_NOT_FOUND]: ResponseStatus.SERVICE_NOT_FOUND,
  // Java Dubbo has no "method not found" status; it answers SERVICE_NOT_FOUND.
  [ErrorCode.METHOD_NOT_FOUND]: ResponseStatus.SERVICE_NOT_FOUND,
  [ErrorCode.SERVICE_ERROR]: ResponseStatus.SERVICE_ERROR,
  [ErrorCode.LIMIT_EXCEEDED]: ResponseStatus.SERVER_THREADPOOL_EXHAUSTED,
  [ErrorCode.SERVER_SHUTTING_DOWN]: ResponseStatus.SERVER_ERROR,
  [ErrorCode.UNAUTHORIZED]: ResponseStatus.SERVICE_ERROR,
};

/** The response status a server sends for an RpcError code (default SERVER_ERROR 80). */
export function errorCodeToStatus(code: ErrorCode): ResponseStatus {
  return codeToStatus[code] ?? ResponseStatus.SERVER_ERROR;
}

/** Parses "2.0.2" / "2.6.2.1" into Java Dubbo's int form 2000200 / 2060201; -1 if unparseable. */
export function dubboVersionToInt(version: string | undefined): number {
  if (!version) return -1;
  const parts = version.split('.');
  if (parts.length < 2 || parts.length > 4) return -1;
  let n = 0;
  for (let i = 0; i < 4; i++) {
    const part = i < parts.length ? Number.parseInt(parts[i]!, 10) : 0;
    if (!Number.isFinite(part) || part < 0 || part > 99) return -1;
    n = n * 100 + part;
  }
  return n;
}

/**
 * True when the caller understands response flags 3–5 (attachments): version
 * ≥ 2.0.2 and not in 2.0.10–2.6.2, as Java Dubbo decides (dubbo-common
 * `org/apache/dubbo/common/Version.java` isSupportResponseAttachment).
 * sofa-rpc-node sends 2.5.3, so it gets flags 0–2.
 */
export function supportsResponseAttachments(version: string | undefined): boolean {
  // Every response asks this and peers send one version: remember the last answer.
  if (version === lastVersion) return lastSupports;
  const v = dubboVersionToInt(version);
  lastVersion = version;
  lastSupports = v >= 2000200 && !(v >= 2001000 && v < 2060300);
  return lastSupports;
}

let lastVersion: string | undefined = DUBBO_VERSION;
let lastSupports = true;
