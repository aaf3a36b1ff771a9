/**
 * Snappy on a TCP session (getty's CompressSnappy, go-anchors §1.3). Each
 * session flush becomes one block: a 4-byte big-endian compressed length,
 * then the snappy block. Both lengths are checked before any work is done,
 * so a hostile peer cannot make us buffer or inflate past `maxBlockBytes`,
 * nor inflate more than snappy's largest ratio allows; a block's bytes are
 * gathered as they arrive and joined once, when it is complete.
 */
import { createRequire } from 'node:module';
import type snappyModule from 'snappy';
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import type { StreamPipe, StreamPipeSink } from './stream-pipe.js';

const HEADER_BYTES = 4;
/**
 * No valid snappy block inflates more than this: its densest element, a copy
 * with a 2-byte offset, spends 3 bytes on at most 64 (google/snappy,
 * format_description.txt, section 2.2.2), about 21.3×.
 */
const MAX_SNAPPY_RATIO = 22;

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
  /** Bytes of an incomplete block, joined only once `needed` bytes are there. */
  private parts: Buffer[] = [];
  private partsBytes = 0;
  private needed = 0;
  private paused = false;
  private readonly held: Buffer[] = [];
  private endDone: (() => void) | null = null;
  private readonly snappy = loadSnappy();

  constructor(
    private readonly sink: StreamPipeSink,
    /** Largest block, compressed or not, accepted from the peer. */
    private readonly maxBlockBytes: number,
  ) {}

  get pendingBytes(): number {
    return 0;
  }

  encode(buf: Buffer): void {
    const block = this.snappy.compressSync(buf);
    const header = Buffer.allocUnsafe(HEADER_BYTES);
    header.writeUInt32BE(block.length, 0);
    this.sink.onEncoded(Buffer.concat([header, block], HEADER_BYTES + block.length));
  }

  decode(chunk: Buffer): void {
    this.parts.push(chunk);
    this.partsBytes += chunk.length;
    if (this.partsBytes < this.needed) return;
    let buf = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.partsBytes);
    this.parts = [];
    this.partsBytes = this.needed = 0;
    while (buf.length >= HEADER_BYTES) {
      const size = buf.readUInt32BE(0);
      if (size > this.maxBlockBytes) {
        this.fail(`snappy block of ${size} bytes exceeds ${this.maxBlockBytes}`);
        return;
      }
      if (buf.length < HEADER_BYTES + size) {
        this.needed = HEADER_BYTES + size;
        break;
      }
      if (!this.emit(buf.subarray(HEADER_BYTES, HEADER_BYTES + size))) return;
      buf = buf.subarray(HEADER_BYTES + size);
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
    this.partsBytes = this.needed = 0;
    this.held.length = 0;
  }

  private emit(block: Buffer): boolean {
    const plainSize = uncompressedLength(block);
    if (plainSize < 0 || plainSize > this.maxBlockBytes || plainSize > block.length * MAX_SNAPPY_RATIO) {
      this.fail(`snappy block of ${block.length} bytes announces ${plainSize} plain bytes (max ${this.maxBlockBytes})`);
      return false;
    }
    let plain: Buffer;
    try {
      plain = this.snappy.uncompressSync(block, { asBuffer: true }) as Buffer;
    } catch (err) {
      this.fail('corrupt snappy block', err);
      return false;
    }
    if (this.paused) this.held.push(plain);
    else this.sink.onDecoded(plain);
    return true;
  }

  private fail(message: string, cause?: unknown): void {
    this.parts = [];
    this.partsBytes = this.needed = 0;
    this.sink.onPipeError(new RpcError(ErrorCode.BAD_PACKAGE, message, { cause }));
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
