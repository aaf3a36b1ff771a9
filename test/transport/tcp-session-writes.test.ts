/**
 * The write and close side of a TCP session, seen from raw peers on
 * 127.0.0.1: which encoder a package goes through, what writePkg and
 * writeBytes report against the high-water mark, early and end-of-turn
 * writes, what a graceful or abortive close sends, and how socket events
 * (reset, destroy, drain) reach the session.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type net from 'node:net';
import { after, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { ErrorCode, isRpcError, RpcError } from '../../common/rpc-error.js';
import { CompressType } from '../../transport/compress-type.js';
import { LengthFieldCodec } from '../../transport/length-field-codec.js';
import type { EventListener, ReadWriter, Session } from '../../transport/session-contract.js';
import { createTcpServer, type TcpServer } from '../../transport/tcp-server.js';
import type { TcpSession } from '../../transport/tcp-session.js';
import { SLAB_BYTES, SLAB_FRAME_LIMIT_BYTES, sharedWriteSlab } from '../../transport/write-slab.js';
import { TimerWheel } from '../../transport/timer-wheel.js';
import { deferred, rawConnect, waitFor, within } from './helpers.js';

const codec = new LengthFieldCodec();
/** More than the kernel takes from a peer that never read (default socket buffers), so the rest waits in user space. */
const STUCK_BYTES = 16 * 1024 * 1024;

interface Pair {
  server: TcpServer<Buffer>;
  peer: net.Socket;
  session: Session<Buffer>;
  /** The same session as its class, for its socket. */
  tcp: TcpSession<Buffer>;
  errors: RpcError[];
  /** Resolves on onClose. */
  closed: Promise<void>;
}

/** Everything a raw peer received until its socket closed, and the error it closed with, if any. */
interface Received {
  bytes: Buffer;
  error: Error | undefined;
}

function readAll(socket: net.Socket): Promise<Received> {
  const chunks: Buffer[] = [];
  let error: Error | undefined;
  socket.on('data', (chunk: Buffer) => void chunks.push(chunk));
  socket.on('error', (err) => {
    error = err;
  });
  return once(socket, 'close').then(() => ({ bytes: Buffer.concat(chunks), error }));
}

