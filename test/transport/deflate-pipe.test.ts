/**
 * Deflate compression (getty's flate CompressTypes): what each type puts on
 * the wire, how the inflating side hands bytes on, pauses, ends and fails,
 * and what a compressing TCP session does with it.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';
import { ErrorCode } from '../../common/rpc-error.js';
import { CompressType } from '../../transport/compress-type.js';
import { DeflatePipe } from '../../transport/deflate-pipe.js';
import { compressedEchoServer, goodAndBadPeers, recordingSink } from './compression-peers.js';
import { codec, deferred, rawConnect, within } from './helpers.js';

/** Words from a small vocabulary: long-range repeats that each level finds to a different degree. */
function prose(bytes: number): Buffer {
  const words = ['getty', 'session', 'frame', 'deflate', 'snappy', 'codec', 'buffer', 'socket', 'stream', 'level'];
  let seed = 7;
  const out: string[] = [];
  let length = 0;
  while (length <= bytes) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const word = words[seed % words.length]!;
    out.push(word);
    length += word.length + 1;
  }
  return Buffer.from(out.join(' ').slice(0, bytes));
}

/** What one encode() of `plain` yields once flushed. */
async function encoded(type: CompressType, plain: Buffer): Promise<Buffer> {
  const sink = recordingSink();
  const pipe = new DeflatePipe(sink, type);
  pipe.encode(plain);
  const flushed = deferred();
  pipe.flushed(() => flushed.resolve());
  await within(flushed.promise, 5000, 'flushed');
  pipe.destroy();
  return Buffer.concat(sink.encoded);
}

/** The same bytes from zlib directly: one write, then a sync flush. */
async function reference(options: zlib.ZlibOptions, plain: Buffer): Promise<Buffer> {
  const deflate = zlib.createDeflateRaw(options);
  const parts: Buffer[] = [];
  deflate.on('data', (buf: Buffer) => void parts.push(buf));
  deflate.write(plain);
  await new Promise<void>((resolve) => deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()));
  deflate.destroy();
  return Buffer.concat(parts);
}

