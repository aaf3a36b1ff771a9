/**
 * Snappy on a TCP session (getty's CompressSnappy: dubbo-getty `connection.go`
 * wraps the socket in golang/snappy's framing Reader and BufferedWriter), so
 * the wire is the snappy framing format (google/snappy, framing_format.txt):
 * a stream identifier, then chunks of a type byte and a 3-byte little-endian
 * length. Each session flush becomes one or more data chunks of at most
 * 64 KiB plain bytes, compressed or stored, each with the masked CRC-32C of
 * its plain bytes. The reader checks a chunk's length before gathering it
 * and a compressed chunk's announced plain size before inflating it; padding
 * and reserved skippable chunks are dropped as they arrive, never gathered.
 */
import { createRequire } from 'node:module';
import type snappyModule from 'snappy';
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import { maskedCrc32c } from './crc32c.js';
import type { StreamPipe, StreamPipeSink } from './stream-pipe.js';

const HEADER_BYTES = 4;
const CRC_BYTES = 4;
/** Largest plain payload of one data chunk (framing_format.txt, sections 4.2 and 4.3). */
const MAX_PLAIN_BYTES = 65536;
/** snappy's MaxCompressedLength(65536) = 32 + n + n/6: the largest valid compressed block. */
const MAX_COMPRESSED_BYTES = 32 + MAX_PLAIN_BYTES + Math.floor(MAX_PLAIN_BYTES / 6);

const COMPRESSED = 0x00;
const UNCOMPRESSED = 0x01;
const LAST_UNSKIPPABLE = 0x7f;
const STREAM_IDENTIFIER = 0xff;
const MAGIC = Buffer.from('sNaPpY', 'latin1');
const STREAM_HEADER = Buffer.concat([Buffer.from([STREAM_IDENTIFIER, MAGIC.length, 0, 0]), MAGIC]);

type Snappy = typeof snappyModule;
let snappy: Snappy | undefined;

/**
 * The snappy native addon, loaded by the first session that turns snappy on
 * rather than at import, so applications that never compress do not pay for
 * it. A pipe is built synchronously while a session starts, hence require()
 * (snappy is a CommonJS package) instead of import().
 */
function loadSnappy(): Snappy {
  snappy ??= createRequire(import.meta.url)('snappy') as Snappy;
  return snappy;
}

export class SnappyPipe implements StreamPipe {
  /** Bytes of an incomplete chunk, joined only once `needed` bytes are there. */
  private parts: Buffer[] = [];
  private partsBytes = 0;
  private needed = 0;
  /** Bytes of a skippable chunk still to drop. */
  private skipping = 0;
  private streamStarted = false;
  private headerSent = false;
  private failed = false;
  private paused = false;
  private readonly held: Buffer[] = [];
  private endDone: (() => void) | null = null;
  private readonly snappy = loadSnappy();

  constructor(private readonly sink: StreamPipeSink) {}

  /** Compression is synchronous: nothing waits inside the pipe. */
  get pendingBytes(): number {
    return 0;
  }

  encode(buf: Buffer): void {
    const out: Buffer[] = [];
    if (!this.headerSent) {
      out.push(STREAM_HEADER);
      this.headerSent = true;
    }
    for (let start = 0; start < buf.length; start += MAX_PLAIN_BYTES) {
      out.push(this.dataChunk(buf.subarray(start, start + MAX_PLAIN_BYTES)));
    }
    this.sink.onEncoded(out.length === 1 ? out[0]! : Buffer.concat(out));
  }

