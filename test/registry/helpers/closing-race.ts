/**
 * Runs fixtures/closing-race-process.js against a registry URL: how each call
 * in flight when close() ran ended, and whether the process then exited by
 * itself (within `timeoutMs`; it is killed otherwise).
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('../fixtures/closing-race-process.js', import.meta.url));

export interface ClosingRace {
  /** call name → `resolved` or `<code>: <message>`; `heardAfterClose`: `true` when a listener was called after close() resolved; `outagesReported`: warnings logged. */
  readonly outcomes: Record<string, string>;
  readonly exitedByItself: boolean;
}

export async function closeWhileCalling(registryUrl: string, interfaceName: string, timeoutMs: number): Promise<ClosingRace> {
  const child = fork(FIXTURE, [registryUrl, interfaceName], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<boolean>((resolve) => child.once('exit', () => resolve(true)));
  const reported = new Promise<Record<string, string>>((resolve) => child.once('message', (message: Record<string, string>) => resolve(message)));
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    const exitedByItself = await Promise.race([exited, late]);
    const outcomes = await Promise.race([reported, late.then(() => ({ error: 'no report' }))]);
    return { outcomes, exitedByItself };
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/** The report of a registry that failed every call in flight as closed, naming it, told no listener anything after close(), and reported no outage. */
export function allClosed(calls: string[]): Record<string, string> {
  const outcomes: Record<string, string> = { heardAfterClose: 'false', outagesReported: '0' };
  for (const call of calls) outcomes[call] = `REGISTRY_CLOSED: ${call}: registry closed`;
  return outcomes;
}

/** How `pending` ended (`resolved`, or its error), or `still pending` after `timeoutMs`. */
export async function outcomeWithin(pending: Promise<unknown>, timeoutMs: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise((resolve) => {
    timer = setTimeout(resolve, timeoutMs, 'still pending');
  });
  try {
    return await Promise.race([pending.then(() => 'resolved', (err: unknown) => err), late]);
  } finally {
    clearTimeout(timer);
  }
}
