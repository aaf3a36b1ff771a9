/**
 * The client side of getty (dubbo-getty `client.go`, its reConnect): keeps `connectionNumber`
 * sessions to one server and refills lost ones lazily. One reconnect worker
 * runs at a time; it backs off `min(failures, 10) × reconnectIntervalMs`
 * plus up to 20 % jitter and gives up after `maxReconnectAttempts`
 * consecutive failed passes (apache/dubbo-getty PRs #117, #126, #140).
 * A slot whose peer closed cleanly (FIN) is not redialled unless
 * `reconnectOnPeerClose` is set (PR #117); `close()` cancels everything.
 */
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import type { BaseSession, SessionOwner } from './base-session.js';
import { checkCallback, checkInteger, type EndpointCommonOptions, type NewSessionCallback } from './endpoint-options.js';
import type { Session } from './session-contract.js';
import type { TaskPool } from './task-pool.js';
import { defaultTimerWheel, type TimerHandle, type TimerWheel } from './timer-wheel.js';

export interface ClientEndpointOptions extends EndpointCommonOptions {
  /** Sessions to keep open. Default 1. */
  connectionNumber?: number;
  /** Base reconnect backoff in milliseconds. Default 300 (getty). */
  reconnectIntervalMs?: number;
  /** Consecutive failed connect passes before the client stops redialling. Default 50. */
  maxReconnectAttempts?: number;
  /** Redial a slot whose peer closed cleanly. Default false (getty PR #117). */
  reconnectOnPeerClose?: boolean;
  /** Called for every failed dial (for logs); the client keeps going. */
  onConnectError?: (err: RpcError) => void;
  /** Called once when the client stops redialling after maxReconnectAttempts failures. */
  onReconnectGiveUp?: (err: RpcError) => void;
}

export abstract class ClientEndpoint<P = unknown> implements SessionOwner {
  readonly taskPool: TaskPool | null;
  readonly wheel: TimerWheel;
  readonly connectionNumber: number;
  readonly reconnectIntervalMs: number;
  readonly maxReconnectAttempts: number;
  private readonly reconnectOnPeerClose: boolean;
  private readonly onConnectError: ((err: RpcError) => void) | undefined;
  private readonly onReconnectGiveUp: ((err: RpcError) => void) | undefined;
  private readonly live = new Set<BaseSession<unknown>>();
  private newSession: NewSessionCallback<P> | null = null;
  private wanted: number;
  private failures = 0;
  private worker: Promise<void> | null = null;
  private backoffTimer: TimerHandle | null = null;
  private wakeBackoff: (() => void) | null = null;
  private isClosed = false;
  private lastError: RpcError | null = null;
  /** True once the client stopped redialling after too many failures. */
  gaveUp = false;

  constructor(options: ClientEndpointOptions) {
    this.connectionNumber = checkInteger(options.connectionNumber, 1, 1, 'connectionNumber');
    this.reconnectIntervalMs = checkInteger(options.reconnectIntervalMs, 300, 0, 'reconnectIntervalMs');
    this.maxReconnectAttempts = checkInteger(options.maxReconnectAttempts, 50, 1, 'maxReconnectAttempts');
    this.reconnectOnPeerClose = options.reconnectOnPeerClose ?? false;
    this.onConnectError = options.onConnectError;
    this.onReconnectGiveUp = options.onReconnectGiveUp;
    this.taskPool = options.taskPool ?? null;
    this.wheel = options.wheel ?? defaultTimerWheel();
    this.wanted = this.connectionNumber;
  }

  /** Opens one connected, not yet started session; rejects with an RpcError. */
  protected abstract dial(): Promise<BaseSession<P>>;

  /** Cancels dials in flight (close()). */
  protected abstract abortDials(): void;

  /** Open sessions. */
  get sessions(): Session<P>[] {
    return [...this.live] as Session<P>[];
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** True while the reconnect worker runs (backing off or dialling). */
  get reconnecting(): boolean {
    return this.worker !== null;
  }

  /** Dials the missing sessions once; resolves after that first pass, then refills in the background. */
  async runEventLoop(newSession: NewSessionCallback<P>): Promise<void> {
    checkCallback(newSession, 'newSession');
    if (this.isClosed) throw new RpcError(ErrorCode.ENDPOINT_CLOSED, 'client is closed');
    if (this.newSession !== null) throw new RpcError(ErrorCode.INVALID_ARGUMENT, 'runEventLoop called twice');
    this.newSession = newSession;
    await this.connectPass();
    if (this.missing() > 0) this.kickReconnect();
  }

  sessionClosed(session: BaseSession<unknown>, peerClosedCleanly: boolean): void {
    if (!this.live.delete(session) || this.isClosed) return;
    if (peerClosedCleanly && !this.reconnectOnPeerClose) this.wanted--;
    else this.kickReconnect();
  }

  /** Closes every session and cancels pending reconnects. Idempotent. */
  async close(): Promise<void> {
    if (!this.isClosed) {
      this.isClosed = true;
      this.backoffTimer?.cancel();
      this.wakeBackoff?.();
      this.abortDials();
      for (const session of [...this.live]) session.close();
    }
    await this.worker;
  }

  private missing(): number {
    return this.wanted - this.live.size;
  }

  private kickReconnect(): void {
    if (this.worker !== null || this.isClosed) return;
    this.gaveUp = false;
    this.worker = this.reconnectLoop().finally(() => {
      this.worker = null;
    });
  }

  private async reconnectLoop(): Promise<void> {
    while (!this.isClosed && this.missing() > 0) {
      if (this.failures >= this.maxReconnectAttempts) return this.giveUp();
      await this.backoff();
      if (this.isClosed) return;
      await this.connectPass();
    }
  }

  private giveUp(): void {
    this.gaveUp = true;
    const err = new RpcError(
      ErrorCode.CONNECT_FAILED,
      `gave up after ${this.failures} consecutive failed connect attempts`,
      { cause: this.lastError ?? undefined },
    );
    this.onReconnectGiveUp?.(err);
  }

  /** Dials every missing slot in parallel; a pass with no success counts as one failure. */
  private async connectPass(): Promise<void> {
    const results = await Promise.all(Array.from({ length: this.missing() }, () => this.connectOne()));
    if (results.includes(true)) this.failures = 0;
    else if (results.length > 0) this.failures++;
  }

  private async connectOne(): Promise<boolean> {
    let session: BaseSession<P>;
    try {
      session = await this.dial();
    } catch (err) {
      this.noteFailure(RpcError.from(err, ErrorCode.CONNECT_FAILED));
      return false;
    }
    return this.startSession(session);
  }

  private startSession(session: BaseSession<P>): boolean {
    if (this.isClosed || this.missing() <= 0) {
      session.close();
      return !this.isClosed;
    }
    const refusal = session.open(this, this.newSession!);
    if (refusal !== null) {
      this.noteFailure(refusal);
      return false;
    }
    this.live.add(session as BaseSession<unknown>);
    return true;
  }

  private noteFailure(err: RpcError): void {
    this.lastError = err;
    this.onConnectError?.(err);
  }

  /** Waits min(failures, 10) × interval plus jitter on the shared wheel; close() cuts it short. */
  private backoff(): Promise<void> {
    const base = Math.min(Math.max(this.failures, 1), 10) * this.reconnectIntervalMs;
    const delayMs = base + Math.random() * base * 0.2;
    return new Promise<void>((resolve) => {
      this.wakeBackoff = resolve;
      this.backoffTimer = this.wheel.schedule(delayMs, resolve);
    }).then(() => {
      this.wakeBackoff = null;
      this.backoffTimer = null;
    });
  }
}
