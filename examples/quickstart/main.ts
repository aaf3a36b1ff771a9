/**
 * Quickstart: registry-based deployment on the embedded file registry (no
 * server to install). Two providers run as child processes and register in a
 * throwaway folder; a consumer finds them there, balances calls over both,
 * and fails over when one of them is SIGKILLed. Exits 0 when every call
 * succeeded, and leaves no process or file behind.
 *
 *   npm start          (= npm run build && node dist/examples/quickstart/main.js)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDemo } from './demo.js';

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'getty-rpc-quickstart-'));
  try {
    // pollMs: how soon a crashed provider's entry is noticed (default 1000).
    const summary = await runDemo({ registryUrl: `file://${dir}?pollMs=500` });
    console.log(summary.failed === 0 ? '\nall calls succeeded' : `\n${summary.failed} calls failed`);
    if (summary.failed > 0) process.exitCode = 1;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
