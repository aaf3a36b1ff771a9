/**
 * Shared set-up for the browser client tests: the bundle built into a fresh
 * temporary directory (so parallel runs never share an output file), and a
 * scripted WebSocket peer on 127.0.0.1 that speaks Dubbo frames by hand.
 * Not a test file itself.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type WebSocket, WebSocketServer } from 'ws';
import { buildBrowserBundle } from '../../../rpc/browser/build.js';
import { DubboCodec } from '../../../rpc/exchange/dubbo-codec.js';
import type { DubboRequest } from '../../../rpc/protocol/dubbo-package.js';

export interface BuiltBundle {
  dir: string;
  file: string;
  bytes: number;
  remove(): Promise<void>;
}

/** Builds dist/browser's bundle into a temporary directory. */
export async function buildBundleInTemp(): Promise<BuiltBundle> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'getty-rpc-browser-'));
  const { outfile, bytes } = await buildBrowserBundle({ outfile: path.join(dir, 'getty-rpc-browser.js') });
  return { dir, file: outfile, bytes, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** What the scripted peer does with each decoded request. */
export type PeerScript = (request: DubboRequest, socket: WebSocket, codec: DubboCodec) => void;

export interface ScriptedPeer {
  url: string;
  /** Sockets accepted so far. */
  accepted: number;
  close(): Promise<void>;
}

/** A WebSocket server on 127.0.0.1 that runs `script` for every request frame it receives. */
export async function startScriptedPeer(script: PeerScript): Promise<ScriptedPeer> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const peer: ScriptedPeer = {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    accepted: 0,
    close: () => closeServer(server),
  };
  server.on('connection', (socket) => {
    peer.accepted++;
    const codec = new DubboCodec();
    socket.on('message', (data) => {
      const { pkg } = codec.read(null, data as Buffer);
      if (pkg?.kind === 'request') script(pkg, socket, codec);
    });
  });
  return peer;
}

function closeServer(server: WebSocketServer): Promise<void> {
  for (const client of server.clients) client.terminate();
  return new Promise((resolve) => server.close(() => resolve()));
}
