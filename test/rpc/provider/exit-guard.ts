import { after } from 'node:test';

/**
 * A primary that took a worker's way out (process.exit(0) in stop) would end the test file with
 * code 0 before its failures are reported: call this at the top of a file so that a file which
 * stops before its after() hooks fails instead.
 */
export function failIfEndedEarly(): void {
  let finished = false;
  after(() => {
    finished = true;
  });
  process.on('exit', () => {
    if (!finished) process.exitCode = 1;
  });
}