function inflate(wire: Buffer): Buffer {
  return zlib.inflateRawSync(wire, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
}

describe('DeflatePipe', () => {
  it('writes what zlib writes for each CompressType, and the types differ where their options do', async () => {
    const plain = prose(64 * 1024);
    const cases = [
      [CompressType.Zip, { level: zlib.constants.Z_DEFAULT_COMPRESSION }],
      [CompressType.BestSpeed, { level: 1 }],
      [CompressType.BestCompression, { level: 9 }],
      [CompressType.Huffman, { strategy: zlib.constants.Z_HUFFMAN_ONLY }],
    ] as const;
    const sizes = new Map<CompressType, number>();
    for (const [type, options] of cases) {
      const wire = await encoded(type, plain);
      assert.deepEqual(wire, await reference(options, plain), `type ${type} matches zlib with ${JSON.stringify(options)}`);
      assert.deepEqual(inflate(wire), plain, `type ${type} inflates to the input`);
      sizes.set(type, wire.length);
    }
    // Huffman-only codes single bytes: no repeat is found, so it compresses least.
    assert.ok(sizes.get(CompressType.Huffman)! > sizes.get(CompressType.BestSpeed)!, `sizes ${[...sizes]}`);
    assert.ok(sizes.get(CompressType.BestSpeed)! > sizes.get(CompressType.BestCompression)!, `sizes ${[...sizes]}`);
    assert.ok(sizes.get(CompressType.Zip)! < sizes.get(CompressType.BestSpeed)!, `sizes ${[...sizes]}`);
  });

  it('counts the plain bytes the deflater still holds, once each, and none after the flush', async () => {
    const sink = recordingSink();
    const pipe = new DeflatePipe(sink, CompressType.BestSpeed);
    const first = Buffer.alloc(1 << 20, 7);
    const second = prose(100_000);
    pipe.encode(first);
    assert.equal(pipe.pendingBytes, first.length);
    pipe.encode(second);
    assert.equal(pipe.pendingBytes, first.length + second.length);
    const flushed = deferred();
    pipe.flushed(() => flushed.resolve());
    await within(flushed.promise, 5000, 'flushed');
    assert.equal(pipe.pendingBytes, 0);
    assert.deepEqual(inflate(Buffer.concat(sink.encoded)), Buffer.concat([first, second]));
    pipe.destroy();
  });

  it('hands on every inflated byte before end() calls back', async () => {
    const plain = prose(300_000);
    const sink = recordingSink();
    const pipe = new DeflatePipe(sink, CompressType.Zip);
    pipe.decode(zlib.deflateRawSync(plain));
    const ended = deferred();
    pipe.end(() => {
      assert.equal(sink.plain().length, plain.length, 'all bytes came before end');
      ended.resolve();
    });
    await within(ended.promise, 5000, 'end called back');
    assert.deepEqual(sink.plain(), plain);
    pipe.destroy();
  });

  it('stops handing on inflated bytes while paused and starts again on resume', async () => {
    const wire = zlib.deflateRawSync(prose(50_000), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    const paused = recordingSink();
    const pipe = new DeflatePipe(paused, CompressType.Zip);
    pipe.pause();
    pipe.decode(wire);
    // A second pipe fed the same bytes afterwards: once it is done, the paused one had the time too.
    const control = recordingSink();
    const controlPipe = new DeflatePipe(control, CompressType.Zip);
    controlPipe.decode(wire);
    await within(control.decodedBytes(50_000), 5000, 'control inflated');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(paused.decoded.length, 0, 'nothing handed on while paused');
    pipe.resume();
    await within(paused.decodedBytes(50_000), 5000, 'delivered after resume');
    assert.deepEqual(paused.plain(), control.plain());
    pipe.destroy();
    controlPipe.destroy();
  });

  it('after destroy() neither compresses nor inflates', async () => {
    const sink = recordingSink();
    const pipe = new DeflatePipe(sink, CompressType.Zip);
    pipe.destroy();
    pipe.encode(Buffer.from('after destroy'));
    pipe.decode(zlib.deflateRawSync(Buffer.from('after destroy'), { finishFlush: zlib.constants.Z_SYNC_FLUSH }));
    const control = recordingSink();
    const controlPipe = new DeflatePipe(control, CompressType.Zip);
    controlPipe.decode(zlib.deflateRawSync(Buffer.from('after destroy'), { finishFlush: zlib.constants.Z_SYNC_FLUSH }));
    await within(control.decodedBytes(13), 5000, 'control inflated');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual([sink.encoded.length, sink.decoded.length, sink.errors.length], [0, 0, 0]);
    controlPipe.destroy();
  });

  it('reports a corrupt stream as BAD_PACKAGE carrying zlib’s error', async () => {
    const sink = recordingSink();
    const pipe = new DeflatePipe(sink, CompressType.Zip);
    pipe.decode(Buffer.from([0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa]));
    const err = await within(sink.failed, 5000, 'pipe error');
    assert.equal(err.code, ErrorCode.BAD_PACKAGE);
    assert.equal(err.message, 'corrupt deflate stream');
    assert.equal((err.cause as { code?: string }).code, 'Z_DATA_ERROR');
    pipe.destroy();
  });
});

describe('TCP sessions with deflate', () => {
  for (const type of [CompressType.Zip, CompressType.BestSpeed, CompressType.BestCompression, CompressType.Huffman]) {
    it(`type ${type}: a peer with plain zlib talks to the session both ways`, async (t) => {
      const { server } = await compressedEchoServer(type);
      t.after(() => server.close());
      const socket = await rawConnect(server.address.port);
      t.after(() => socket.destroy());
      const body = prose(5000);
      const inflater = zlib.createInflateRaw();
      const received: Buffer[] = [];
      const echoed = deferred<Buffer>();
      inflater.on('data', (buf: Buffer) => {
        received.push(buf);
        const all = Buffer.concat(received);
        if (all.length >= 4 + body.length) echoed.resolve(all);
      });
      socket.on('data', (chunk: Buffer) => void inflater.write(chunk));
      socket.write(zlib.deflateRawSync(codec.encode(body), { finishFlush: zlib.constants.Z_SYNC_FLUSH }));
      assert.deepEqual(await within(echoed.promise, 5000, 'echo'), codec.encode(body));
      inflater.destroy();
    });
  }

  it('a corrupt stream closes that session with BAD_PACKAGE; another session keeps working', async (t) => {
    const { server, closed } = await compressedEchoServer(CompressType.Zip);
    t.after(() => server.close());
    const { good, bad } = await goodAndBadPeers(t, server.address.port);
    bad.write(Buffer.from([0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa, 0xf9, 0xf8]));
    const badSession = await within(closed[1]!, 5000, 'corrupt session closed');
    assert.equal(badSession.closeReason?.code, ErrorCode.BAD_PACKAGE);
    assert.equal(badSession.closeReason?.message, 'corrupt deflate stream');
    const inflater = zlib.createInflateRaw();
    const echoed = deferred<Buffer>();
    inflater.on('data', (buf: Buffer) => echoed.resolve(buf));
    good.on('data', (chunk: Buffer) => void inflater.write(chunk));
    good.write(zlib.deflateRawSync(codec.encode(Buffer.from('still here')), { finishFlush: zlib.constants.Z_SYNC_FLUSH }));
    assert.deepEqual(await within(echoed.promise, 5000, 'echo on the good session'), codec.encode(Buffer.from('still here')));
    inflater.destroy();
  });

  it('a peer that sends its frames and FIN is answered for every frame before the session closes cleanly', async (t) => {
    const { server, closed } = await compressedEchoServer(CompressType.BestSpeed);
    t.after(() => server.close());
    const socket = await rawConnect(server.address.port);
    t.after(() => socket.destroy());
    const bodies = Array.from({ length: 50 }, (_, i) => prose(2000 + i));
    const wire = Buffer.concat(bodies.map((b) => codec.encode(b)));
    const received: Buffer[] = [];
    const inflater = zlib.createInflateRaw();
    inflater.on('data', (buf: Buffer) => void received.push(buf));
    socket.on('data', (chunk: Buffer) => void inflater.write(chunk));
    const ended = once(socket, 'end');
    socket.end(zlib.deflateRawSync(wire));
    const session = await within(closed[0]!, 5000, 'session closed');
    assert.equal(session.closeReason, undefined, 'closed cleanly');
    await within(ended, 5000, 'server FIN');
    const flushed = deferred();
    inflater.flush(zlib.constants.Z_SYNC_FLUSH, () => flushed.resolve());
    await within(flushed.promise, 5000, 'inflated');
    assert.deepEqual(Buffer.concat(received), wire);
    inflater.destroy();
  });
});
