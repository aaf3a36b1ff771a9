/**
 * One live ZooKeeper session for a registry. node-zookeeper-client reconnects
 * a dropped connection by itself, but a client whose session expired is dead
 * for good, so on `expired` this opens a fresh client and reports a new
 * session: ephemeral nodes died with the old one and watches were lost, which
 * the registry must redo (after a session expiry dubbo-go `registry/zookeeper/registry.go` registers again).
 */
import type { Client, Stat, ZkEvent } from 'node-zookeeper-client';
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import { withDeadline } from './deadline.js';

export interface ZookeeperConnectionOptions {
  /** `host:port[,host:port...]` */
  servers: string;
  /** Bound for connecting and for each call, ms. */
  timeoutMs: number;
  /** Session timeout asked from the server, ms (the server clamps it to its min/max). */
  sessionTimeoutMs: number;
}

/** `reconnected`: same session, watches restored by the client; `renewed`: new session after expiry. */
export type SessionChange = 'reconnected' | 'renewed';

interface Waiter {
  resolve(client: Client): void;
  reject(err: Error): void;
}
type ZookeeperModule = (typeof import('node-zookeeper-client'))['default'];

/**
 * node-zookeeper-client, loaded on the first connection rather than at import:
 * applications that never use a `zookeeper://` registry do not pay for it.
 */
let zookeeper: ZookeeperModule | undefined;
let loading: Promise<ZookeeperModule> | undefined;

function loadZookeeper(): Promise<ZookeeperModule> {
  loading ??= import('node-zookeeper-client').then(
    (module) => (zookeeper = module.default),
    (err: unknown) => {
      loading = undefined;
      throw new RpcError(ErrorCode.REGISTRY_UNAVAILABLE, `cannot load node-zookeeper-client: ${(err as Error).message}`, { cause: err });
    },
  );
  return loading;
}

