/**
 * Runs a compiled example (dist/examples/<name>/main.js) as its own process
 * and checks what it leaves behind: the provider processes it names in its
 * output ("(pid N)") must be gone once it exited.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ExampleRun {
  code: number | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

const exampleFile = (name: string) => fileURLToPath(new URL(`../../examples/${name}/main.js`, import.meta.url));

/** Resolves when the example exited (killed after `timeoutMs`). */
export function runExample(name: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000): Promise<ExampleRun> {
  const began = performance.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [exampleFile(name)], { timeout: timeoutMs, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? null) : 0;
      resolve({ code, stdout, stderr, elapsedMs: performance.now() - began });
    });
  });
}

/** The pids an example printed as "(pid N)". */
export function printedPids(stdout: string): number[] {
  return [...stdout.matchAll(/\(pid (\d+)\)/g)].map((match) => Number(match[1]));
}

/** True while a process with this pid exists. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
