/**
 * Snappy compression (getty's CompressSnappy): the snappy framing format as
 * golang/snappy's Reader and Writer speak it, checked against a reference
 * reader and writer written from the format description; what is refused
 * and when; pausing, ending and destroying the decoding side; and what a
 * compressing TCP session does with it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import type snappyModule from 'snappy';
import { ErrorCode, type RpcError } from '../../common/rpc-error.js';
import { CompressType } from '../../transport/compress-type.js';
import { SnappyPipe } from '../../transport/snappy-pipe.js';
import { chunk, compressedEchoServer, dataChunk, goodAndBadPeers, parseChunks, type RecordingSink, recordingSink, refCrc32c, refMaskedCrc, STREAM_ID_CHUNK } from './compression-peers.js';
import { codec, deferred, rawConnect, within } from './helpers.js';

const snappy = createRequire(import.meta.url)('snappy') as typeof snappyModule;
const pack = (plain: Buffer) => snappy.compressSync(plain);

/** A pipe fed `stream` in pieces of `piece` bytes. */
function decoded(stream: Buffer, piece = stream.length): RecordingSink {
  const sink = recordingSink();
  const pipe = new SnappyPipe(sink);
  for (let at = 0; at < stream.length; at += piece) pipe.decode(stream.subarray(at, at + piece));
  return sink;
}

function refusal(stream: Buffer): RpcError {
  const sink = decoded(stream);
  assert.equal(sink.errors.length, 1, 'one error');
  assert.equal(sink.decoded.length, 0, 'nothing decoded');
  assert.equal(sink.errors[0]!.code, ErrorCode.BAD_PACKAGE);
  return sink.errors[0]!;
}

/** A chunk header alone: type and a 3-byte little-endian length, no body. */
function header(type: number, size: number): Buffer {
  return Buffer.from([type, size & 0xff, (size >> 8) & 0xff, size >> 16]);
}

describe('the reference framing helpers', () => {
  it('compute CRC-32C as published (RFC 3720 B.4, the "123456789" check value)', () => {
    assert.equal(refCrc32c(Buffer.from('123456789')), 0xe3069283);
    assert.equal(refCrc32c(Buffer.alloc(32, 0)), 0x8a9136aa);
  });
});

describe('SnappyPipe encoding', () => {
  it('opens the stream with the stream identifier once, then one chunk per flush with the plain bytes’ masked CRC', () => {
    const sink = recordingSink();
    const pipe = new SnappyPipe(sink);
    const repetitive = Buffer.alloc(5000, 'getty snappy ');
    const noise = randomBytes(3000);
    pipe.encode(repetitive);
    pipe.encode(noise);
    assert.equal(pipe.pendingBytes, 0, 'compression is synchronous: nothing waits in the pipe');
    assert.equal(sink.encoded.length, 2, 'one onEncoded per encode');
    assert.deepEqual(sink.encoded[0]!.subarray(0, STREAM_ID_CHUNK.length), STREAM_ID_CHUNK);
    const chunks = parseChunks(Buffer.concat(sink.encoded));
    assert.deepEqual(
      chunks.map((c) => c.type),
      [0xff, 0x00, 0x01],
      'identifier, a compressed chunk for repeats, a stored one for noise',
    );
    assert.equal(chunks[1]!.body.readUInt32LE(0), refMaskedCrc(repetitive));
    assert.deepEqual(snappy.uncompressSync(chunks[1]!.body.subarray(4), { asBuffer: true }), repetitive);
    assert.ok(chunks[1]!.body.length < 500, `compressed to ${chunks[1]!.body.length} bytes`);
    assert.equal(chunks[2]!.body.readUInt32LE(0), refMaskedCrc(noise));
    assert.deepEqual(chunks[2]!.body.subarray(4), noise);
  });

  it('splits a flush into chunks of at most 64 KiB plain bytes', () => {
    const sink = recordingSink();
    const plain = randomBytes(3 * 65536 + 100);
    new SnappyPipe(sink).encode(plain);
    const chunks = parseChunks(sink.encoded[0]!).slice(1);
    assert.deepEqual(
      chunks.map((c) => c.body.length - 4),
      [65536, 65536, 65536, 100],
    );
    assert.deepEqual(Buffer.concat(chunks.map((c) => c.body.subarray(4))), plain);
    const exact = recordingSink();
    new SnappyPipe(exact).encode(randomBytes(2 * 65536));
    assert.equal(parseChunks(exact.encoded[0]!).length, 1 + 2, 'two full chunks, no empty third');
  });
});

