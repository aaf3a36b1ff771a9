/**
 * `ExchangeClient`: every call to one provider address goes through one of
 * these, whatever the service (dubbo-go `remoting/exchange_client.go`).
 * It owns a transport client holding `connections` sessions, correlates
 * responses to requests by id in a `PendingCalls` table, sends heartbeats from
 * onCron and closes sessions that went idle (dubbo-go `remoting/getty/listener.go`).
 *
 * Reconnecting is the transport's job; when it has given up and no session is
 * left, the next call builds a new transport client (dubbo-go's lazy
 * reconnect at the RPC layer).
 */
import type { ConnectionOptions } from 'node:tls';
import { channels, type Logger } from '../../common/diagnostics.js';
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import type { EventListener, Session } from '../../transport/session-contract.js';
import type { TimerWheel } from '../../transport/timer-wheel.js';
import { DubboCodec } from './dubbo-codec.js';
import { answerHeartbeat } from './heartbeat.js';
import { createHeartbeatRequest, type DubboPackage, type DubboRequest, type DubboResponse } from '../protocol/dubbo-package.js';
import { notSent } from '../never-sent.js';
import { cancelledError, PendingCalls, type ResponseMapper } from './pending-calls.js';
import { createTransportClient, type TransportClient, type TransportKind } from './transport-factory.js';

export type { TransportKind } from './transport-factory.js';

export interface ExchangeClientOptions {
  transport: TransportKind;
  host: string;
  port: number;
  /** WebSocket path (ws only), default '/'. */
  path: string;
  /** Node TLS options: TLS over TCP, or wss. */
  tls: ConnectionOptions | undefined;
  /** Sessions kept open to the provider. */
  connections: number;
  /** Largest frame read or written, in bytes. */
  maxFrameLen: number;
  /** How often each session sends a heartbeat, in ms. */
  heartbeatPeriodMs: number;
  /** A heartbeat unanswered for this long counts as failed, in ms. */
  heartbeatTimeoutMs: number;
  /** A session that received nothing for this long is closed, in ms. */
  sessionTimeoutMs: number;
  /** Calls in flight to this address at most; more fail with LIMIT_EXCEEDED. */
  maxPendingCalls: number;
  wheel: TimerWheel;
  /** Told (info) when a session to the provider drops while the client is open. */
  logger?: Logger;
}

/** Consecutive unanswered heartbeats that close a session (dubbo-go's limit). */
const MAX_HEARTBEAT_FAILURES = 3;
const kHeartbeatFailures = Symbol('heartbeatFailures');

export class ExchangeClient implements EventListener<DubboPackage> {
  readonly address: string;
  private readonly pending: PendingCalls<DubboResponse>;
  private readonly codec: DubboCodec;
  private transport: TransportClient | undefined;
  private connecting: Promise<void> | undefined;
  private cursor = 0;
  private closed = false;
  /** Calls waiting for a session to be opened; they count against maxPendingCalls like calls in flight. */
  private awaitingSession = 0;

  constructor(private readonly options: ExchangeClientOptions) {
    this.address = `${options.host}:${options.port}`;
    this.pending = new PendingCalls(options.wheel);
    this.codec = new DubboCodec({ maxFrameLen: options.maxFrameLen });
  }

  /** Calls waiting for a response (heartbeats included). */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Resolves once no call (heartbeats included) waits for a response; see PendingCalls.whenIdle. */
  whenIdle(): Promise<void> {
    return this.pending.whenIdle();
  }

  /** Late responses dropped because their call had ended. */
  get droppedResponses(): number {
    return this.pending.droppedResponses;
  }

  /** True while at least one session is open (or none was tried yet). */
  get available(): boolean {
    return !this.closed && (this.transport === undefined || this.transport.sessions.length > 0);
  }

  /**
   * Sends a two-way request; resolves with `map(response)` (rejects with what
   * it throws), mapped as the response is taken from the pending table: no
   * `then` of the caller's own. Not `async`: with a session open, the pending
   * table's promise is returned as is (docs/performance.md). `map` runs
   * outside the caller's async context.
   */
  call<T>(request: DubboRequest, timeoutMs: number, signal: AbortSignal | undefined, map: ResponseMapper<DubboResponse, T>): Promise<T> {
    if (this.pending.size + this.awaitingSession >= this.options.maxPendingCalls) return this.overLimit();
    const session = this.pickSession();
    if (session) return this.callOn(session, request, timeoutMs, signal, map);
    return this.whenConnected((connected) => this.callOn(connected, request, timeoutMs, signal, map));
  }

  /** Sends a one-way request; resolves once it is handed to the socket. */
  async send(request: DubboRequest): Promise<void> {
    const session = this.pickSession() ?? (await this.reconnect());
    request.id = this.pending.nextId();
    request.twoWay = false;
    session.writePkg(request);
  }

