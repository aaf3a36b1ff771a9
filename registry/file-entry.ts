/**
 * One provider entry of the file registry: a small JSON file written by the
 * registering process. The writer's pid and host name let readers on the same
 * machine drop entries of processes that died; the file's mtime, refreshed by
 * a live writer, lets any reader drop entries nobody keeps fresh (a reused
 * pid, or a writer on another machine sharing the folder).
 */
import { createHash } from 'node:crypto';
import { readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { decodeNodeName, queryEscape, rawUrlString, registrationKey } from './registry-path.js';
import type { ServiceUrl } from './service-url.js';

/** Entries larger than this are not ours; they are skipped unread. */
export const MAX_ENTRY_BYTES = 64 * 1024;

export interface EntryRecord {
  url: string;
  pid: number;
  host: string;
}

/**
 * `<pid>-<hash of the registration key>.json`: unique per process and
 * registration, stable across rebuilds of the URL (registrationKey), and short
 * enough for any file system.
 */
export function entryFileName(url: ServiceUrl, pid = process.pid): string {
  const digest = createHash('sha1').update(registrationKey(url)).digest('hex').slice(0, 20);
  return `${pid}-${digest}.json`;
}

/** Numbers temp files, so two writes of one entry in flight never share (and steal) a temp file. */
let tempSerial = 0;

/** Writes atomically (temp file + rename), so readers never see half an entry. */
export async function writeEntry(dir: string, name: string, url: ServiceUrl): Promise<void> {
  const record: EntryRecord = { url: queryEscape(rawUrlString(url)), pid: process.pid, host: hostname() };
  const temp = join(dir, `.${name}.${process.pid}.${++tempSerial}.tmp`);
  try {
    await writeFile(temp, JSON.stringify(record));
    await rename(temp, join(dir, name));
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

export type EntryState = { live: true; url: ServiceUrl } | { live: false; dead: boolean };

/**
 * Reads one entry: live with its URL, or not live (`dead` when its writer is
 * known to be gone, so the file may be removed). Junk files are not live.
 */
export async function readEntry(path: string, staleMs: number): Promise<EntryState> {
  try {
    const info = await stat(path);
    if (!info.isFile() || info.size > MAX_ENTRY_BYTES) return { live: false, dead: false };
    if (Date.now() - info.mtimeMs > staleMs) return { live: false, dead: true };
    const record = JSON.parse(await readFile(path, 'utf8')) as Partial<EntryRecord>;
    if (typeof record.url !== 'string' || !Number.isInteger(record.pid)) return { live: false, dead: false };
    if (record.host === hostname() && !(await processAlive(record.pid!))) return { live: false, dead: true };
    return { live: true, url: decodeNodeName(record.url) };
  } catch {
    return { live: false, dead: false };
  }
}

export async function removeEntry(path: string): Promise<void> {
  await unlink(path).catch(() => undefined);
}

/** Alive unless signal 0 says no such process, or /proc shows a zombie (an unreaped corpse is dead too). */
async function processAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const status = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const state = status.slice(status.lastIndexOf(')') + 2, status.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}
