/**
 * Waiting on conditions in registry tests. Registry changes arrive through
 * listeners, so tests wait for the listener to report the expected list;
 * a bounded deadline turns "never happened" into a failure, not a hang.
 */
import type { ServiceUrl } from '../../../registry/service-url.js';

/** Records every list a subscription delivered, and lets a test wait for one that matches. */
export class ListRecorder {
  readonly lists: (readonly ServiceUrl[])[] = [];
  private waiters: { test: (list: readonly ServiceUrl[]) => boolean; resolve: () => void }[] = [];

  readonly listener = (list: readonly ServiceUrl[]): void => {
    this.lists.push(list);
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.test(list)) return true;
      waiter.resolve();
      return false;
    });
  };

  get last(): readonly ServiceUrl[] | undefined {
    return this.lists.at(-1);
  }

  /** Resolves once the latest list passes `test` (now or later); rejects after `timeoutMs`. */
  until(test: (list: readonly ServiceUrl[]) => boolean, timeoutMs: number, what: string): Promise<void> {
    const last = this.last;
    if (last && test(last)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last list: ${describe(this.last)}`)), timeoutMs);
      this.waiters.push({
        test,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  /** Waits until the list holds exactly these ports. */
  untilPorts(ports: number[], timeoutMs: number): Promise<void> {
    const want = [...ports].sort((a, b) => a - b).join(',');
    return this.until((list) => portsOf(list) === want, timeoutMs, `ports [${want}]`);
  }
}

export function portsOf(list: readonly ServiceUrl[] | undefined): string {
  return (list ?? []).map((url) => url.port).sort((a, b) => a - b).join(',');
}

function describe(list: readonly ServiceUrl[] | undefined): string {
  return list ? `[${list.map((url) => url.address).join(', ')}]` : 'none';
}

/** Polls `check` until it returns true; for states no event reports (a key expiring on the server). */
export async function pollUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