  /** Closes every session and fails every pending call with CLIENT_CLOSED. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.pending.failAll(this.closedError());
    await this.transport?.close();
  }

  // ---- EventListener

  onMessage(session: Session<DubboPackage>, pkg: DubboPackage): void {
    if (pkg.kind === 'response') this.onResponse(pkg);
    else answerHeartbeat(pkg, session);
  }

  onCron(session: Session<DubboPackage>): void {
    if (Date.now() - session.lastActive > this.options.sessionTimeoutMs) {
      session.close(new RpcError(ErrorCode.NETWORK, `session to ${this.address} idle for over ${this.options.sessionTimeoutMs} ms`));
      return;
    }
    this.sendHeartbeat(session);
  }

  onClose(session: Session<DubboPackage>): void {
    this.pending.failOwner(session, new RpcError(ErrorCode.NETWORK, `connection to ${this.address} closed`));
    if (!this.closed) this.options.logger?.info({ address: this.address }, `connection to provider ${this.address} closed`);
    if (channels.sessionClose.hasSubscribers) {
      const { remoteAddress, localAddress, closeReason: reason } = session;
      channels.sessionClose.publish({ side: 'consumer', remoteAddress, localAddress, reason });
    }
  }

  // ---- internals

  private closedError(): RpcError {
    return new RpcError(ErrorCode.CLIENT_CLOSED, `client to ${this.address} closed`);
  }

  private overLimit(): Promise<never> {
    const inFlight = this.pending.size + this.awaitingSession;
    return Promise.reject(new RpcError(ErrorCode.LIMIT_EXCEEDED, `${inFlight} calls already in flight to ${this.address}`));
  }

  /** Sends once a session is open; until then the call is counted in `awaitingSession`. */
  private whenConnected<T>(send: (session: Session) => Promise<T>): Promise<T> {
    this.awaitingSession++;
    return this.reconnect().then(
      (session) => {
        this.awaitingSession--;
        return send(session);
      },
      (err: unknown) => {
        this.awaitingSession--;
        throw err;
      },
    );
  }

  private onResponse(response: DubboResponse): void {
    const id = Number(response.id);
    if (response.error) this.pending.fail(id, response.error);
    else this.pending.settle(id, response);
  }

  private sendHeartbeat(session: Session<DubboPackage>): void {
    const heartbeat = createHeartbeatRequest(this.pending.nextId());
    const answered = this.pending.add(Number(heartbeat.id), session, this.options.heartbeatTimeoutMs);
    answered.then(
      () => session.setAttribute(kHeartbeatFailures, 0),
      () => this.onHeartbeatFailed(session),
    );
    this.write(session, heartbeat);
  }

  private onHeartbeatFailed(session: Session<DubboPackage>): void {
    const failures = (session.getAttribute<number>(kHeartbeatFailures) ?? 0) + 1;
    session.setAttribute(kHeartbeatFailures, failures);
    if (failures >= MAX_HEARTBEAT_FAILURES) {
      session.close(new RpcError(ErrorCode.NETWORK, `${failures} heartbeats to ${this.address} unanswered`));
    }
  }

  private callOn<T>(
    session: Session,
    request: DubboRequest,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    map: ResponseMapper<DubboResponse, T>,
  ): Promise<T> {
    // Aborted while its session was being opened: fail it without sending.
    if (signal?.aborted) return Promise.reject(cancelledError(signal));
    request.id = this.pending.nextId();
    const result = this.pending.addMapped(request.id, session, timeoutMs, signal, map);
    this.write(session, request);
    return result;
  }

  /** Writes, turning a write failure into the failure of that request. */
  private write(session: Session, request: DubboRequest): void {
    try {
      session.writePkg(request);
    } catch (err) {
      this.pending.fail(Number(request.id), notSent(RpcError.from(err, ErrorCode.NETWORK)));
    }
  }

  /** Round-robin over the open sessions. */
  private pickSession(): Session | undefined {
    const sessions = this.transport?.sessions;
    if (!sessions || sessions.length === 0) return undefined;
    this.cursor = (this.cursor + 1) % sessions.length;
    return sessions[this.cursor];
  }

  /** Builds a transport client when there is none (or it has no session left) and waits for it. */
  private async reconnect(): Promise<Session> {
    if (this.closed) throw notSent(this.closedError());
    this.connecting ??= this.connect().finally(() => (this.connecting = undefined));
    await this.connecting;
    // close() ran while the session was being opened: the call fails as every pending call did.
    if (this.closed) throw notSent(this.closedError());
    const session = this.pickSession();
    if (!session) throw notSent(new RpcError(ErrorCode.NETWORK, `cannot connect to ${this.address}`));
    return session;
  }

  private async connect(): Promise<void> {
    const previous = this.transport;
    this.transport = this.createTransport();
    await previous?.close();
    // close() closed the new transport before it started: reconnect() fails the call with CLIENT_CLOSED.
    if (this.closed) return;
    await this.transport.runEventLoop((session) => this.configure(session as Session<DubboPackage>));
  }

  private configure(session: Session<DubboPackage>): void {
    session
      .setName('rpc-client')
      .setPkgHandler(this.codec)
      .setEventListener(this)
      .setMaxMsgLen(this.options.maxFrameLen)
      .setCronPeriod(this.options.heartbeatPeriodMs);
    if (channels.sessionOpen.hasSubscribers) {
      channels.sessionOpen.publish({ side: 'consumer', remoteAddress: session.remoteAddress, localAddress: session.localAddress });
    }
  }

  private createTransport(): TransportClient {
    return createTransportClient({ ...this.options });
  }
}
