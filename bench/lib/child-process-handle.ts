/**
 * Forks a bench child and guarantees it ends: `end()` asks politely, waits a
 * bounded time, then kills it by pid. Every child the runner starts goes
 * through here, and `endAllChildren()` is the runner's last word on exit.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const live = new Set<ChildHandle>();
/** Node flags added to every child (e.g. --cpu-prof for `--profile-dir`). */
let extraExecArgv: string[] = [];

/** Makes every child forked from now on run with these extra Node flags. */
export function setChildExecArgv(flags: string[]): void {
  extraExecArgv = [...flags];
}

export class ChildHandle {
  readonly child: ChildProcess;
  private readonly exited: Promise<void>;

  constructor(script: string, args: string[], execArgv: string[] = []) {
    const path = fileURLToPath(new URL(`../children/${script}`, import.meta.url));
    this.child = fork(path, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [...execArgv, ...extraExecArgv] });
    this.exited = once(this.child, 'exit').then(() => undefined);
    live.add(this);
    void this.exited.then(() => live.delete(this));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get hasExited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Resolves with the first message matching `accept`, or rejects after `timeoutMs` or on exit. */
  nextMessage<T>(accept: (msg: unknown) => msg is T, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`child ${this.pid}: no message within ${timeoutMs} ms`)), timeoutMs);
      const onMessage = (msg: unknown): void => {
        if (accept(msg)) finish(undefined, msg);
      };
      const onExit = (): void => finish(new Error(`child ${this.pid} exited before replying`));
      const finish = (err?: Error, msg?: T): void => {
        clearTimeout(timer);
        this.child.off('message', onMessage).off('exit', onExit);
        if (err) reject(err);
        else resolve(msg as T);
      };
      this.child.on('message', onMessage).once('exit', onExit);
    });
  }

  /** Waits up to `graceMs` for the child to exit by itself, then kills it by pid. */
  async end(graceMs: number): Promise<void> {
    if (this.hasExited) return;
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  kill(): void {
    if (!this.hasExited && this.child.pid !== undefined) process.kill(this.child.pid, 'SIGKILL');
  }
}

/** Kills (by pid) every child still running; for the runner's exit path. */
export function endAllChildren(): void {
  for (const handle of live) handle.kill();
}
