/**
 * The part of the WHATWG WebSocket the browser client uses. Declared here
 * because the project compiles without the DOM lib; a browser's global
 * `WebSocket`, Node 20's `--experimental-websocket` global and the `ws`
 * package all fit it.
 */
export interface BrowserSocket {
  binaryType: string;
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

/** A WebSocket constructor (`new WebSocket(url)`). */
export type BrowserSocketClass = new (url: string) => BrowserSocket;

/** WebSocket.OPEN in every implementation. */
export const SOCKET_OPEN = 1;

/** The global WebSocket, or undefined where there is none (Node 20 without the flag). */
export function globalWebSocket(): BrowserSocketClass | undefined {
  return (globalThis as { WebSocket?: BrowserSocketClass }).WebSocket;
}
