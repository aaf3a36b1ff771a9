/**
 * WebSocket client for ws:// and wss:// URLs (go-anchors §1.5, §1.8): a
 * ClientEndpoint whose dial opens one WebSocket. Reconnect rules are the
 * TCP client's.
 */
import type { ClientRequestArgs } from 'node:http';
import type net from 'node:net';
import type tls from 'node:tls';
import type { ClientOptions, PerMessageDeflateOptions, WebSocket } from 'ws';
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import { type BaseSession, DEFAULT_MAX_MSG_LEN } from './base-session.js';
import { ClientEndpoint, type ClientEndpointOptions } from './client-endpoint.js';
import { checkInteger, invalidArgument } from './endpoint-options.js';
import { loadWs } from './ws-module.js';
import { WsSession } from './ws-session.js';

export interface WsClientOptions extends ClientEndpointOptions {
  /** ws://host:port/path or wss://... */
  url: string;
  /** TLS options for wss:// (ca, cert, key, servername, rejectUnauthorized). */
  tls?: Pick<tls.ConnectionOptions, 'ca' | 'cert' | 'key' | 'passphrase' | 'pfx' | 'rejectUnauthorized' | 'servername'>;
  /** permessage-deflate offer. Default false. */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /** Largest frame accepted, checked from its header. Default 1 MiB. */
  maxPayloadBytes?: number;
  /** Upgrade not finished within this time fails. Default 3000. */
  connectTimeoutMs?: number;
}

export class WsClient<P = unknown> extends ClientEndpoint<P> {
  readonly url: string;
  private readonly secure: boolean;
  private readonly wsOptions: ClientOptions & ClientRequestArgs;
  private readonly dialing = new Set<WebSocket>();

  constructor(options: WsClientOptions) {
    super(options);
    this.url = checkUrl(options.url);
    this.secure = this.url.startsWith('wss:');
    this.wsOptions = {
      ...options.tls,
      perMessageDeflate: options.perMessageDeflate ?? false,
      maxPayload: checkInteger(options.maxPayloadBytes, DEFAULT_MAX_MSG_LEN, 1, 'maxPayloadBytes'),
      handshakeTimeout: checkInteger(options.connectTimeoutMs, 3000, 1, 'connectTimeoutMs'),
    };
  }

  protected dial(): Promise<BaseSession<P>> {
    const ws = new (loadWs().WebSocket)(this.url, this.wsOptions);
    this.dialing.add(ws);
    return new Promise((resolve, reject) => {
      let socket: net.Socket | null = null;
      const fail = (err: Error) => {
        this.dialing.delete(ws);
        ws.terminate();
        reject(new RpcError(ErrorCode.CONNECT_FAILED, `websocket connect to ${this.url} failed: ${err.message}`, { cause: err }));
      };
      // terminate() during the handshake emits one more error: keep a listener.
      ws.on('error', noop);
      ws.once('error', fail);
      ws.once('unexpected-response', (_req, res) => fail(new Error(`HTTP ${res.statusCode}`)));
      ws.once('upgrade', (res) => {
        socket = res.socket as net.Socket;
      });
      ws.once('open', () => {
        this.dialing.delete(ws);
        ws.off('error', fail);
        resolve(new WsSession<P>(ws, socket!, this.secure));
      });
    });
  }

  protected abortDials(): void {
    for (const ws of this.dialing) ws.terminate();
  }
}

function noop(): void {}

function checkUrl(url: unknown): string {
  if (typeof url !== 'string' || !/^wss?:\/\/[^/]+/.test(url)) throw invalidArgument(`url must be ws://host:port/path or wss://..., got ${String(url)}`);
  return url;
}

export function createWsClient<P = unknown>(options: WsClientOptions): WsClient<P> {
  return new WsClient<P>(options);
}
