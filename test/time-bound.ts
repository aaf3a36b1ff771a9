/**
 * The wall-clock bound a hostile-input test allows ("refused within 2 s while under attack").
 * (And, below, how many random cases a randomized test runs.)
 *
 * Such bounds catch quadratic or unbounded work, not small slow-downs. Mutation testing runs the
 * same tests against instrumented code, several times slower, and StrykerJS refuses to start when
 * a test fails on its first run; stryker.config.mjs therefore sets `TEST_TIME_SCALE` (30), which
 * widens every bound by that factor. Unset (the suite, CI), the bounds are the ones written.
 */
export function timeBoundMs(ms: number): number {
  return ms * timeScale();
}

function timeScale(): number {
  const raw = process.env.TEST_TIME_SCALE;
  if (raw === undefined || raw === '') return 1;
  const scale = Number(raw);
  if (!Number.isFinite(scale) || scale < 1) throw new Error(`TEST_TIME_SCALE must be a number >= 1, got ${raw}`);
  return scale;
}

/**
 * How many seeded random cases a randomized differential test runs: `full` in the suite, an
 * eighth of it (at least 25) under Stryker, where every mutant reruns the file against
 * instrumented code. The first cases of a seed are the same either way.
 */
export function randomCases(full: number): number {
  return timeScale() === 1 ? full : Math.max(25, Math.ceil(full / 8));
}
