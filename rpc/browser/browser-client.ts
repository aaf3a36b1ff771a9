/**
 * BrowserRpcClient: calls a getty-rpc / Dubbo provider that listens with
 * `RpcServer({ transport: 'ws' })`, from a web page. Same Dubbo 2 frames
 * and serializations (hessian2, json) as the Node client, over the
 * browser's WebSocket as binary messages. Deliberately small: one socket,
 * no registry, no cluster, no filters (docs/browser.md).
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import { DubboCodec } from '../exchange/dubbo-codec.js';
import type { DubboRequest } from '../protocol/dubbo-package.js';
import { buildRequest } from '../consumer/request-builder.js';
import { responseValue } from '../consumer/response-value.js';
import { getSerialization } from '../serialization/serialization.js';
import { BrowserConnection } from './browser-connection.js';
import { BrowserPendingCalls } from './browser-pending-calls.js';
import { type BrowserCall, type BrowserReferOptions, createBrowserProxy, type BrowserProxy } from './browser-proxy.js';
import { type BrowserSocketClass, globalWebSocket } from './browser-socket.js';
import type { ProxyOf, ServiceDefinition } from '../service.js';

export interface BrowserRpcClientOptions {
  /** The provider: `ws://host:port/path` or `wss://...`. */
  url: string;
  /** Default per-call timeout in ms (default 3000). */
  timeoutMs?: number;
  /** Largest frame read or written, in bytes (default 8 MiB, as the server). */
  maxFrameLen?: number;
  /** How often pending calls are checked for timeouts, in ms (default 100). */
  sweepMs?: number;
  /** The WebSocket class (default the global `WebSocket`; in Node e.g. the `ws` package's). */
  WebSocket?: BrowserSocketClass;
}

export class BrowserRpcClient {
  readonly url: string;
  readonly timeoutMs: number;
  private readonly SocketClass: BrowserSocketClass;
  private readonly codec: DubboCodec;
  private readonly pending: BrowserPendingCalls;
  private connection: BrowserConnection | undefined;
  private nextId = 1;
  private closed = false;

  constructor(options: BrowserRpcClientOptions) {
    this.url = checkUrl(options?.url);
    this.timeoutMs = checkPositive('timeoutMs', options.timeoutMs ?? 3000);
    this.pending = new BrowserPendingCalls(checkPositive('sweepMs', options.sweepMs ?? 100));
    this.codec = new DubboCodec({ maxFrameLen: options.maxFrameLen });
    this.SocketClass = checkSocketClass(options.WebSocket ?? globalWebSocket());
  }

  /** A proxy of `definition` (or of a service name: any method, Java types inferred). */
  refer<D extends ServiceDefinition>(definition: D, options?: BrowserReferOptions): ProxyOf<D>;
  refer(name: string, options?: BrowserReferOptions): BrowserProxy;
  refer(definition: ServiceDefinition | string, options: BrowserReferOptions = {}): unknown {
    getSerialization(options.serialization ?? 'hessian2');
    if (options.timeoutMs !== undefined) checkPositive('timeoutMs', options.timeoutMs);
    return createBrowserProxy(definition, options, (call) => this.invoke(call));
  }

  /** Sends one call and resolves with its result; rejects with an RpcError. */
  async invoke(call: BrowserCall): Promise<unknown> {
    if (this.closed) throw new RpcError(ErrorCode.CLIENT_CLOSED, 'BrowserRpcClient is closed');
    const connection = this.currentConnection();
    await connection.ready;
    const request = this.requestFor(call);
    const id = request.id as number;
    const response = this.pending.add(id, call.timeoutMs ?? this.timeoutMs, `${call.service}.${call.method}`);
    try {
      connection.writePkg(request);
    } catch (err) {
      this.pending.fail(id, RpcError.from(err, ErrorCode.SERIALIZATION));
    }
    return responseValue(await response);
  }

  /** Fails pending calls with CLIENT_CLOSED and closes the socket. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const reason = new RpcError(ErrorCode.CLIENT_CLOSED, 'BrowserRpcClient closed');
    this.connection?.close(reason);
    this.pending.failAll(reason);
  }

  /** The open socket, or a new one: reconnection is lazy, on the next call after a close. */
  private currentConnection(): BrowserConnection {
    if (this.connection === undefined || this.connection.closed) {
      this.connection = new BrowserConnection(this.url, this.SocketClass, this.codec, {
        onResponse: (response) => this.pending.complete(response),
        onClosed: (err) => this.pending.failAll(err),
      });
    }
    return this.connection;
  }

  private requestFor(call: BrowserCall): DubboRequest {
    const source = {
      interfaceName: call.service,
      methodName: call.method,
      parameterTypes: call.parameterTypes,
      args: call.args,
      attachments: call.attachments ?? {},
      version: call.version,
      group: call.group,
    };
    const request = buildRequest(source, call.service, getSerialization(call.serialization ?? 'hessian2').id, String(call.timeoutMs ?? this.timeoutMs));
    request.id = this.takeId();
    return request;
  }

  private takeId(): number {
    const id = this.nextId;
    // Ids stay safe integers below 2^31 so they read back as numbers (dubbo-header.ts).
    this.nextId = id >= 0x7fff_ffff ? 1 : id + 1;
    return id;
  }
}

function checkUrl(url: unknown): string {
  if (typeof url !== 'string' || !/^wss?:\/\/[^/]+/.test(url)) {
    throw new RpcError(ErrorCode.INVALID_ARGUMENT, `url must be ws://host:port/path or wss://..., got ${String(url)}`);
  }
  return url;
}

function checkPositive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RpcError(ErrorCode.INVALID_ARGUMENT, `${name} must be a positive number of ms, got ${value}`);
  return value;
}

function checkSocketClass(SocketClass: BrowserSocketClass | undefined): BrowserSocketClass {
  if (typeof SocketClass !== 'function') {
    throw new RpcError(ErrorCode.INVALID_ARGUMENT, 'no WebSocket: pass options.WebSocket where there is no global one');
  }
  return SocketClass;
}
