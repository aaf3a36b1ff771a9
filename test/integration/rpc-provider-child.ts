/**
 * Forks fixtures/rpc-provider-process.js and waits until it is registered.
 * `kill()` (SIGKILL) and `stop()` (graceful) resolve once the process exited.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('./fixtures/rpc-provider-process.js', import.meta.url));

export interface RpcProviderChild {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  /** Fork to registered, ms. */
  readonly startMs: number;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRpcProvider(registryUrls: string | string[], name: string): Promise<RpcProviderChild> {
  const began = performance.now();
  const urls = typeof registryUrls === 'string' ? registryUrls : registryUrls.join(',');
  const child = fork(FIXTURE, [urls, name], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await readyPort(child).catch(async (err: unknown) => {
    child.kill('SIGKILL');
    await exited;
    throw err;
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    name,
    pid: child.pid!,
    port,
    startMs: performance.now() - began,
    async kill() {
      if (running()) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (running() && child.connected) child.send('stop');
      await exited;
    },
  };
}

function readyPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once('message', (message: { ready?: number; error?: string }) => {
      if (message.ready) resolve(message.ready);
      else reject(new Error(`provider failed: ${message.error}`));
    });
    child.once('exit', (code, signal) => reject(new Error(`provider exited before registering (${code ?? signal})`)));
  });
}
