/**
 * What every listening endpoint shares (TCP/TLS, WS/WSS, the unconnected UDP
 * endpoint; dubbo-getty `server.go`, `options.go`): its options, the bound address, the set of live
 * sessions, runEventLoop's checks, adopting a new session through the
 * newSession callback, and the idempotent close. Subclasses only listen,
 * turn their sockets into sessions and stop.
 */
import type net from 'node:net';
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import type { BaseSession, SessionOwner } from './base-session.js';
import {
  checkCallback,
  checkHost,
  checkInteger,
  checkPort,
  DEFAULT_MAX_SERVER_WRITE_BUFFER_BYTES,
  type EndpointAddress,
  type ListenOptions,
  type NewSessionCallback,
  type RefusalReason,
  type ServerStats,
} from './endpoint-options.js';
import type { Session } from './session-contract.js';
import type { TaskPool } from './task-pool.js';
import { defaultTimerWheel, type TimerWheel } from './timer-wheel.js';

export interface CloseOptions {
  /** How long closed sessions may wait for their peer to take the last bytes, in ms. Default: 3 000 (each session's linger). */
  lingerMs?: number;
}

export abstract class ServerEndpoint<P = unknown> implements SessionOwner {
  readonly taskPool: TaskPool | null;
  readonly wheel: TimerWheel;
  protected readonly host: string;
  protected readonly port: number;
  /** 0 = no limit. */
  protected readonly maxConnections: number;
  readonly maxServerWriteBufferBytes: number;
  private readonly live = new Set<BaseSession<unknown>>();
  private readonly counters: ServerStats = {
    accepted: 0,
    open: 0,
    refused: { maxConnections: 0, handshake: 0, origin: 0, newSession: 0, selfConnect: 0, closing: 0 },
    dropped: {},
    bufferedBytes: 0,
  };
  private newSession: NewSessionCallback<P> | null = null;
  private bound: EndpointAddress | null = null;
  private closing: Promise<void> | null = null;

  constructor(options: ListenOptions = {}) {
    this.host = checkHost(options.host);
    this.port = checkPort(options.port, true);
    this.taskPool = options.taskPool ?? null;
    this.wheel = options.wheel ?? defaultTimerWheel();
    this.maxConnections = checkInteger(options.maxConnections, 0, 0, 'maxConnections');
    this.maxServerWriteBufferBytes = checkInteger(
      options.maxServerWriteBufferBytes,
      DEFAULT_MAX_SERVER_WRITE_BUFFER_BYTES,
      1,
      'maxServerWriteBufferBytes',
    );
  }

  /** Counters: sessions accepted and open, connections refused and sessions dropped by reason, output held. */
  stats(): ServerStats {
    const c = this.counters;
    return { ...c, open: this.live.size, refused: { ...c.refused }, dropped: { ...c.dropped } };
  }

  /** Counts a connection closed before it became a session. */
  protected refused(reason: RefusalReason): void {
    this.counters.refused[reason]++;
  }

  /** The bound address; throws before runEventLoop resolved. */
  get address(): EndpointAddress {
    if (this.bound === null) throw new RpcError(ErrorCode.ENDPOINT_CLOSED, 'endpoint is not listening');
    return this.bound;
  }

  /** Open sessions. */
  get sessions(): Session<P>[] {
    return [...this.live] as Session<P>[];
  }

  get closed(): boolean {
    return this.closing !== null;
  }

  /** Starts listening; resolves once bound. */
  async runEventLoop(newSession: NewSessionCallback<P>): Promise<void> {
    checkCallback(newSession, 'newSession');
    if (this.closing !== null) throw new RpcError(ErrorCode.ENDPOINT_CLOSED, 'endpoint is closed');
    if (this.newSession !== null) throw new RpcError(ErrorCode.INVALID_ARGUMENT, 'runEventLoop called twice');
    this.newSession = newSession;
    this.bound = await this.listen();
  }