describe('SnappyPipe decoding', () => {
  const one = Buffer.alloc(20_000, 'first chunk, compressed. ');
  const two = Buffer.from('second chunk, stored');
  const three = Buffer.alloc(70_000, 'third ');
  const stream = Buffer.concat([
    STREAM_ID_CHUNK,
    dataChunk(one, pack(one)),
    dataChunk(two),
    chunk(0xfe, Buffer.alloc(100)),
    chunk(0x80, Buffer.alloc(70_000, 0x55)),
    chunk(0xfd, Buffer.alloc(3)),
    STREAM_ID_CHUNK,
    dataChunk(three.subarray(0, 65536), pack(three.subarray(0, 65536))),
    dataChunk(three.subarray(65536)),
  ]);
  const plain = Buffer.concat([one, two, three]);

  it('reads compressed and stored chunks and skips padding, skippable chunks and repeated identifiers', () => {
    for (const piece of [stream.length, 4096, 1000, 7, 1]) {
      const sink = decoded(stream, piece);
      assert.deepEqual(sink.errors, [], `pieces of ${piece}`);
      assert.ok(sink.plain().equals(plain), `pieces of ${piece}: the plain bytes`);
    }
  });

  it('reads a stream cut inside a chunk header and inside a chunk body', () => {
    const cut = STREAM_ID_CHUNK.length + 2;
    const sink = recordingSink();
    const pipe = new SnappyPipe(sink);
    pipe.decode(stream.subarray(0, cut));
    assert.equal(sink.decoded.length, 0, 'a partial header is held');
    pipe.decode(stream.subarray(cut, cut + 30));
    assert.equal(sink.decoded.length, 0, 'a partial chunk is held');
    pipe.decode(stream.subarray(cut + 30));
    assert.ok(sink.plain().equals(plain));
  });

  it('refuses a stream that does not open with the stream identifier', () => {
    assert.match(refusal(dataChunk(two)).message, /does not start with the stream identifier/);
  });

  it('refuses a stream identifier of the wrong size or content', () => {
    assert.match(refusal(chunk(0xff, Buffer.from('sNaPpYx'))).message, /stream identifier of 7 bytes/);
    assert.match(refusal(chunk(0xff, Buffer.from('SnAppy'))).message, /bad snappy stream identifier/);
  });

  it('refuses reserved unskippable chunk types', () => {
    for (const type of [0x02, 0x7f]) {
      assert.match(refusal(Buffer.concat([STREAM_ID_CHUNK, chunk(type, Buffer.alloc(8))])).message, new RegExp(`chunk type ${type}`));
    }
  });

  it('refuses an oversize data chunk from its header, before its body arrives', () => {
    const compressed = refusal(Buffer.concat([STREAM_ID_CHUNK, header(0x00, 4 + 76490 + 1)]));
    assert.match(compressed.message, /compressed snappy chunk of 76495 bytes \(max 76494\)/);
    const stored = refusal(Buffer.concat([STREAM_ID_CHUNK, header(0x01, 4 + 65537)]));
    assert.match(stored.message, /uncompressed snappy chunk of 65541 bytes \(max 65540\)/);
  });

  it('accepts the largest data chunks the format allows', () => {
    const full = Buffer.alloc(65536, 'x');
    const sink = decoded(Buffer.concat([STREAM_ID_CHUNK, dataChunk(full), dataChunk(full, pack(full))]));
    assert.deepEqual(sink.errors, []);
    assert.equal(sink.plain().length, 2 * 65536);
    // The largest compressed chunk: a block that does not shrink (noise) plus its CRC, within 76494.
    const noise = randomBytes(65536);
    const packed = pack(noise);
    assert.ok(packed.length > 65536);
    assert.deepEqual(decoded(Buffer.concat([STREAM_ID_CHUNK, dataChunk(noise, packed)])).plain(), noise);
  });

  it('accepts a compressed chunk of exactly the largest size, 76 494 bytes', () => {
    // A valid block of snappy's largest compressed size for 64 KiB (76 490 bytes): a 3-byte
    // varint, one 2-byte literal (tag 0x04) and 38 242 one-byte literals (tag 0x00) of 2 bytes each.
    const plain = Buffer.alloc(38_244, 'z');
    const block = Buffer.concat([Buffer.from([0xe4, 0xaa, 0x02, 0x04, 0x7a, 0x7a]), Buffer.alloc(2 * 38_242, Buffer.from([0x00, 0x7a]))]);
    assert.equal(block.length, 76_490);
    const sink = decoded(Buffer.concat([STREAM_ID_CHUNK, dataChunk(plain, block)]));
    assert.deepEqual(sink.errors, []);
    assert.ok(sink.plain().equals(plain));
  });

  it('accepts an empty stored chunk (its CRC alone)', () => {
    const sink = decoded(Buffer.concat([STREAM_ID_CHUNK, dataChunk(Buffer.alloc(0)), dataChunk(two)]));
    assert.deepEqual(sink.errors, []);
    assert.deepEqual(sink.plain(), two);
  });

  it('refuses data chunks too short to hold their CRC', () => {
    for (const type of [0x00, 0x01]) {
      assert.match(refusal(Buffer.concat([STREAM_ID_CHUNK, chunk(type, Buffer.alloc(3))])).message, /snappy chunk of 3 bytes/);
    }
  });

  it('refuses a chunk whose CRC does not match its plain bytes', () => {
    const bad = (refMaskedCrc(two) + 1) >>> 0;
    assert.match(refusal(Buffer.concat([STREAM_ID_CHUNK, dataChunk(two, undefined, bad)])).message, /checksum mismatch/);
    const packedBad = (refMaskedCrc(one) ^ 0x100) >>> 0;
    assert.match(refusal(Buffer.concat([STREAM_ID_CHUNK, dataChunk(one, pack(one), packedBad)])).message, /checksum mismatch/);
  });

  it('refuses a compressed chunk announcing more than 64 KiB, or a malformed size, before inflating', () => {
    // varint 65537 = 0x81 0x80 0x04
    const over = refusal(Buffer.concat([STREAM_ID_CHUNK, dataChunk(Buffer.alloc(0), Buffer.from([0x81, 0x80, 0x04, 0, 0, 0]))]));
    assert.match(over.message, /announces 65537 plain bytes \(max 65536\)/);
    const malformed = refusal(Buffer.concat([STREAM_ID_CHUNK, dataChunk(Buffer.alloc(0), Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0]))]));
    assert.match(malformed.message, /announces -1 plain bytes/);
    const unterminated = refusal(Buffer.concat([STREAM_ID_CHUNK, dataChunk(Buffer.alloc(0), Buffer.from([0x80, 0x80]))]));
    assert.match(unterminated.message, /announces -1 plain bytes/);
  });

  it('reads a size varint of up to five bytes', () => {
    // 300 plain bytes announced in two bytes (0xac 0x02), and zero in a one-byte varint.
    const plain300 = Buffer.alloc(300, 'a');
    const packed = pack(plain300);
    assert.deepEqual([...packed.subarray(0, 2)], [0xac, 0x02]);
    assert.deepEqual(decoded(Buffer.concat([STREAM_ID_CHUNK, dataChunk(plain300, packed)])).plain(), plain300);
    const empty = decoded(Buffer.concat([STREAM_ID_CHUNK, dataChunk(Buffer.alloc(0), pack(Buffer.alloc(0)))]));
    assert.deepEqual(empty.errors, []);
  });

  it('reports a corrupt block as BAD_PACKAGE carrying snappy’s error', () => {
    const err = refusal(Buffer.concat([STREAM_ID_CHUNK, dataChunk(two, Buffer.from([0x14, 0xff, 0xff, 0xff, 0xff]))]));
    assert.equal(err.message, 'corrupt snappy chunk');
    assert.ok(err.cause instanceof Error, 'the snappy error is the cause');
  });

  it('reports only the first failure and decodes nothing after it', () => {
    const sink = recordingSink();
    const pipe = new SnappyPipe(sink);
    pipe.decode(Buffer.concat([STREAM_ID_CHUNK, chunk(0x02, Buffer.alloc(2)), dataChunk(two)]));
    pipe.decode(Buffer.concat([STREAM_ID_CHUNK, dataChunk(two)]));
    assert.equal(sink.errors.length, 1);
    assert.equal(sink.decoded.length, 0);
    for (const bad of [
      dataChunk(two, Buffer.from([0x14, 0xff, 0xff, 0xff, 0xff])),
      dataChunk(two, undefined, 0),
      chunk(0xff, Buffer.from('SnAppy')),
    ]) {
      const after = decoded(Buffer.concat([STREAM_ID_CHUNK, bad, dataChunk(Buffer.from('after'))]));
      assert.equal(after.errors.length, 1);
      assert.equal(after.decoded.length, 0, `nothing after ${after.errors[0]!.message}`);
    }
  });

  it('holds decoded chunks while paused, hands them on in order on resume, and ends after them', () => {
    const sink = recordingSink();
    const pipe = new SnappyPipe(sink);
    const ends: string[] = [];
    pipe.end(() => ends.push('nothing held: at once'));
    assert.deepEqual(ends, ['nothing held: at once']);
    pipe.pause();
    pipe.decode(stream);
    assert.equal(sink.decoded.length, 0, 'nothing while paused');
    pipe.end(() => ends.push(`after ${sink.plain().length} bytes`));
    assert.equal(ends.length, 1, 'end waits for the held chunks');
    pipe.resume();
    assert.ok(sink.plain().equals(plain));
    assert.deepEqual(ends, ['nothing held: at once', `after ${plain.length} bytes`]);
    pipe.resume();
    assert.equal(ends.length, 2, 'end calls back once');
  });

  it('stops handing on held chunks when the receiver pauses it again, and ends only once all are out', () => {
    const got: Buffer[] = [];
    let pipe!: SnappyPipe;
    const sink = {
      ...recordingSink(),
      onDecoded: (buf: Buffer) => {
        got.push(buf);
        pipe.pause();
      },
    };
    pipe = new SnappyPipe(sink);
    pipe.pause();
    pipe.decode(Buffer.concat([STREAM_ID_CHUNK, dataChunk(Buffer.from('a')), dataChunk(Buffer.from('b')), dataChunk(Buffer.from('c'))]));
    let ended = false;
    pipe.end(() => {
      ended = true;
    });
    pipe.resume();
    assert.deepEqual(got.map(String), ['a']);
    assert.equal(ended, false);
    pipe.resume();
    pipe.resume();
    assert.deepEqual(got.map(String), ['a', 'b', 'c']);
    assert.equal(ended, false, 'the receiver paused after the last chunk');
    pipe.resume();
    assert.equal(ended, true);
  });

  it('after destroy() drops what it held and a partial chunk', () => {
    const sink = recordingSink();
    const pipe = new SnappyPipe(sink);
    pipe.pause();
    pipe.decode(Buffer.concat([STREAM_ID_CHUNK, dataChunk(Buffer.from('held'))]));
    pipe.destroy();
    pipe.resume();
    assert.equal(sink.decoded.length, 0, 'held chunks dropped');
    const partial = dataChunk(Buffer.from('partial'));
    pipe.decode(partial.subarray(0, 6));
    pipe.destroy();
    pipe.decode(dataChunk(Buffer.from('whole')));
    assert.deepEqual(sink.errors, []);
    assert.deepEqual(sink.decoded.map(String), ['whole'], 'the partial chunk is not glued to the next');
  });

  it('after destroy() stops skipping the rest of a skippable chunk', () => {
    const sink = recordingSink();
    const pipe = new SnappyPipe(sink);
    pipe.decode(Buffer.concat([STREAM_ID_CHUNK, header(0x80, 1000)]));
    pipe.destroy();
    pipe.decode(dataChunk(Buffer.from('next')));
    assert.deepEqual(sink.decoded.map(String), ['next']);
  });
});

