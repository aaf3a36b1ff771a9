/**
 * The parent's side of a provider process (provider-process.ts): fork it,
 * wait until it is registered, then stop it gracefully or SIGKILL it. Both
 * resolve once the process has exited, so nothing outlives the demo.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const PROVIDER_SCRIPT = fileURLToPath(new URL('./provider-process.js', import.meta.url));

/** How long a provider may take to start and register, ms (a cold start of node plus the registry). */
const START_TIMEOUT_MS = 30_000;

export class ProviderHandle {
  private readonly exited: Promise<void>;
  /** performance.now() of kill(), if it was killed. */
  killedAt: number | undefined;

  private constructor(
    readonly name: string,
    readonly port: number,
    /** From fork to registered, ms. */
    readonly startMs: number,
    private readonly child: ChildProcess,
  ) {
    this.exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
  }

  static async start(registryUrl: string, name: string): Promise<ProviderHandle> {
    const began = performance.now();
    const child = fork(PROVIDER_SCRIPT, [registryUrl, name], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    try {
      const port = await readyPort(child);
      return new ProviderHandle(name, port, performance.now() - began, child);
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    }
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** A graceful stop: the provider unregisters, finishes its calls and exits. */
  async stop(): Promise<void> {
    if (this.running && this.child.connected) this.child.send('stop');
    await this.exited;
  }

  /** A crash: SIGKILL, no unregistering. */
  async kill(): Promise<void> {
    if (this.running) {
      this.killedAt = performance.now();
      this.child.kill('SIGKILL');
    }
    await this.exited;
  }
}

function readyPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`provider did not register within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    child.once('message', (message: { ready?: number; error?: string }) => {
      clearTimeout(timer);
      if (message.ready) resolve(message.ready);
      else reject(new Error(`provider failed: ${message.error}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`provider exited before registering (${code ?? signal})`));
    });
  });
}
