/**
 * Bounds the connections of a server that are not sessions yet: a TLS
 * handshake in progress, or a WebSocket upgrade request still to come. Each
 * accepted socket is tracked until its handshake is done; one that takes
 * longer than `timeoutMs` is destroyed (a stalled or half-sent ClientHello
 * must not hold a descriptor: Node's own TLS default is 120 s), and close()
 * destroys whatever is still pending, so a server's close does not wait for
 * peers that never finish. The timeouts run on the shared timer wheel.
 */
import type net from 'node:net';
import type { TimerHandle, TimerWheel } from './timer-wheel.js';

/** Default time a TLS handshake or a WebSocket upgrade may take: 10 s. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

interface Pending {
  socket: net.Socket;
  timer: TimerHandle;
}

export class HandshakeGuard {
  /**
   * Keyed by the peer's "address:port": the socket a TLS server hands out
   * after the handshake is a new object over the same connection.
   */
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly wheel: TimerWheel,
    private readonly timeoutMs: number,
    private readonly onTimeout: () => void,
  ) {}

  /** Connections accepted whose handshake has not finished. */
  get size(): number {
    return this.pending.size;
  }

  /** A connection was accepted: its handshake must finish within timeoutMs. */
  track(socket: net.Socket): void {
    const key = peerKey(socket);
    const timer = this.wheel.schedule(this.timeoutMs, () => this.expire(key, socket));
    this.pending.set(key, { socket, timer });
    socket.once('close', () => this.forget(key, socket));
  }

  /**
   * The handshake of the connection `socket` belongs to is over (done or
   * failed). False when it was not pending any more (it timed out already).
   */
  done(socket: net.Socket): boolean {
    const key = peerKey(socket);
    const entry = this.pending.get(key);
    if (entry === undefined) return false;
    entry.timer.cancel();
    this.pending.delete(key);
    return true;
  }

  /** Destroys every connection still handshaking (server close). */
  destroyAll(): void {
    for (const { socket, timer } of this.pending.values()) {
      timer.cancel();
      socket.destroy();
    }
    this.pending.clear();
  }

  private expire(key: string, socket: net.Socket): void {
    if (this.pending.get(key)?.socket !== socket) return;
    this.pending.delete(key);
    socket.destroy();
    this.onTimeout();
  }

  private forget(key: string, socket: net.Socket): void {
    const entry = this.pending.get(key);
    if (entry?.socket !== socket) return;
    entry.timer.cancel();
    this.pending.delete(key);
  }
}

function peerKey(socket: net.Socket): string {
  return `${socket.remoteAddress}:${socket.remotePort}`;
}