/** The bodies of the length-prefixed frames in `buf` (a partial last frame is left out). */
function bodies(buf: Buffer): string[] {
  const out: string[] = [];
  let at = 0;
  while (at + 4 <= buf.length && at + 4 + buf.readUInt32BE(at) <= buf.length) {
    const len = buf.readUInt32BE(at);
    out.push(buf.subarray(at + 4, at + 4 + len).toString());
    at += 4 + len;
  }
  return out;
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe('TcpSession writes and close', () => {
  const servers: TcpServer<Buffer>[] = [];
  const peers: net.Socket[] = [];
  after(async () => {
    for (const peer of peers) peer.destroy();
    // A failed test may leave a server whose close throws: the others still close.
    await Promise.allSettled(servers.map(async (s) => s.close({ lingerMs: 0 })));
  });

  /** A server whose first session is configured by `configure`, and a raw peer connected to it. */
  async function open(
    configure: (s: Session<Buffer>) => void = () => {},
    handler: ReadWriter<Buffer> = codec,
    listener: EventListener<Buffer> = {},
    wheel?: TimerWheel,
  ): Promise<Pair> {
    const opened = deferred<Session<Buffer>>();
    const closed = deferred();
    const errors: RpcError[] = [];
    const server = createTcpServer<Buffer>({ host: '127.0.0.1', port: 0, wheel });
    servers.push(server);
    await server.runEventLoop((s) => {
      s.setPkgHandler(handler).setEventListener({
        ...listener,
        onOpen: (x) => opened.resolve(x),
        onError: (_x, err) => void errors.push(err),
        onClose: () => closed.resolve(),
      });
      configure(s);
    });
    const peer = await rawConnect(server.address.port);
    peers.push(peer);
    const session = await within(opened.promise, 5000, 'session open');
    return { server, peer, session, tcp: session as unknown as TcpSession<Buffer>, errors, closed: closed.promise };
  }

  describe('choice of encoder', () => {
    it('encodes through write() when the handler lacks writeInto or encodedLength', async () => {
      const plain: ReadWriter<Buffer> = { read: (s, buf) => codec.read(s, buf), write: (s, pkg) => codec.write(s, pkg) };
      const lengthOnly = { ...plain, encodedLength: (s: Session, pkg: Buffer) => codec.encodedLength(s, pkg) };
      const intoOnly = { ...plain, writeInto: (s: Session, pkg: Buffer, target: Buffer, offset: number) => codec.writeInto(s, pkg, target, offset) };
      for (const [name, handler] of [['read/write only', plain], ['encodedLength only', lengthOnly], ['writeInto only', intoOnly]] as const) {
        const { peer, session } = await open(() => {}, handler);
        const got = readAll(peer);
        session.writePkg(Buffer.from(`via ${name}`));
        session.close();
        assert.deepEqual(bodies((await within(got, 5000, name)).bytes), [`via ${name}`], name);
      }
    });

    it('uses write() for lengths the slab cannot take (0, fractional, NaN, over the limit) and writeInto up to the limit', async () => {
      const used: string[] = [];
      let announced: number | undefined;
      const spy: ReadWriter<Buffer> = {
        read: (s, buf) => codec.read(s, buf),
        write: (s, pkg) => {
          used.push('write');
          return codec.write(s, pkg);
        },
        encodedLength: (s, pkg) => announced ?? codec.encodedLength(s, pkg),
        writeInto: (s, pkg, target, offset) => {
          used.push('writeInto');
          codec.writeInto(s, pkg, target, offset);
        },
      };
      const { peer, session } = await open(() => {}, spy);
      const got = readAll(peer);
      const sent: string[] = [];
      for (const length of [0, 2.5, Number.NaN]) {
        announced = length;
        sent.push(`announced ${length}`);
        session.writePkg(Buffer.from(`announced ${length}`));
      }
      announced = undefined;
      for (const total of [SLAB_FRAME_LIMIT_BYTES, SLAB_FRAME_LIMIT_BYTES + 1]) {
        const body = Buffer.alloc(total - 4, 'a');
        sent.push(body.toString());
        session.writePkg(body);
      }
      session.close();
      assert.deepEqual(used, ['write', 'write', 'write', 'writeInto', 'write']);
      assert.deepEqual(bodies((await within(got, 5000, 'frames')).bytes), sent);
    });

    it('throws BAD_PACKAGE carrying the cause when encodedLength throws, and keeps the session', async () => {
      const cause = new Error('cannot size this package');
      const picky: ReadWriter<Buffer> = {
        read: (s, buf) => codec.read(s, buf),
        write: (s, pkg) => codec.write(s, pkg),
        encodedLength: (s, pkg) => {
          if (pkg.toString() === 'boom') throw cause;
          return codec.encodedLength(s, pkg);
        },
        writeInto: (s, pkg, target, offset) => codec.writeInto(s, pkg, target, offset),
      };
      const { peer, session } = await open(() => {}, picky);
      const got = readAll(peer);
      assert.throws(
        () => session.writePkg(Buffer.from('boom')),
        (err) => isRpcError(err, ErrorCode.BAD_PACKAGE) && (err as RpcError).cause === cause,
      );
      session.writePkg(Buffer.from('fine'));
      assert.equal(session.closed, false);
      session.close();
      assert.deepEqual(bodies((await within(got, 5000, 'frames')).bytes), ['fine']);
    });

    it('refuses writePkg before setPkgHandler with INVALID_ARGUMENT naming setPkgHandler', async () => {
      let refused: unknown;
      const server = createTcpServer<Buffer>({ host: '127.0.0.1', port: 0 });
      servers.push(server);
      const configured = deferred();
      await server.runEventLoop((s) => {
        try {
          s.writePkg(Buffer.from('too early'));
        } catch (err) {
          refused = err;
        }
        s.setPkgHandler(codec);
        configured.resolve();
      });
      peers.push(await rawConnect(server.address.port));
      await within(configured.promise, 5000, 'newSession ran');
      assert.ok(isRpcError(refused, ErrorCode.INVALID_ARGUMENT), `got ${String(refused)}`);
      assert.match((refused as Error).message, /setPkgHandler/);
    });
  });

  describe('high-water mark', () => {
    it('writePkg returns true up to the mark, false past it, counting this turn’s frames', async () => {
      const { session } = await open((s) => void s.setWriteHighWaterMark(100));
      const body46 = Buffer.alloc(46, 1); // 50 bytes with its header
      assert.equal(session.writePkg(body46), true, '50 of 100');
      assert.equal(session.writePkg(body46), true, '100 of 100');
      assert.equal(session.writeBytes(Buffer.alloc(0)), true, 'an empty write at the mark');
      assert.equal(session.writePkg(Buffer.alloc(0)), false, '104 of 100');
      assert.equal(session.writeBytes(Buffer.alloc(0)), false, 'an empty write past the mark');
    });

    it('writeBytes returns true up to the mark, false past it', async () => {
      const { session } = await open((s) => void s.setWriteHighWaterMark(100));
      assert.equal(session.writeBytes(Buffer.alloc(50)), true, '50 of 100');
      assert.equal(session.writeBytes(Buffer.alloc(50)), true, '100 of 100');
      assert.equal(session.writeBytes(Buffer.alloc(1)), false, '101 of 100');
    });

    it('counts what earlier flushes left in the socket until it drains', async () => {
      const { peer, session, tcp } = await open((s) => void s.setWriteHighWaterMark(1024 * 1024));
      peer.pause();
      session.writeBytes(Buffer.alloc(STUCK_BYTES));
      await nextTurn();
      assert.ok(session.bufferedBytes > 1024 * 1024, `the peer left ${session.bufferedBytes} bytes queued`);
      assert.equal(session.writePkg(Buffer.from('behind the backlog')), false);
      const drained = once(tcp.socket, 'drain');
      peer.resume();
      await within(drained, 20_000, 'socket drain');
      assert.equal(session.writePkg(Buffer.from('after the drain')), true);
    });

    it('counts the bytes a deflate session’s compressor still holds', async () => {
      const { session } = await open((s) => void s.setCompressType(CompressType.Zip).setWriteHighWaterMark(1000));
      session.writeBytes(Buffer.alloc(900, 3));
      // After the end-of-turn flush handed the 900 bytes to zlib, before zlib answers (a later phase).
      await new Promise((resolve) => process.nextTick(resolve));
      assert.equal(session.writeBytes(Buffer.alloc(200, 3)), false);
    });
  });

  describe('when bytes leave', () => {
    it('writes early in the turn once queued bytes reach the flush threshold exactly', async () => {
      const { session, tcp } = await open((s) => void s.setFlushThresholdBytes(1000));
      session.writeBytes(Buffer.alloc(999));
      assert.equal(tcp.socket.bytesWritten, 0, 'below the threshold nothing is written yet');
      session.writeBytes(Buffer.alloc(1));
      assert.equal(tcp.socket.bytesWritten, 1000, 'at the threshold the batch is written at once');
    });

    it('closes with WRITE_TIMEOUT when one flush leaves bytes a peer never takes', async () => {
      const { peer, session, errors, closed } = await open((s) => void s.setWriteTimeout(100).setFlushThresholdBytes(0));
      peer.pause();
      session.writeBytes(Buffer.alloc(STUCK_BYTES));
      await within(closed, 10_000, 'closed by the write timeout');
      assert.equal(errors.length, 1);
      assert.ok(isRpcError(errors[0], ErrorCode.WRITE_TIMEOUT), `got ${String(errors[0])}`);
    });

    it('a snappy session sends nothing for writes that carry no bytes, nor for a close with nothing queued', async () => {
      const refuse = new Error('cannot encode');
      const picky: ReadWriter<Buffer> = {
        read: (s, buf) => codec.read(s, buf),
        write: (s, pkg) => codec.write(s, pkg),
        encodedLength: (s, pkg) => codec.encodedLength(s, pkg),
        writeInto: () => {
          throw refuse;
        },
      };
      const { peer, session } = await open((s) => void s.setCompressType(CompressType.Snappy), picky);
      const got = readAll(peer);
      assert.equal(session.writeBytes(Buffer.alloc(0)), true);
      await nextTurn();
      assert.throws(() => session.writePkg(Buffer.from('never sent')), (err) => isRpcError(err, ErrorCode.BAD_PACKAGE));
      await nextTurn();
      session.close();
      const { bytes, error } = await within(got, 5000, 'peer closed');
      assert.equal(error, undefined);
      assert.equal(bytes.length, 0, `the peer got ${bytes.toString('hex')}`);
    });
  });

  describe('close', () => {
    it('close() right after writes of the same turn sends them all, then FIN', async () => {
      const { peer, session } = await open();
      const got = readAll(peer);
      const sent = Array.from({ length: 50 }, (_, i) => `frame ${i}`);
      for (const body of sent) session.writePkg(Buffer.from(body));
      session.close();
      const { bytes, error } = await within(got, 5000, 'peer closed');
      assert.equal(error, undefined);
      assert.deepEqual(bodies(bytes), sent);
    });

    it('a deflate session closed right after writes sends them all compressed, then FIN', async () => {
      const { peer, session } = await open((s) => void s.setCompressType(CompressType.Zip));
      const got = readAll(peer);
      const sent = Array.from({ length: 50 }, (_, i) => `compressed frame ${i}`);
      for (const body of sent) session.writePkg(Buffer.from(body));
      session.close();
      const { bytes, error } = await within(got, 5000, 'peer closed');
      assert.equal(error, undefined);
      assert.deepEqual(bodies(zlib.inflateRawSync(bytes, { finishFlush: zlib.constants.Z_SYNC_FLUSH })), sent);
    });

    it('an aborted session holds no buffered bytes and sends nothing it had queued', async () => {
      const { peer, session } = await open();
      const got = readAll(peer);
      session.writePkg(Buffer.from('queued'));
      assert.ok(session.bufferedBytes > 0);
      session.close(new RpcError(ErrorCode.SERVER_ERROR, 'abort'));
      assert.equal(session.bufferedBytes, 0);
      assert.equal((await within(got, 5000, 'peer closed')).bytes.length, 0);
    });

    it('a session paused for backpressure takes the peer’s bytes after close(), so the peer finishes cleanly', async () => {
      const first = deferred();
      const { peer, session } = await open((s) => void s.setMaxInflight(1), codec, {
        // Never settles: the session stays at maxInflight and pauses reading.
        onMessage: () => {
          first.resolve();
          return new Promise<void>(() => {});
        },
      });
      peer.write(Buffer.concat([codec.encode(Buffer.from('one')), codec.encode(Buffer.from('two'))]));
      await within(first.promise, 5000, 'first message');
      // More than the kernel buffers of both ends hold: the peer finishes only if the session reads.
      const written = deferred<Error | null | undefined>();
      peer.write(Buffer.alloc(48 * 1024 * 1024), (err) => written.resolve(err));
      peer.end();
      const got = readAll(peer);
      session.close();
      assert.equal(await within(written.promise, 20_000, 'peer write done'), null);
      assert.equal((await within(got, 20_000, 'peer closed')).error, undefined);
    });

    it('a session that closes itself while it resumes from backpressure still takes the peer’s bytes', async () => {
      const first = deferred<() => void>();
      const { peer, closed } = await open((s) => void s.setMaxInflight(1), codec, {
        onMessage: (x, pkg) => {
          if (pkg.toString() === 'one') return new Promise<void>((resolve) => first.resolve(resolve));
          // A held package decoded on resume: the session closes gracefully from inside the resume.
          x.close();
        },
      });
      peer.write(Buffer.concat([codec.encode(Buffer.from('one')), codec.encode(Buffer.from('two'))]));
      const settleFirst = await within(first.promise, 5000, 'first message');
      const written = deferred<Error | null | undefined>();
      peer.write(Buffer.alloc(48 * 1024 * 1024), (err) => written.resolve(err));
      peer.end();
      const got = readAll(peer);
      settleFirst();
      await within(closed, 5000, 'session closed');
      assert.equal(await within(written.promise, 20_000, 'peer write done'), null);
      assert.equal((await within(got, 20_000, 'peer closed')).error, undefined);
    });

    it('closes a session whose socket is destroyed underneath, once and without an error', async () => {
      let closes = 0;
      const { tcp, session, errors, closed } = await open((s) => void s.onClosed(() => closes++));
      tcp.socket.destroy();
      await within(closed, 5000, 'onClose');
      assert.equal(session.closed, true);
      assert.equal(session.closeReason, undefined);
      assert.deepEqual(errors, []);
      assert.equal(closes, 1);
    });

    it('closes with NETWORK carrying the socket error when the peer resets the connection', async () => {
      const { peer, errors, closed } = await open();
      peer.resetAndDestroy();
      await within(closed, 5000, 'onClose');
      assert.equal(errors.length, 1);
      const err = errors[0]!;
      assert.ok(isRpcError(err, ErrorCode.NETWORK), `got ${String(err)}`);
      assert.ok(err.cause instanceof Error && (err.cause as NodeJS.ErrnoException).code === 'ECONNRESET', `cause ${String(err.cause)}`);
      assert.ok(err.message.includes((err.cause as Error).message), err.message);
    });

    it('a deflate session whose socket goes away while it flushes leaves no linger timer behind', async () => {
      const wheel = new TimerWheel({ tickMs: 5 });
      const { session, tcp } = await open((s) => void s.setCompressType(CompressType.Zip), codec, {}, wheel);
      // Incompressible bytes keep zlib busy well past the socket's close.
      session.writeBytes(randomBytes(8 * 1024 * 1024));
      session.close();
      tcp.socket.destroy();
      await once(tcp.socket, 'close');
      await waitFor(() => session.bufferedBytes === 0, 20_000, 'zlib took the last flush');
      await nextTurn();
      assert.equal(wheel.size, 0);
      wheel.clear();
    });

    it('server.close({ lingerMs: 0 }) drops at once what a stalled peer has not taken', async () => {
      const { server, peer, session } = await open();
      peer.pause();
      const got = readAll(peer);
      session.writeBytes(Buffer.alloc(STUCK_BYTES, 7));
      await nextTurn();
      const serverClosed = server.close({ lingerMs: 0 });
      peer.resume();
      const { bytes } = await within(got, 20_000, 'peer closed');
      await within(serverClosed, 5000, 'server closed');
      assert.ok(bytes.length < STUCK_BYTES, `the peer got all ${bytes.length} bytes`);
    });

    it('server.close({ lingerMs: 0 }) closes a deflate session still flushing its compressor', async () => {
      const { server, peer, closed } = await open((s) => void s.setCompressType(CompressType.Zip));
      const got = readAll(peer);
      await within(server.close({ lingerMs: 0 }), 5000, 'server closed');
      await within(closed, 5000, 'session closed');
      await within(got, 5000, 'peer closed');
    });
  });

  describe('slab reservations', () => {
    const slab = sharedWriteSlab();
    /** A body whose frame fills `SLAB_FRAME_LIMIT_BYTES`, every byte `tag` (an ASCII letter). */
    const fullFrame = (tag: number): Buffer => Buffer.alloc(SLAB_FRAME_LIMIT_BYTES - 4, String.fromCharCode(97 + (tag % 26)));

    /** A handler whose writeInto, for the packages in `refused`, runs `meanwhile` and then throws. */
    function refusing(refused: Set<Buffer>, meanwhile: () => void = () => {}): ReadWriter<Buffer> {
      return {
        read: (s, buf) => codec.read(s, buf),
        write: (s, pkg) => codec.write(s, pkg),
        encodedLength: (s, pkg) => codec.encodedLength(s, pkg),
        writeInto: (s, pkg, target, offset) => {
          if (refused.has(pkg)) {
            meanwhile();
            throw new Error('refused');
          }
          codec.writeInto(s, pkg, target, offset);
        },
      };
    }

    it('gives the slab bytes of a frame whose writeInto threw back to the slab', async () => {
      const boom = Buffer.from('boom');
      const { session } = await open(() => {}, refusing(new Set([boom])));
      // A full frame that does not fit starts a fresh slab, so what follows stays in one slab.
      if (!slab.fits(1024)) session.writePkg(fullFrame(0));
      session.writePkg(Buffer.from('before'));
      const [buf, pos] = [slab.buf, slab.pos];
      assert.throws(() => session.writePkg(boom), (err) => isRpcError(err, ErrorCode.BAD_PACKAGE));
      assert.equal(slab.buf, buf);
      assert.equal(slab.pos, pos);
    });

    it('keeps another session’s frame intact when a writeInto wrote on it and then threw', async () => {
      const boom = Buffer.from('boom');
      let other: Session<Buffer> | undefined;
      const a = await open(() => {}, refusing(new Set([boom]), () => other!.writePkg(Buffer.from('written from inside writeInto'))));
      const b = await open();
      other = b.session;
      const [gotA, gotB] = [readAll(a.peer), readAll(b.peer)];
      const sentB: string[] = [];
      if (!slab.fits(1024)) {
        b.session.writePkg(fullFrame(0));
        sentB.push(fullFrame(0).toString());
      }
      assert.throws(() => a.session.writePkg(boom), (err) => isRpcError(err, ErrorCode.BAD_PACKAGE));
      sentB.push('written from inside writeInto');
      // Longer than the refused frame: it would cover the other session's frame if the refused bytes were reused.
      const after = Buffer.alloc(2000, 'x');
      a.session.writePkg(after);
      a.session.close();
      b.session.close();
      assert.deepEqual(bodies((await within(gotB, 5000, 'other peer')).bytes), sentB);
      assert.deepEqual(bodies((await within(gotA, 5000, 'writer peer')).bytes), [after.toString()]);
    });

    it('keeps another session’s frames intact when a writeInto filled the slab on it and then threw', async () => {
      const boom = fullFrame(25);
      let other: Session<Buffer> | undefined;
      const sentB: string[] = [];
      const writeOther = (tag: number) => {
        other!.writePkg(fullFrame(tag));
        sentB.push(fullFrame(tag).toString());
      };
      // Fills the refused frame's slab, then starts the next one with a frame as long as the refused one.
      const fillSlab = () => {
        for (let i = 0; i < SLAB_BYTES / SLAB_FRAME_LIMIT_BYTES; i++) writeOther(i + 1);
      };
      const a = await open(() => {}, refusing(new Set([boom]), fillSlab));
      const b = await open();
      other = b.session;
      const [gotA, gotB] = [readAll(a.peer), readAll(b.peer)];
      // Leave less room than one full frame, so the refused frame opens a fresh slab at offset 0.
      while (slab.fits(SLAB_FRAME_LIMIT_BYTES)) writeOther(0);
      assert.throws(() => a.session.writePkg(boom), (err) => isRpcError(err, ErrorCode.BAD_PACKAGE));
      const after = Buffer.alloc(100, 'y');
      a.session.writePkg(after);
      a.session.close();
      b.session.close();
      assert.deepEqual(bodies((await within(gotB, 5000, 'other peer')).bytes), sentB);
      assert.deepEqual(bodies((await within(gotA, 5000, 'writer peer')).bytes), [after.toString()]);
    });
  });

  describe('read-path failures end the session with a typed error', () => {
    it('a reader that returns nothing closes that session with an RpcError', async () => {
      const broken: ReadWriter<Buffer> = {
        read: () => undefined as unknown as { len: number },
        write: (s, pkg) => codec.write(s, pkg),
      };
      const { peer, session, errors, closed } = await open(() => {}, broken);
      peer.write(codec.encode(Buffer.from('x')));
      await within(closed, 5000, 'session closed');
      assert.equal(session.closed, true);
      assert.equal(errors.length, 1);
      assert.ok(errors[0] instanceof RpcError);
    });

    it('a peer FIN inside a frame closes with BAD_PACKAGE; a frame over maxMsgLen with MSG_TOO_LONG naming both lengths', async () => {
      const partial = await open();
      partial.peer.end(codec.encode(Buffer.alloc(10)).subarray(0, 8));
      await within(partial.closed, 5000, 'partial frame');
      assert.equal(partial.errors.length, 1);
      assert.ok(isRpcError(partial.errors[0], ErrorCode.BAD_PACKAGE), `got ${String(partial.errors[0])}`);

      const long = await open((s) => void s.setMaxMsgLen(100));
      long.peer.write(codec.encode(Buffer.alloc(1000)));
      await within(long.closed, 5000, 'long frame');
      const err = long.errors[0];
      assert.ok(isRpcError(err, ErrorCode.MSG_TOO_LONG), `got ${String(err)}`);
      assert.match(err.message, /1004/);
      assert.match(err.message, /\b100\b/);
    });
  });
});