  decode(chunk: Buffer): void {
    if (this.failed) return;
    let data = chunk;
    if (this.skipping > 0) {
      const dropped = Math.min(this.skipping, data.length);
      this.skipping -= dropped;
      data = data.subarray(dropped);
      if (data.length === 0) return;
    }
    this.parts.push(data);
    this.partsBytes += data.length;
    if (this.partsBytes < this.needed) return;
    let buf = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.partsBytes);
    this.parts = [];
    this.partsBytes = this.needed = 0;
    while (buf.length >= HEADER_BYTES) {
      const type = buf[0]!;
      const size = buf.readUIntLE(1, 3);
      const refused = this.refusal(type, size);
      if (refused !== null) {
        this.fail(refused);
        return;
      }
      const end = HEADER_BYTES + size;
      if (type > UNCOMPRESSED && type !== STREAM_IDENTIFIER) {
        // Padding or a reserved skippable chunk: drop it, even before it is all here.
        this.skipping = Math.max(0, end - buf.length);
        buf = buf.subarray(Math.min(end, buf.length));
        continue;
      }
      if (buf.length < end) {
        this.needed = end;
        break;
      }
      if (!this.readChunk(type, buf.subarray(HEADER_BYTES, end))) return;
      buf = buf.subarray(end);
    }
    if (buf.length > 0) {
      this.parts.push(Buffer.from(buf));
      this.partsBytes = buf.length;
    }
  }

  end(done: () => void): void {
    if (this.held.length === 0) done();
    else this.endDone = done;
  }

  flushed(done: () => void): void {
    done();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    while (!this.paused && this.held.length > 0) this.sink.onDecoded(this.held.shift()!);
    if (!this.paused && this.endDone !== null) {
      const done = this.endDone;
      this.endDone = null;
      done();
    }
  }

  destroy(): void {
    this.parts = [];
    this.partsBytes = this.needed = this.skipping = 0;
    this.held.length = 0;
  }

  /** golang/snappy's Writer stores a chunk as is unless compressing saves at least an eighth. */
  private dataChunk(plain: Buffer): Buffer {
    const packed = this.snappy.compressSync(plain);
    const stored = packed.length >= plain.length - (plain.length >>> 3);
    const body = stored ? plain : packed;
    const chunk = Buffer.allocUnsafe(HEADER_BYTES + CRC_BYTES + body.length);
    chunk[0] = stored ? UNCOMPRESSED : COMPRESSED;
    chunk.writeUIntLE(CRC_BYTES + body.length, 1, 3);
    chunk.writeUInt32LE(maskedCrc32c(plain), HEADER_BYTES);
    body.copy(chunk, HEADER_BYTES + CRC_BYTES);
    return chunk;
  }

  /** Why a chunk of this type and size is refused from its header alone, or null. */
  private refusal(type: number, size: number): string | null {
    if (!this.streamStarted && type !== STREAM_IDENTIFIER) return 'snappy stream does not start with the stream identifier';
    if (type === STREAM_IDENTIFIER && size !== MAGIC.length) return `snappy stream identifier of ${size} bytes`;
    if (type === COMPRESSED && (size < CRC_BYTES || size > CRC_BYTES + MAX_COMPRESSED_BYTES)) {
      return `compressed snappy chunk of ${size} bytes (max ${CRC_BYTES + MAX_COMPRESSED_BYTES})`;
    }
    if (type === UNCOMPRESSED && (size < CRC_BYTES || size > CRC_BYTES + MAX_PLAIN_BYTES)) {
      return `uncompressed snappy chunk of ${size} bytes (max ${CRC_BYTES + MAX_PLAIN_BYTES})`;
    }
    if (type > UNCOMPRESSED && type <= LAST_UNSKIPPABLE) return `reserved unskippable snappy chunk type ${type}`;
    return null;
  }

  /** Handles one whole stream identifier or data chunk; false once the stream failed. */
  private readChunk(type: number, body: Buffer): boolean {
    if (type === STREAM_IDENTIFIER) {
      if (!body.equals(MAGIC)) return this.fail('bad snappy stream identifier');
      this.streamStarted = true;
      return true;
    }
    const data = body.subarray(CRC_BYTES);
    const plain = type === COMPRESSED ? this.inflate(data) : data;
    if (plain === null) return false;
    if (body.readUInt32LE(0) !== maskedCrc32c(plain)) return this.fail('snappy chunk checksum mismatch');
    if (this.paused) this.held.push(plain);
    else this.sink.onDecoded(plain);
    return true;
  }

  private inflate(block: Buffer): Buffer | null {
    const plainSize = uncompressedLength(block);
    if (plainSize < 0 || plainSize > MAX_PLAIN_BYTES) {
      this.fail(`snappy chunk of ${block.length} bytes announces ${plainSize} plain bytes (max ${MAX_PLAIN_BYTES})`);
      return null;
    }
    try {
      return this.snappy.uncompressSync(block, { asBuffer: true }) as Buffer;
    } catch (err) {
      this.fail('corrupt snappy chunk', err);
      return null;
    }
  }

  /** Reports the first failure only: the session closes on it, and nothing after it is decoded. */
  private fail(message: string, cause?: unknown): false {
    this.failed = true;
    this.destroy();
    this.sink.onPipeError(new RpcError(ErrorCode.BAD_PACKAGE, message, { cause }));
    return false;
  }
}

/** Reads the varint that starts a snappy block; -1 when it is malformed. */
function uncompressedLength(block: Buffer): number {
  let value = 0;
  for (let i = 0; i < 5 && i < block.length; i++) {
    const byte = block[i]!;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return value;
  }
  return -1;
}
