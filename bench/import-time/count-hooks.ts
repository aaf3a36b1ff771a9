/**
 * Module hooks for `bench/import-time`: posts the URL and format of every
 * module the ESM loader loads to the port given at registration, so the parent
 * can count them. Used only by the counting run, never by the timed runs
 * (hooks slow loading down). https://nodejs.org/api/module.html#customization-hooks
 */
import type { MessagePort } from 'node:worker_threads';

let port: MessagePort | undefined;

export function initialize(data: { port: MessagePort }): void {
  port = data.port;
}

interface LoadResult {
  format?: string | null | undefined;
}

export async function load(url: string, context: object, nextLoad: (url: string, context: object) => Promise<LoadResult>): Promise<LoadResult> {
  const result = await nextLoad(url, context);
  if (!url.startsWith('node:')) port?.postMessage({ url, format: result.format ?? 'unknown' });
  return result;
}