export class ZookeeperConnection {
  private client: Client | undefined;
  private connected = false;
  private waiters: Waiter[] = [];
  private closed = false;
  private sessions = 0;
  /** Fires when the client has been away from every server for a whole session timeout. */
  private awayTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: ZookeeperConnectionOptions,
    private readonly onSessionChange: (change: SessionChange) => void,
    /** Told when the connection to every server is lost (false) and when one is made (true). */
    private readonly onLink: (up: boolean) => void = () => {},
  ) {}

  /** The current session's id, password and timeout (for diagnostics and expiry tests). */
  get session(): { id: Buffer; password: Buffer; timeoutMs: number } | undefined {
    if (!this.client || !this.connected) return undefined;
    const client = this.client;
    return { id: client.getSessionId(), password: client.getSessionPassword(), timeoutMs: client.getSessionTimeout() };
  }

  /** Resolves with a connected client, or fails with REGISTRY_UNAVAILABLE after timeoutMs. */
  ready(): Promise<Client> {
    if (this.closed) return Promise.reject(new RpcError(ErrorCode.REGISTRY_CLOSED, 'registry closed'));
    if (this.connected) return Promise.resolve(this.client!);
    const waiting = new Promise<Client>((resolve, reject) => this.waiters.push({ resolve, reject }));
    // close() may reject it while the module is still loading, before anyone awaits it.
    waiting.catch(() => undefined);
    const opened = this.client ? waiting : loadZookeeper().then(() => this.openOnce()).then(() => waiting);
    return withDeadline(opened, this.options.timeoutMs, `connect to ZooKeeper ${this.options.servers}`);
  }

  /** Runs one callback-style client call on a connected client, bounded by timeoutMs. */
  async call<T>(what: string, run: (client: Client, done: (err: Error | null, value: T) => void) => void): Promise<T> {
    const client = await this.ready();
    const work = new Promise<T>((resolve, reject) => run(client, (err, value) => (err ? reject(err) : resolve(value))));
    return withDeadline(work, this.options.timeoutMs, what);
  }

  mkdirp(path: string): Promise<string> {
    return this.call(`mkdirp ${path}`, (client, done) => client.mkdirp(path, done));
  }

  getChildren(path: string, watcher: (event: ZkEvent) => void): Promise<string[]> {
    return this.call(`list ${path}`, (client, done) => client.getChildren(path, watcher, done));
  }

  createEphemeral(path: string): Promise<string> {
    return this.call(`create ${path}`, (client, done) => client.create(path, null, zookeeper!.CreateMode.EPHEMERAL, done));
  }

  /**
   * True when the node at `path` is an ephemeral node of the session the stat
   * was read on (compared with the id of the client that answered, not with
   * whatever client is current once the answer arrives).
   */
  async ownsNode(path: string): Promise<boolean> {
    const client = await this.ready();
    const session = client.getSessionId();
    const work = new Promise<Stat | null>((resolve, reject) => client.exists(path, (err, stat) => (err ? reject(err) : resolve(stat))));
    const stat = await withDeadline(work, this.options.timeoutMs, `stat ${path}`);
    return Boolean(stat?.ephemeralOwner?.equals(session) && this.client === client);
  }

  /**
   * Arms a one-shot watch on the node at `path`. The client keeps one
   * registration per watcher function, so passing the same function again
   * does not pile up watchers.
   */
  async watchNode(path: string, watcher: (event: ZkEvent) => void): Promise<void> {
    await this.call<Stat | null>(`watch ${path}`, (client, done) => client.exists(path, watcher, done));
  }

  remove(path: string): Promise<void> {
    return this.call(`remove ${path}`, (client, done) => client.remove(path, -1, (err) => done(err, undefined)));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const wasConnected = this.connected;
    this.connected = false;
    clearTimeout(this.awayTimer);
    // A call still waiting for a session fails now, not after the whole registry timeout.
    const waiters = this.waiters;
    this.waiters = [];
    for (const { reject } of waiters) reject(new RpcError(ErrorCode.REGISTRY_CLOSED, 'registry closed'));
    // A connected client sends its close-session packet (ephemeral nodes go at once);
    // one that never reached a server would keep dialling to send it, holding the
    // process open: its socket is dropped instead.
    if (this.client && !wasConnected) abandon(this.client);
    else this.client?.close();
    this.client = undefined;
  }

  /** Opens the first client, once, unless closed meanwhile (callers may race on the module load). */
  private openOnce(): void {
    if (!this.client && !this.closed) this.open();
  }

  /** Only called once the module is loaded (by openOnce, then on expiry). */
  private open(): void {
    const client = zookeeper!.createClient(this.options.servers, {
      sessionTimeout: this.options.sessionTimeoutMs,
      spinDelay: 200,
      retries: 0,
    });
    this.client = client;
    this.startAwayTimer(client);
    let firstConnect = true;
    client.on('connected', () => {
      const change = firstConnect ? (this.sessions > 0 ? 'renewed' : undefined) : 'reconnected';
      firstConnect = false;
      this.onConnected(client, change);
    });
    client.on('disconnected', () => {
      if (this.client !== client) return;
      this.connected = false;
      this.startAwayTimer(client);
      if (!this.closed) this.onLink(false);
    });
    client.on('expired', () => this.onExpired(client));
    client.connect();
  }

  /**
   * node-zookeeper-client learns that its session expired only from a server
   * that answers. A server that refuses the session without an answer, or a
   * connection accepted but never answered (the client has no timeout after
   * the TCP connect), keeps it reconnecting for ever, while the server expires
   * the session and deletes its ephemeral nodes. After a whole
   * session timeout away the session is as good as expired (Curator treats it
   * so too): give it up and open a new one, which re-registers everything.
   * Runs from every open and every disconnect, so a fresh client stuck the
   * same way is replaced too (at most once per session timeout).
   */
  private startAwayTimer(client: Client): void {
    clearTimeout(this.awayTimer);
    this.awayTimer = setTimeout(() => {
      if (this.client !== client || this.connected || this.closed) return;
      abandon(client);
      this.open();
    }, client.getSessionTimeout() || this.options.sessionTimeoutMs);
    this.awayTimer.unref();
  }

  private onConnected(client: Client, change: SessionChange | undefined): void {
    if (this.client !== client || this.closed) return;
    clearTimeout(this.awayTimer);
    this.connected = true;
    if (change !== 'reconnected') this.sessions += 1;
    const waiters = this.waiters;
    this.waiters = [];
    for (const { resolve } of waiters) resolve(client);
    this.onLink(true);
    if (change) this.onSessionChange(change);
  }

  private onExpired(client: Client): void {
    if (this.client !== client || this.closed) return;
    this.connected = false;
    abandon(client);
    this.open();
  }
}

/**
 * Lets go of a client whose session is over (expired, or given up). close()
 * only queues a close-session packet, which a connection nobody answers never
 * sends, and after an expiry the server leaves the socket open; so the socket
 * is destroyed and its connect timer cleared too (internals of
 * node-zookeeper-client 1.x), or they would keep the process alive.
 */
function abandon(client: Client, deferred = false): void {
  const manager = (client as { connectionManager?: { socket?: { destroy(): void }; connectTimeoutHandler?: NodeJS.Timeout } }).connectionManager;
  // A client picks its first server on the tick after connect(); until then it has no socket, and
  // close() would throw writing its close-session packet to none (close() called by the same burst
  // of promise jobs that opened it): let it pick one first.
  if (manager && !manager.socket && !deferred) {
    process.nextTick(() => abandon(client, true));
    return;
  }
  client.close();
  manager?.socket?.destroy();
  // Its connect timer (the session timeout, ref'd) outlives a socket that never connected.
  clearTimeout(manager?.connectTimeoutHandler);
}

/** The ZooKeeper error code of a client error, or undefined for other errors. */
export function zkErrorCode(err: unknown): number | undefined {
  const withCode = err as { getCode?: () => number } | null;
  return typeof withCode?.getCode === 'function' ? withCode.getCode() : undefined;
}

export function isNodeExists(err: unknown): boolean {
  return zookeeper !== undefined && zkErrorCode(err) === zookeeper.Exception.NODE_EXISTS;
}

export function isNoNode(err: unknown): boolean {
  return zookeeper !== undefined && zkErrorCode(err) === zookeeper.Exception.NO_NODE;
}
