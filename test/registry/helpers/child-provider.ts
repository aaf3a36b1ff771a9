/**
 * Forks fixtures/provider-process.js: a provider registered from another
 * process, which a test can SIGKILL. `kill()` waits for the exit.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ChildProvider {
  readonly pid: number;
  /** SIGKILL, resolved once the process is gone. */
  kill(): Promise<void>;
  /** Asks for a clean close (unregister), resolved once the process exited. */
  close(): Promise<void>;
}

const FIXTURE = fileURLToPath(new URL('../fixtures/provider-process.js', import.meta.url));

export async function startChildProvider(registryUrl: string, port: number, interfaceName: string): Promise<ChildProvider> {
  const child = fork(FIXTURE, [registryUrl, String(port), interfaceName], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await registered(child);
  return {
    pid: child.pid!,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async close() {
      if (child.connected) child.send('close');
      await exited;
    },
  };
}

function registered(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('message', (message: { registered?: string; error?: string }) => {
      if (message.registered) resolve();
      else reject(new Error(`provider process failed: ${message.error}`));
    });
    child.once('exit', (code) => reject(new Error(`provider process exited early (${code})`)));
  });
}
