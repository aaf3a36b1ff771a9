/**
 * `ExchangeServer`: the provider half of the exchange layer, the counterpart
 * of `ExchangeClient`. It owns the listening transport and every provider
 * session: it configures them (codec, limits, cron), answers heartbeats,
 * closes sessions that went idle, and writes replies. Each request is handed
 * to the `RequestHandler` it was given, as dubbo-go
 * `remoting/getty/listener.go` RpcServerHandler hands requests to the
 * handler its server was made with; it knows nothing of services, so it
 * never imports the RPC server (RpcServer creates it and gives it the handler).
 */
import { channels, type Logger } from '../../common/diagnostics.js';
import { ErrorCode, isRpcError, RpcError } from '../../common/rpc-error.js';
import type { ServerStats } from '../../transport/endpoint-options.js';
import type { EventListener, Session } from '../../transport/session-contract.js';
import { answerHeartbeat } from './heartbeat.js';
import { DubboCodec } from './dubbo-codec.js';
import type { DubboPackage, DubboRequest, DubboResponse } from '../protocol/dubbo-package.js';
import { errorResponse } from '../protocol/remote-error.js';
import { createTransportServer, type ServerSpec, type TransportServer } from './transport-factory.js';

/**
 * Takes one decoded request (heartbeats never reach it). A returned promise
 * counts towards the session's calls in flight until it settles
 * (`maxInflightPerSession`: the session stops reading at that many).
 */
export type RequestHandler = (session: Session<DubboPackage>, request: DubboRequest) => void | Promise<void>;

/** The listening transport's settings (ServerSpec), plus what the exchange itself uses. */
export interface ExchangeServerOptions extends ServerSpec {
  /** A session that received nothing (not even a heartbeat) for this long is closed, in ms. */
  sessionTimeoutMs: number;
  maxInflightPerSession: number;
  /** Reply bytes queued towards one session before it is dropped (WRITE_BUFFER_FULL). */
  maxWriteBufferBytes: number;
  /** Told (debug) when a session closes. */
  logger: Logger;
  /** Runs when a session closes, after its calls in flight lost their connection. */
  onSessionClose?: (session: Session<DubboPackage>) => void;
}

/** The idle check runs at least this often, ms. */
const MAX_CRON_PERIOD_MS = 60_000;

export class ExchangeServer implements EventListener<DubboPackage> {
  private readonly codec: DubboCodec;
  private transport: TransportServer | undefined;

  constructor(
    private readonly options: ExchangeServerOptions,
    private readonly handle: RequestHandler,
  ) {
    this.codec = new DubboCodec({ maxFrameLen: options.maxFrameLen });
  }

  /** The bound port once listening (still after close()), else the one asked for. */
  get port(): number {
    return this.transport?.address.port ?? this.options.port;
  }

  /** Connection counters; undefined before listen(). */
  stats(): ServerStats | undefined {
    return this.transport?.stats();
  }

  /** Listens; every accepted session is configured and read from here on. */
  async listen(): Promise<void> {
    this.transport = createTransportServer(this.options);
    await this.transport.runEventLoop((session) => this.configure(session as Session<DubboPackage>));
  }

  /**
   * Stops listening and closes every session; `lingerMs`: how long a closed
   * session may still wait for its peer to take its last replies.
   */
  close(options: { lingerMs?: number } = {}): Promise<void> {
    return this.transport?.close(options) ?? Promise.resolve();
  }

  /**
   * Writes the reply to `request` (nothing for a one-way request or a closed
   * session). A result that cannot be encoded (a value that is not its
   * declared Java type, a reply past maxFrameLen) is answered with
   * SERVER_ERROR, so the caller does not wait for its timeout.
   */
  reply(session: Session<DubboPackage>, request: DubboRequest, response: DubboResponse): void {
    if (!request.twoWay || session.closed) return;
    try {
      session.writePkg(response);
    } catch (err) {
      if (session.closed || !(isRpcError(err, ErrorCode.SERIALIZATION) || isRpcError(err, ErrorCode.MSG_TOO_LONG))) return;
      session.writePkg(errorResponse(request, new RpcError(ErrorCode.SERVER_ERROR, `cannot encode the result: ${err.message}`)));
    }
  }

  // ---- EventListener

  onMessage(session: Session<DubboPackage>, pkg: DubboPackage): void | Promise<void> {
    if (pkg.kind !== 'request' || answerHeartbeat(pkg, session)) return;
    return this.handle(session, pkg);
  }

  onCron(session: Session<DubboPackage>): void {
    if (Date.now() - session.lastActive > this.options.sessionTimeoutMs) {
      session.close(new RpcError(ErrorCode.NETWORK, `session idle for over ${this.options.sessionTimeoutMs} ms`));
    }
  }

  onClose(session: Session<DubboPackage>): void {
    this.options.onSessionClose?.(session);
    this.options.logger.debug({ remoteAddress: session.remoteAddress }, `session from ${session.remoteAddress} closed`);
    if (channels.sessionClose.hasSubscribers) {
      const { remoteAddress, localAddress, closeReason: reason } = session;
      channels.sessionClose.publish({ side: 'provider', remoteAddress, localAddress, reason });
    }
  }

  private configure(session: Session<DubboPackage>): void {
    session
      .setName('rpc-server')
      .setPkgHandler(this.codec)
      .setEventListener(this)
      .setMaxMsgLen(this.options.maxFrameLen)
      .setMaxInflight(this.options.maxInflightPerSession)
      .setMaxWriteBufferBytes(this.options.maxWriteBufferBytes)
      .setCronPeriod(Math.min(MAX_CRON_PERIOD_MS, this.options.sessionTimeoutMs));
    if (channels.sessionOpen.hasSubscribers) {
      channels.sessionOpen.publish({ side: 'provider', remoteAddress: session.remoteAddress, localAddress: session.localAddress });
    }
  }
}
