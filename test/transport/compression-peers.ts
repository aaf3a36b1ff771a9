/**
 * What the compression tests share: a sink that records what a pipe hands
 * on, a reference snappy framing reader and writer written from the format
 * description alone (google/snappy, framing_format.txt; its CRC-32C is
 * computed bit by bit, unlike the transport's table), and an echo server
 * whose sessions compress.
 */
import type net from 'node:net';
import type { TestContext } from 'node:test';
import type { RpcError } from '../../common/rpc-error.js';
import type { CompressType } from '../../transport/compress-type.js';
import type { Session } from '../../transport/session-contract.js';
import type { StreamPipeSink } from '../../transport/stream-pipe.js';
import { createTcpServer, type TcpServer } from '../../transport/tcp-server.js';
import { codec, deferred, rawConnect } from './helpers.js';

export interface RecordingSink extends StreamPipeSink {
  encoded: Buffer[];
  decoded: Buffer[];
  errors: RpcError[];
  /** Everything decoded so far, joined. */
  plain(): Buffer;
  /** Resolves once `bytes` plain bytes were decoded. */
  decodedBytes(bytes: number): Promise<void>;
  /** Resolves on the first pipe error. */
  failed: Promise<RpcError>;
}

export function recordingSink(): RecordingSink {
  const failed = deferred<RpcError>();
  const waiters: { bytes: number; resolve: () => void }[] = [];
  const sink: RecordingSink = {
    encoded: [],
    decoded: [],
    errors: [],
    plain: () => Buffer.concat(sink.decoded),
    failed: failed.promise,
    onEncoded: (buf) => void sink.encoded.push(Buffer.from(buf)),
    onDecoded: (buf) => {
      sink.decoded.push(Buffer.from(buf));
      const total = sink.plain().length;
      for (const waiter of waiters.filter((w) => w.bytes <= total)) waiter.resolve();
    },
    onPipeError: (err) => {
      sink.errors.push(err as RpcError);
      failed.resolve(err as RpcError);
    },
    decodedBytes: (bytes) => {
      if (sink.plain().length >= bytes) return Promise.resolve();
      const done = deferred();
      waiters.push({ bytes, resolve: () => done.resolve() });
      return done.promise;
    },
  };
  return sink;
}

// ---- reference snappy framing

export function refCrc32c(buf: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of buf) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

export function refMaskedCrc(buf: Uint8Array): number {
  const crc = refCrc32c(buf);
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}

export const STREAM_ID_CHUNK = Buffer.from([0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59]);

/** One chunk: type, 3-byte little-endian length, body. */
export function chunk(type: number, body: Buffer): Buffer {
  const header = Buffer.from([type, body.length & 0xff, (body.length >> 8) & 0xff, body.length >> 16]);
  return Buffer.concat([header, body]);
}

/** A data chunk: type 0 holds `packed` (snappy block of `plain`), type 1 holds `plain` itself. */
export function dataChunk(plain: Buffer, packed?: Buffer, crc = refMaskedCrc(plain)): Buffer {
  const sum = Buffer.alloc(4);
  sum.writeUInt32LE(crc, 0);
  return chunk(packed === undefined ? 0x01 : 0x00, Buffer.concat([sum, packed ?? plain]));
}

export interface ParsedChunk {
  type: number;
  body: Buffer;
}

/** Splits a framing stream into chunks; throws if it ends inside one. */
export function parseChunks(stream: Buffer): ParsedChunk[] {
  const chunks: ParsedChunk[] = [];
  let at = 0;
  while (at < stream.length) {
    const size = stream[at + 1]! | (stream[at + 2]! << 8) | (stream[at + 3]! << 16);
    if (at + 4 + size > stream.length) throw new Error(`stream ends inside a chunk at ${at}`);
    chunks.push({ type: stream[at]!, body: stream.subarray(at + 4, at + 4 + size) });
    at += 4 + size;
  }
  return chunks;
}

// ---- sessions

export interface CompressedEcho {
  server: TcpServer<Buffer>;
  closed: Promise<Session<Buffer>>[];
}

/** An echo server whose sessions use `type`; `closed` gets one promise per session, in order. */
export async function compressedEchoServer(type: CompressType): Promise<CompressedEcho> {
  const closed: Promise<Session<Buffer>>[] = [];
  const server = createTcpServer<Buffer>({ port: 0 });
  await server.runEventLoop((s) => {
    s.setPkgHandler(codec).setCompressType(type);
    s.setEventListener({ onMessage: (x, pkg) => void x.writePkg(pkg) });
    closed.push(new Promise((resolve) => s.onClosed(resolve)));
  });
  return { server, closed };
}

/**
 * Two raw connections to `port` for the corrupt-stream tests: `bad` gets the
 * corrupt bytes (its reset is expected, so its errors are ignored), `good`
 * must keep being served. Both are destroyed when the test ends.
 */
export async function goodAndBadPeers(t: TestContext, port: number): Promise<{ good: net.Socket; bad: net.Socket }> {
  const good = await rawConnect(port);
  const bad = await rawConnect(port);
  t.after(() => {
    good.destroy();
    bad.destroy();
  });
  bad.on('error', () => {});
  return { good, bad };
}
