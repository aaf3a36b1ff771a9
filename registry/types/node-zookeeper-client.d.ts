/** The part of node-zookeeper-client 1.x that the ZooKeeper registry uses (the package ships no types). */
declare module 'node-zookeeper-client' {
  import type { EventEmitter } from 'node:events';

  export class State {
    readonly name: string;
    readonly code: number;
    static readonly DISCONNECTED: State;
    static readonly SYNC_CONNECTED: State;
    static readonly AUTH_FAILED: State;
    static readonly CONNECTED_READ_ONLY: State;
    static readonly SASL_AUTHENTICATED: State;
    static readonly EXPIRED: State;
  }

  export interface ZkEvent {
    readonly type: number;
    readonly name: string;
    readonly path: string;
    getType(): number;
  }

  export const Event: { NODE_CREATED: 1; NODE_DELETED: 2; NODE_DATA_CHANGED: 3; NODE_CHILDREN_CHANGED: 4 };

  export class Exception extends Error {
    static readonly CONNECTION_LOSS: number;
    static readonly NO_NODE: number;
    static readonly NODE_EXISTS: number;
    static readonly NOT_EMPTY: number;
    static readonly SESSION_EXPIRED: number;
    getCode(): number;
    getName(): string;
  }

  export interface Stat {
    /** Session id of an ephemeral node's owner (8 bytes, zero for persistent nodes). */
    readonly ephemeralOwner: Buffer;
  }

  export const CreateMode: { PERSISTENT: 0; EPHEMERAL: 1; PERSISTENT_SEQUENTIAL: 2; EPHEMERAL_SEQUENTIAL: 3 };

  export interface ClientOptions {
    /** ms, default 30000 */
    sessionTimeout?: number;
    /** ms between connection attempts, default 1000 */
    spinDelay?: number;
    retries?: number;
    sessionId?: Buffer;
    sessionPassword?: Buffer;
  }

  type Done<T> = (error: Exception | Error | null, value: T) => void;

  export interface Client extends EventEmitter {
    connect(): void;
    close(): void;
    getState(): State;
    getSessionId(): Buffer;
    getSessionPassword(): Buffer;
    getSessionTimeout(): number;
    create(path: string, data: Buffer | null, mode: number, callback: Done<string>): void;
    remove(path: string, version: number, callback: (error: Exception | Error | null) => void): void;
    exists(path: string, callback: Done<Stat | null>): void;
    exists(path: string, watcher: (event: ZkEvent) => void, callback: Done<Stat | null>): void;
    getChildren(path: string, watcher: (event: ZkEvent) => void, callback: Done<string[]>): void;
    getChildren(path: string, callback: Done<string[]>): void;
    getData(path: string, callback: (error: Exception | Error | null, data: Buffer | undefined, stat: Stat) => void): void;
    mkdirp(path: string, callback: Done<string>): void;
    on(event: 'state', listener: (state: State) => void): this;
    on(event: 'connected' | 'disconnected' | 'expired' | 'connectedReadOnly', listener: () => void): this;
  }

  export function createClient(connectionString: string, options?: ClientOptions): Client;

  const zookeeper: {
    createClient: typeof createClient;
    CreateMode: typeof CreateMode;
    Exception: typeof Exception;
    Event: typeof Event;
    State: typeof State;
  };
  export default zookeeper;
}
