/**
 * WebSocket session tests: a server whose first session the test drives
 * directly, and a plain `ws` peer on the other end (its close codes, pings
 * and pause are what the tests look at).
 */
import { once } from 'node:events';
import { WebSocket } from 'ws';
import type { RpcError } from '../../common/rpc-error.js';
import type { EventListener, Session } from '../../transport/session-contract.js';
import { TimerWheel } from '../../transport/timer-wheel.js';
import { createWsServer, type WsServer, type WsServerOptions } from '../../transport/ws-server.js';
import { deferred, waitFor } from './helpers.js';

export interface Served<P> {
  server: WsServer<P>;
  /** The first session the server opened. */
  session: Promise<Session<P>>;
  /** What onError received, in order. */
  errors: RpcError[];
}

export interface ServeOptions<P> {
  /** Settings made from newSession (limits, handler, ...). */
  configure?: (session: Session<P>) => void;
  /** The listener; onOpen and onError are wrapped to fill `session` and `errors`. */
  listener?: EventListener<P>;
  server?: WsServerOptions;
}

/** A server on 127.0.0.1 whose sessions are set up by `configure` and `listener`. */
export async function serveWs<P = Buffer>(options: ServeOptions<P> = {}): Promise<Served<P>> {
  const { configure = () => {}, listener = {} } = options;
  const opened = deferred<Session<P>>();
  const errors: RpcError[] = [];
  const server = createWsServer<P>({ port: 0, ...options.server });
  await server.runEventLoop((s) => {
    configure(s);
    s.setEventListener({
      ...listener,
      onOpen: (x) => {
        listener.onOpen?.(x);
        opened.resolve(x);
      },
      onError: (x, err) => {
        errors.push(err);
        listener.onError?.(x, err);
      },
    });
  });
  return { server, session: opened.promise, errors };
}

/** A `ws` client, open. */
export async function openPeer(url: string, options: ConstructorParameters<typeof WebSocket>[2] = {}): Promise<WebSocket> {
  const ws = new WebSocket(url, options);
  await once(ws, 'open');
  return ws;
}

/** Resolves with the code and reason of the peer's 'close' event. */
export async function peerClosed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  if (ws.readyState === WebSocket.CLOSED) throw new Error('peer closed before the test listened');
  const [code, reason] = (await once(ws, 'close')) as [number, Buffer];
  return { code, reason: reason.toString() };
}

/** A wheel whose first tick is an hour away: no linger timer fires during a test. */
export function stoppedWheel(): TimerWheel {
  return new TimerWheel({ tickMs: 3_600_000 });
}

/**
 * Waits for `promise` with a bounded poll of 20 s. ws destroys a socket whose
 * close handshake stalls after 30 s on its own, so a session that fails to
 * end its connection would otherwise pass too, only late.
 */
export async function beforeWsCloseTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let outcome: { value: T } | { error: unknown } | null = null;
  promise.then(
    (value) => void (outcome = { value }),
    (error: unknown) => void (outcome = { error }),
  );
  await waitFor(() => outcome !== null, 20_000, what);
  const settled = outcome as unknown as { value: T } | { error: unknown };
  if ('error' in settled) throw settled.error;
  return settled.value;
}
