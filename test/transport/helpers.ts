/**
 * Small test helpers for the transport suite: promises that settle on
 * events, and a bounded condition poll for the rare case with no event.
 */
import { once } from 'node:events';
import net from 'node:net';
import { LengthFieldCodec } from '../../transport/length-field-codec.js';
import type { Session } from '../../transport/session-contract.js';

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Polls `condition` every few ms until true; fails after `deadlineMs`. */
export async function waitFor(condition: () => boolean, deadlineMs = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Rejects if `promise` does not settle within `ms` (keeps a hung test bounded). */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export const codec = new LengthFieldCodec();

/** `count` length-prefixed frames whose bodies are "msg-<i>". */
export function frames(count: number): { wire: Buffer; bodies: string[] } {
  const bodies: string[] = [];
  const parts: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const body = `msg-${i}`;
    bodies.push(body);
    parts.push(codec.encode(Buffer.from(body)));
  }
  return { wire: Buffer.concat(parts), bodies };
}

/** A raw socket to 127.0.0.1:port, connected. */
export async function rawConnect(port: number): Promise<net.Socket> {
  const socket = net.connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  return socket;
}

/** A port that was free a moment ago (for servers started later in a test). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Writes `buf` one byte per event-loop turn (split packets). */
export async function writeByteByByte(socket: net.Socket, buf: Buffer): Promise<void> {
  for (let i = 0; i < buf.length; i++) {
    socket.write(buf.subarray(i, i + 1));
    if (i % 64 === 63) await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * An onMessage that answers at once but holds its inflight slot until the peer's FIN has
 * arrived: with maxInflight 1 the next package waits, paused, behind it.
 */
export function echoHoldingUntilFin(session: Session, pkg: Buffer): Promise<void> | undefined {
  session.writePkg(pkg);
  const socket = (session as unknown as { socket: net.Socket }).socket;
  return socket.readableEnded ? undefined : once(socket, 'end').then(() => undefined);
}