  /** Binds the socket; resolves with the bound address. */
  protected abstract listen(): Promise<EndpointAddress>;

  /**
   * Runs newSession on a new session and starts it. Returns null once it is
   * open and tracked; otherwise the refusal, the session already discarded.
   */
  protected adopt(session: BaseSession<P>): RpcError | null {
    const refusal = session.open(this, this.newSession!);
    if (refusal === null) {
      this.live.add(session as BaseSession<unknown>);
      this.counters.accepted++;
    } else this.refused('newSession');
    return refusal;
  }

  sessionClosed(session: BaseSession<unknown>): void {
    if (!this.live.delete(session)) return;
    const reason = session.closeReason;
    if (reason !== undefined) this.counters.dropped[reason.code] = (this.counters.dropped[reason.code] ?? 0) + 1;
  }

  /**
   * Keeps the sum of the sessions' socket backlogs; past
   * maxServerWriteBufferBytes, a growing session above its share is dropped.
   * Called per flush and drain, not per package.
   */
  backlogChanged(session: BaseSession<unknown>, delta: number, bytes: number): RpcError | null {
    const total = (this.counters.bufferedBytes += delta);
    if (delta <= 0 || total <= this.maxServerWriteBufferBytes) return null;
    const share = Math.floor(this.maxServerWriteBufferBytes / Math.max(1, this.live.size));
    if (bytes > share) return this.overShare(session, bytes, share);
    // This one is within its share: the session holding the most is over it (rare: only past the bound).
    let largest: BaseSession<unknown> | null = null;
    for (const other of this.live) if (largest === null || other.reportedBacklog > largest.reportedBacklog) largest = other;
    if (largest !== null && largest !== session && largest.reportedBacklog > share) {
      largest.close(this.overShare(largest, largest.reportedBacklog, share));
    }
    return null;
  }

  private overShare(session: BaseSession<unknown>, bytes: number, share: number): RpcError {
    return new RpcError(
      ErrorCode.WRITE_BUFFER_FULL,
      `session ${session.name}#${session.id}: server output ${this.counters.bufferedBytes} bytes exceeds ` +
        `maxServerWriteBufferBytes ${this.maxServerWriteBufferBytes} and this session holds ${bytes}, over its share ${share}`,
    );
  }

  /**
   * Stops listening and closes every session gracefully (queued bytes are
   * flushed, then FIN). Connections still in a handshake are dropped at once.
   * A session whose peer has not taken its last bytes is destroyed after
   * `lingerMs` (default: each session's own 3 s linger), so close() never
   * waits on a peer that stalls. Idempotent: options of later calls are ignored.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.closing ??= this.shutdown(options.lingerMs);
    return this.closing;
  }

  /** Stops the listener; resolves once it is released. */
  protected abstract stopListening(): Promise<void>;

  private shutdown(lingerMs: number | undefined): Promise<void> {
    // Checked before anything stops: a refused close() leaves the server serving.
    const ms = lingerMs === undefined ? undefined : checkInteger(lingerMs, 0, 0, 'lingerMs');
    const stopped = this.stopListening();
    const sessions = [...this.live];
    for (const session of sessions) session.close();
    if (ms !== undefined) {
      const terminate = () => {
        for (const session of sessions) session.terminate();
      };
      if (ms === 0) terminate();
      else this.wheel.schedule(ms, terminate);
    }
    return stopped;
  }
}

/** Listens on host:port; rejects CONNECT_FAILED. Later server errors (EMFILE on accept) must not crash. */
export function listenOn(server: net.Server, port: number, host: string): Promise<EndpointAddress> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(new RpcError(ErrorCode.CONNECT_FAILED, `listen failed: ${err.message}`, { cause: err }));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      server.on('error', noop);
      const addr = server.address() as net.AddressInfo;
      resolve({ host: addr.address, port: addr.port });
    });
  });
}

function noop(): void {}
