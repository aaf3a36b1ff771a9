/**
 * `waitAtMost`: waits for `work`, but no longer than `ms` — for the closing
 * steps of stop() and close(), which must end within their grace whatever a
 * peer does (a TLS client that never finishes its handshake keeps Node's
 * server.close() waiting for its socket). The work goes on in the background;
 * its failure is ignored (the caller is closing anyway).
 */
export async function waitAtMost(work: Promise<unknown> | undefined, ms: number): Promise<boolean> {
  if (work === undefined) return true;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, ms), false);
    timer.unref();
  });
  try {
    return await Promise.race([work.then(
      () => true,
      () => true,
    ), late]);
  } finally {
    clearTimeout(timer);
  }
}
