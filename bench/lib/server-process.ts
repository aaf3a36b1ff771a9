/** One system's echo server, running in its own child process. */
import { ChildHandle } from './child-process-handle.js';
import type { ServerReady, ServerUsage } from './ipc-messages.js';

const READY_TIMEOUT_MS = 20_000;
const USAGE_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 5_000;

export class ServerProcess {
  private nextRequestId = 1;

  private constructor(
    private readonly handle: ChildHandle,
    readonly port: number,
  ) {}

  /** Forks the server child for `systemId` and resolves once it listens. */
  static async start(systemId: string, options: { execArgv?: string[]; heartbeatMs?: number } = {}): Promise<ServerProcess> {
    const args = options.heartbeatMs === undefined ? [systemId] : [systemId, String(options.heartbeatMs)];
    const handle = new ChildHandle('server-main.js', args, options.execArgv);
    try {
      const ready = await handle.nextMessage(isReady, READY_TIMEOUT_MS);
      return new ServerProcess(handle, ready.port);
    } catch (err) {
      await handle.end(0);
      throw err;
    }
  }

  get pid(): number {
    return this.handle.pid;
  }

  /** Samples the server's CPU time and memory, stamped with its own clock (after a full GC when `gc`). */
  usage(gc = false): Promise<ServerUsage> {
    const requestId = this.nextRequestId++;
    const reply = this.handle.nextMessage(
      (msg): msg is ServerUsage => isUsage(msg) && msg.requestId === requestId,
      USAGE_TIMEOUT_MS,
    );
    this.handle.child.send({ type: 'usage', requestId, gc });
    return reply;
  }

  /**
   * Asks the server to close, then kills it by pid if it has not exited
   * within `graceMs` (default 5 s; closing 100 000 sessions takes longer). Idempotent.
   */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    if (!this.handle.hasExited && this.handle.child.connected) this.handle.child.send({ type: 'stop' });
    await this.handle.end(graceMs);
  }
}

function isReady(msg: unknown): msg is ServerReady {
  return (msg as ServerReady | undefined)?.type === 'ready';
}

function isUsage(msg: unknown): msg is ServerUsage {
  return (msg as ServerUsage | undefined)?.type === 'usage';
}
