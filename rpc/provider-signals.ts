/**
 * `ProviderSignals`: the AbortSignals of one server's calls in flight, made
 * only for calls whose method reads `RpcContext.current().signal` (a call
 * that never reads it costs nothing here). Each one aborts, with an RpcError
 * as its reason, when
 * - the caller's deadline passes (the Dubbo `timeout` attachment): TIMEOUT,
 *   from one TimerWheel entry, no Node timer per call;
 * - the caller's connection closes: NETWORK;
 * - a graceful stop's grace ends with the call still running: SERVER_SHUTTING_DOWN.
 * Java Dubbo has no such signal (a provider thread runs on after the consumer
 * gave up); gRPC's server-side cancellation is the model
 * (https://grpc.io/docs/guides/cancellation/).
 */
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import type { Session } from '../transport/session.js';
import type { TimerHandle, TimerWheel } from '../transport/timer-wheel.js';

/** One call's controller, with what must be undone when the call ends. */
export class CallSignal {
  readonly controller = new AbortController();
  timer: TimerHandle | undefined;

  constructor(readonly session: Session) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }
}

export class ProviderSignals {
  private readonly bySession = new Map<Session, Set<CallSignal>>();

  constructor(private readonly wheel: TimerWheel) {}

  /** Calls with a live signal (for tests and metrics). */
  get size(): number {
    let count = 0;
    for (const calls of this.bySession.values()) count += calls.size;
    return count;
  }

  /** A signal for a call on `session` that aborts after `remainingMs` (undefined: no deadline). */
  open(session: Session, remainingMs: number | undefined): CallSignal {
    const call = new CallSignal(session);
    if (session.closed) {
      call.controller.abort(connectionClosed());
      return call;
    }
    let calls = this.bySession.get(session);
    if (!calls) this.bySession.set(session, (calls = new Set()));
    calls.add(call);
    if (remainingMs !== undefined) {
      call.timer = this.wheel.schedule(Math.max(0, remainingMs), () => this.abort(call, deadlinePassed(remainingMs)));
    }
    return call;
  }

  /** The call ended: forget it (its signal stays as it is). */
  close(call: CallSignal): void {
    call.timer?.cancel();
    const calls = this.bySession.get(call.session);
    if (calls?.delete(call) && calls.size === 0) this.bySession.delete(call.session);
  }

  /** The session closed: abort its calls. */
  abortSession(session: Session): void {
    const calls = this.bySession.get(session);
    if (!calls) return;
    this.bySession.delete(session);
    for (const call of calls) this.abort(call, connectionClosed());
  }

  /** The grace of a stop ended: abort every call still running. */
  abortAll(reason: RpcError): void {
    for (const session of [...this.bySession.keys()]) {
      const calls = this.bySession.get(session)!;
      this.bySession.delete(session);
      for (const call of calls) this.abort(call, reason);
    }
  }

  private abort(call: CallSignal, reason: RpcError): void {
    this.close(call);
    call.controller.abort(reason);
  }
}

function deadlinePassed(timeoutMs: number): RpcError {
  return new RpcError(ErrorCode.TIMEOUT, `the caller's ${Math.round(timeoutMs)} ms deadline passed`);
}

function connectionClosed(): RpcError {
  return new RpcError(ErrorCode.NETWORK, "the caller's connection closed");
}
