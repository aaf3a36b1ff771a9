/**
 * The calls of a BrowserRpcClient that wait for a response, by request id.
 * Timeouts come from ONE interval sweep that runs only while calls are
 * pending (common brief: no timer per call; and no timer left behind, so a
 * Node process using the client can exit).
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import type { DubboResponse } from '../protocol/dubbo-package.js';

interface PendingCall {
  readonly deadline: number;
  readonly what: string;
  resolve(response: DubboResponse): void;
  reject(err: RpcError): void;
}

export class BrowserPendingCalls {
  private readonly calls = new Map<number, PendingCall>();
  private sweeper: ReturnType<typeof setInterval> | undefined;

  /** @param sweepMs how often timeouts are checked, in ms: a call times out up to this late. */
  constructor(private readonly sweepMs: number) {}

  get size(): number {
    return this.calls.size;
  }

  /** A promise of the response to request `id`, rejected with TIMEOUT after `timeoutMs`. */
  add(id: number, timeoutMs: number, what: string): Promise<DubboResponse> {
    return new Promise((resolve, reject) => {
      this.calls.set(id, { deadline: Date.now() + timeoutMs, what, resolve, reject });
      this.startSweeper();
    });
  }

  /** Settles the call `response` answers; false when none waits (late or unknown id). */
  complete(response: DubboResponse): boolean {
    const call = this.take(Number(response.id));
    call?.resolve(response);
    return call !== undefined;
  }

  /** Rejects the call `id` (its request could not be sent). */
  fail(id: number, err: RpcError): void {
    this.take(id)?.reject(err);
  }

  /** Rejects every pending call with `err` (the socket closed). */
  failAll(err: RpcError): void {
    const calls = [...this.calls.values()];
    this.calls.clear();
    this.stopSweeper();
    for (const call of calls) call.reject(err);
  }

  private take(id: number): PendingCall | undefined {
    const call = this.calls.get(id);
    if (call === undefined) return undefined;
    this.calls.delete(id);
    if (this.calls.size === 0) this.stopSweeper();
    return call;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, call] of this.calls) {
      if (call.deadline > now) continue;
      this.take(id);
      call.reject(new RpcError(ErrorCode.TIMEOUT, `${call.what} timed out`));
    }
  }

  private startSweeper(): void {
    this.sweeper ??= setInterval(() => this.sweep(), this.sweepMs);
  }

  private stopSweeper(): void {
    if (this.sweeper === undefined) return;
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}