describe('TCP sessions with snappy', () => {
  it('a peer speaking the framing format talks to the session both ways', async (t) => {
    const { server } = await compressedEchoServer(CompressType.Snappy);
    t.after(() => server.close());
    const socket = await rawConnect(server.address.port);
    t.after(() => socket.destroy());
    const body = Buffer.alloc(10_000, 'echo me ');
    const frame = codec.encode(body);
    const received: Buffer[] = [];
    const got = deferred<Buffer>();
    socket.on('data', (buf: Buffer) => {
      received.push(buf);
      try {
        const chunks = parseChunks(Buffer.concat(received));
        if (chunks.length >= 2) got.resolve(Buffer.concat(received));
      } catch {
        // inside a chunk: wait for more
      }
    });
    socket.write(Buffer.concat([STREAM_ID_CHUNK, dataChunk(frame, pack(frame))]));
    const chunks = parseChunks(await within(got.promise, 5000, 'echo'));
    assert.deepEqual(chunks[0], { type: 0xff, body: Buffer.from('sNaPpY') });
    assert.equal(chunks[1]!.type, 0x00);
    assert.equal(chunks[1]!.body.readUInt32LE(0), refMaskedCrc(frame));
    assert.deepEqual(snappy.uncompressSync(chunks[1]!.body.subarray(4), { asBuffer: true }), frame);
  });

  it('a corrupt stream closes that session with BAD_PACKAGE; another session keeps working', async (t) => {
    const { server, closed } = await compressedEchoServer(CompressType.Snappy);
    t.after(() => server.close());
    const { good, bad } = await goodAndBadPeers(t, server.address.port);
    bad.write(Buffer.concat([STREAM_ID_CHUNK, dataChunk(two(), undefined, 0)]));
    const badSession = await within(closed[1]!, 5000, 'corrupt session closed');
    assert.equal(badSession.closeReason?.code, ErrorCode.BAD_PACKAGE);
    assert.match(badSession.closeReason!.message, /checksum mismatch/);
    const echoed = deferred<Buffer>();
    const received: Buffer[] = [];
    good.on('data', (buf: Buffer) => {
      received.push(buf);
      const all = Buffer.concat(received);
      if (all.length >= STREAM_ID_CHUNK.length + 8 + 4 + 10) echoed.resolve(all);
    });
    good.write(Buffer.concat([STREAM_ID_CHUNK, dataChunk(codec.encode(Buffer.from('still here')))]));
    const chunks = parseChunks(await within(echoed.promise, 5000, 'echo on the good session'));
    assert.deepEqual(chunks[1]!.body.subarray(4), codec.encode(Buffer.from('still here')));
  });
});

function two(): Buffer {
  return Buffer.from('not what the CRC says');
}
