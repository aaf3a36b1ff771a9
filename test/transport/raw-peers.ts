/**
 * Raw peers for the conformance tests: they write bytes exactly as given
 * (one buffer, or one byte at a time) and parse what comes back, without any
 * of our transport code, so a bug in it cannot hide behind the same bug here.
 */
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';

export interface RawPeer {
  socket: net.Socket;
  /** Encodes one package for this transport's wire (frame or WS message). */
  frame(body: Buffer): Buffer;
  /** Resolves with the first `count` bodies echoed back. */
  collect(count: number): Promise<string[]>;
}

export type RawKind = 'tcp' | 'tls' | 'ws';

export async function connectRaw(kind: RawKind, port: number, ca?: string): Promise<RawPeer> {
  if (kind === 'tcp') return lengthPeer(await connectTcp(port));
  if (kind === 'tls') return lengthPeer(await connectTls(port, ca!));
  return wsPeer(await upgradeWs(await connectTcp(port)));
}

export async function connectTcp(port: number): Promise<net.Socket> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  await once(socket, 'connect');
  return socket;
}

async function connectTls(port: number, ca: string): Promise<net.Socket> {
  const socket = tls.connect({ host: '127.0.0.1', port, ca });
  socket.setNoDelay(true);
  await once(socket, 'secureConnect');
  return socket;
}

function lengthPeer(socket: net.Socket): RawPeer {
  return {
    socket,
    frame(body) {
      const header = Buffer.alloc(4);
      header.writeUInt32BE(body.length, 0);
      return Buffer.concat([header, body]);
    },
    collect: (count) => collect(socket, count, parseLengthFrame),
  };
}

/**
 * A minimal client handshake; the server's reply headers are skipped.
 * `extraHeaders` are whole header lines, each ending in CRLF.
 */
export async function upgradeWs(socket: net.Socket, extraHeaders = ''): Promise<net.Socket> {
  socket.write(
    'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extraHeaders}\r\n`,
  );
  let head = Buffer.alloc(0);
  while (head.indexOf('\r\n\r\n') < 0) {
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    head = Buffer.concat([head, chunk]);
  }
  const rest = head.subarray(head.indexOf('\r\n\r\n') + 4);
  if (rest.length > 0) socket.unshift(rest);
  return socket;
}

function wsPeer(socket: net.Socket): RawPeer {
  return { socket, frame: wsClientFrame, collect: (count) => collect(socket, count, parseWsFrame) };
}

/** A masked binary frame; the zero mask leaves the payload as is (RFC 6455 allows any key). */
export function wsClientFrame(body: Buffer): Buffer {
  if (body.length < 126) return Buffer.concat([Buffer.from([0x82, 0x80 | body.length, 0, 0, 0, 0]), body]);
  const header = Buffer.from([0x82, 0x80 | 126, 0, 0, 0, 0, 0, 0]);
  header.writeUInt16BE(body.length, 2);
  return Buffer.concat([header, body]);
}

type Parser = (buf: Buffer) => { body: Buffer; used: number } | null;

function parseLengthFrame(buf: Buffer): { body: Buffer; used: number } | null {
  if (buf.length < 4) return null;
  const len = buf.readUInt32BE(0);
  if (buf.length < 4 + len) return null;
  return { body: buf.subarray(4, 4 + len), used: 4 + len };
}

function parseWsFrame(buf: Buffer): { body: Buffer; used: number } | null {
  if (buf.length < 2) return null;
  let len = buf[1]! & 0x7f;
  let offset = 2;
  if (len === 126) {
    if (buf.length < 4) return null;
    len = buf.readUInt16BE(2);
    offset = 4;
  }
  if (buf.length < offset + len) return null;
  return { body: buf.subarray(offset, offset + len), used: offset + len };
}

function collect(socket: net.Socket, count: number, parse: Parser): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const got: string[] = [];
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (let frame = parse(pending); frame !== null; frame = parse(pending)) {
        got.push(frame.body.toString());
        pending = pending.subarray(frame.used);
      }
      if (got.length >= count) resolve(got);
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`closed after ${got.length} of ${count} packages`)));
  });
}

/** Writes `buf` one byte per write, yielding to the event loop every 64 bytes. */
export async function writeOneByteAtATime(socket: net.Socket, buf: Buffer): Promise<void> {
  for (let i = 0; i < buf.length; i++) {
    socket.write(buf.subarray(i, i + 1));
    if (i % 64 === 63) await new Promise((resolve) => setImmediate(resolve));
  }
}
