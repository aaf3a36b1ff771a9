/**
 * Runs an async task so that calls arriving while it runs are folded into
 * one more run: a burst of watch events costs at most two registry reads,
 * and the last read always starts after the last event.
 */
export class CoalescedTask {
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly task: () => Promise<void>,
    private readonly active: () => boolean,
  ) {}

  run(): Promise<void> {
    if (!this.active()) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.loop().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Asks for one more run after the current one (used by the task itself). */
  repeat(): void {
    this.again = true;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      await this.task();
    } while (this.again && this.active());
  }
}
