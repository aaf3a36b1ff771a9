/**
 * The part of getty-rpc's transport API (DESIGN.md "transport") the bench
 * uses, typed structurally and loaded at run time from transport/index.js.
 */

/** Largest frame the bench sessions accept, in bytes (the payloads are ≤ 915 B). */
export const MAX_MSG_LEN_BYTES = 1 << 20;

export interface TransportListener {
  onMessage?(session: TransportSession, pkg: Buffer): void;
  onError?(session: TransportSession, err: unknown): void;
  onCron?(session: TransportSession): void;
}

export interface TransportSession {
  setPkgHandler(handler: unknown): TransportSession;
  setEventListener(listener: TransportListener): TransportSession;
  setMaxMsgLen(bytes: number): TransportSession;
  setCronPeriod(ms: number): TransportSession;
  setReadTimeout(ms: number): TransportSession;
  writePkg(pkg: Buffer): boolean;
  close(): void;
  readonly closed: boolean;
  /** Date.now() of the last package received. */
  readonly lastActive: number;
}

export interface TransportServer {
  runEventLoop(newSession: (session: TransportSession) => void): Promise<void>;
  readonly address: { host: string; port: number };
  close(): Promise<void>;
}

export interface TransportClient {
  runEventLoop(newSession: (session: TransportSession) => void): Promise<void>;
  readonly sessions: TransportSession[];
  close(): Promise<void>;
}

export interface TransportModule {
  createTcpServer(options: { host: string; port: number }): TransportServer;
  createTcpClient(options: {
    host: string;
    port: number;
    connectionNumber: number;
    localAddress?: string;
    maxReconnectAttempts?: number;
  }): TransportClient;
  LengthFieldCodec: new () => unknown;
}

const TRANSPORT_URL = new URL('../../transport/index.js', import.meta.url).href;

/** Loads transport/index.js; rejects with a reason when it or a needed export is missing. */
export async function loadTransport(): Promise<TransportModule> {
  let mod: Partial<TransportModule>;
  try {
    mod = (await import(TRANSPORT_URL)) as Partial<TransportModule>;
  } catch {
    throw new Error('not available yet: transport/index.js is not built');
  }
  for (const name of ['createTcpServer', 'createTcpClient', 'LengthFieldCodec'] as const) {
    if (typeof mod[name] !== 'function') throw new Error(`not available yet: transport/index.js lacks ${name}`);
  }
  return mod as TransportModule;
}
