/**
 * `ShutdownTracker`: counts the calls in flight on one side (provider or
 * consumer) and, once closing, refuses new ones — the accounting half of
 * dubbo-go's graceful shutdown (dubbo-go `graceful_shutdown/shutdown.go`). `drain(graceMs)` resolves
 * when the count reaches zero (an event, not a poll) or the grace time ends.
 */
import { ErrorCode, RpcError } from '../common/rpc-error.js';

export class ShutdownTracker {
  private inFlight = 0;
  private isClosing = false;
  private readonly waiters: Array<() => void> = [];
  private readonly refusalCode: ErrorCode;

  /** `refusalCode`: what new calls get once closing (SERVER_SHUTTING_DOWN or CLIENT_CLOSED). */
  constructor(refusalCode: ErrorCode = ErrorCode.SERVER_SHUTTING_DOWN) {
    this.refusalCode = refusalCode;
  }

  get active(): number {
    return this.inFlight;
  }

  get closing(): boolean {
    return this.isClosing;
  }

  /** Counts a call in; throws the refusal code when closing. */
  enter(): void {
    if (this.isClosing) throw new RpcError(this.refusalCode, 'shutting down: new calls are refused');
    this.inFlight++;
  }

  /** Counts a call out. */
  leave(): void {
    this.inFlight--;
    if (this.inFlight === 0) for (const wake of this.waiters.splice(0)) wake();
  }

  /** Refuses new calls from now on. Idempotent. */
  startClosing(): void {
    this.isClosing = true;
  }

  /** Resolves true when no call is in flight, false when `graceMs` ran out first. */
  drain(graceMs: number): Promise<boolean> {
    this.startClosing();
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), Math.max(0, graceMs));
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
