/**
 * The `ws` package, required by the first WebSocket client or server rather
 * than at import, so TCP- and UDP-only applications never load it (nor the
 * http/https stack it pulls in). Endpoints are constructed synchronously,
 * hence require() (ws's main entry is CommonJS) instead of import().
 */
import { createRequire } from 'node:module';
type Ws = typeof import('ws');

let ws: Ws | undefined;

/** ws's exports (WebSocket, WebSocketServer, ...). */
export function loadWs(): Ws {
  ws ??= createRequire(import.meta.url)('ws') as Ws;
  return ws;
}
