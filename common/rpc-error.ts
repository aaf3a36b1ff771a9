/**
 * The one error class of getty-rpc. Every layer (transport, registry, rpc)
 * throws or rejects with an `RpcError` whose `code` says what went wrong;
 * callers branch on `code`, never on the message. The codes are listed in
 * docs/errors.md.
 */

/** Every code an `RpcError` can carry. */
export const ErrorCode = {
  // ---- options and arguments
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  // ---- transport (getty)
  SESSION_CLOSED: 'SESSION_CLOSED',
  MSG_TOO_LONG: 'MSG_TOO_LONG',
  BAD_PACKAGE: 'BAD_PACKAGE',
  WRITE_BUFFER_FULL: 'WRITE_BUFFER_FULL',
  READ_TIMEOUT: 'READ_TIMEOUT',
  WRITE_TIMEOUT: 'WRITE_TIMEOUT',
  SELF_CONNECT: 'SELF_CONNECT',
  CONNECT_FAILED: 'CONNECT_FAILED',
  ENDPOINT_CLOSED: 'ENDPOINT_CLOSED',
  TASK_POOL_CLOSED: 'TASK_POOL_CLOSED',
  // ---- rpc
  TIMEOUT: 'TIMEOUT',
  NETWORK: 'NETWORK',
  CANCELLED: 'CANCELLED',
  SERVICE_NOT_FOUND: 'SERVICE_NOT_FOUND',
  METHOD_NOT_FOUND: 'METHOD_NOT_FOUND',
  BAD_REQUEST: 'BAD_REQUEST',
  BAD_RESPONSE: 'BAD_RESPONSE',
  SERVICE_ERROR: 'SERVICE_ERROR',
  SERVER_ERROR: 'SERVER_ERROR',
  SERVER_SHUTTING_DOWN: 'SERVER_SHUTTING_DOWN',
  CLIENT_CLOSED: 'CLIENT_CLOSED',
  NO_PROVIDER: 'NO_PROVIDER',
  UNAUTHORIZED: 'UNAUTHORIZED',
  LIMIT_EXCEEDED: 'LIMIT_EXCEEDED',
  SERIALIZATION: 'SERIALIZATION',
  // ---- registry
  REGISTRY_UNAVAILABLE: 'REGISTRY_UNAVAILABLE',
  REGISTRY_CLOSED: 'REGISTRY_CLOSED',
  BAD_URL: 'BAD_URL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const kRpcError = Symbol.for('getty-rpc.error');

export interface RpcErrorOptions {
  cause?: unknown;
  /** Java (or other remote) exception type, for SERVICE_ERROR. */
  remoteType?: string;
  /** Dubbo response status byte, when the error came from one. */
  status?: number;
}

export class RpcError extends Error {
  override readonly name = 'RpcError';
  readonly code: ErrorCode;
  readonly remoteType: string | undefined;
  readonly status: number | undefined;

  constructor(code: ErrorCode, message: string, options: RpcErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.remoteType = options.remoteType;
    this.status = options.status;
  }

  /** Brand check, so errors from another copy of the package still match. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && kRpcError in value;
  }

  /** Wraps anything thrown into an RpcError, keeping RpcErrors as they are. */
  static from(err: unknown, code: ErrorCode = ErrorCode.SERVER_ERROR): RpcError {
    if (err instanceof RpcError) return err;
    const message = err instanceof Error ? err.message : String(err);
    return new RpcError(code, message, { cause: err });
  }
}

Object.defineProperty(RpcError.prototype, kRpcError, { value: true });

/** True when `err` is an RpcError with the given code. */
export function isRpcError(err: unknown, code?: ErrorCode): err is RpcError {
  return err instanceof RpcError && (code === undefined || err.code === code);
}
