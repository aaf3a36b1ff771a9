/**
 * Streams `total` calls with at most `inFlight` outstanding, the way a busy
 * consumer does, and tallies who answered. A failed call is counted, not
 * thrown, so a demo can report "every call succeeded" honestly.
 */
export interface StreamResult {
  /** Replies per provider name. */
  readonly answeredBy: Map<string, number>;
  readonly failed: number;
  /** The first failure, for the report. */
  readonly firstError?: unknown;
  readonly elapsedMs: number;
}

export interface StreamOptions {
  total: number;
  inFlight: number;
  /** One call; resolves with the name of the provider that answered. */
  call: (index: number) => Promise<string>;
  /** Sees every reply as it arrives (count so far, provider). */
  onReply?: (replies: number, provider: string) => void;
}

export async function streamCalls(options: StreamOptions): Promise<StreamResult> {
  const answeredBy = new Map<string, number>();
  let next = 0;
  let replies = 0;
  let failed = 0;
  let firstError: unknown;
  const worker = async (): Promise<void> => {
    while (next < options.total) {
      const index = next++;
      try {
        const provider = await options.call(index);
        answeredBy.set(provider, (answeredBy.get(provider) ?? 0) + 1);
        options.onReply?.(++replies, provider);
      } catch (err) {
        failed++;
        firstError ??= err;
      }
    }
  };
  const began = performance.now();
  await Promise.all(Array.from({ length: Math.min(options.inFlight, options.total) }, worker));
  return { answeredBy, failed, firstError, elapsedMs: performance.now() - began };
}

/** `provider-1: 50, provider-2: 50`, in name order. */
export function formatCounts(answeredBy: ReadonlyMap<string, number>): string {
  return [...answeredBy].sort(([a], [b]) => a.localeCompare(b)).map(([name, count]) => `${name}: ${count}`).join(', ');
}
