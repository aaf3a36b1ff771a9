/**
 * A ready ReadWriter for length-prefixed frames: a big-endian unsigned length
 * of the body (1, 2 or 4 bytes; default 4), then the body. The package is the
 * body Buffer — a view into the read buffer, not a copy; copy it if you keep
 * it past onMessage.
 */
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import { bufferView } from './buffer-view.js';
import type { ReadResult, ReadWriter, Session } from './session-contract.js';

export interface LengthFieldCodecOptions {
  /** Size of the length field in bytes: 1, 2 or 4. Default 4. */
  lengthFieldBytes?: 1 | 2 | 4;
  /**
   * Largest body this codec encodes or accepts, in bytes; 0 leaves the check
   * to the session's maxMsgLen. Default 0.
   */
  maxMsgLen?: number;
}

const NEED_HEADER: ReadResult<never> = Object.freeze({ len: 0 });
/** Bodies up to this size are copied into one buffer with their header (cheaper than two). */
const COPY_LIMIT_BYTES = 4096;

export class LengthFieldCodec implements ReadWriter<Buffer> {
  readonly lengthFieldBytes: 1 | 2 | 4;
  readonly maxMsgLen: number;
  /** Largest body write() accepts: the length field's range, capped by maxMsgLen. */
  private readonly maxBody: number;
  /** Reused for every decoded frame: the session reads it at once (no allocation per package). */
  private readonly result: { pkg: Buffer | undefined; len: number } = { pkg: undefined, len: 0 };

  constructor(options: LengthFieldCodecOptions = {}) {
    const size = options.lengthFieldBytes ?? 4;
    if (size !== 1 && size !== 2 && size !== 4) throw invalid(`lengthFieldBytes must be 1, 2 or 4, got ${String(size)}`);
    const max = options.maxMsgLen ?? 0;
    if (!Number.isInteger(max) || max < 0) throw invalid(`maxMsgLen must be an integer >= 0, got ${String(max)}`);
    this.lengthFieldBytes = size;
    this.maxMsgLen = max;
    const maxEncodable = 2 ** (8 * size) - 1;
    this.maxBody = max > 0 ? Math.min(max, maxEncodable) : maxEncodable;
  }

  read(session: Session, buf: Buffer): ReadResult<Buffer> {
    return this.readFrom(session, buf, 0);
  }

  /** OffsetReader: the frame that starts at `offset`; stream sessions call this (no view per frame). */
  readFrom(_session: Session, buf: Buffer, offset: number): ReadResult<Buffer> {
    const header = this.lengthFieldBytes;
    const available = buf.length - offset;
    if (available < header) return NEED_HEADER;
    const bodyLen = this.readLength(buf, offset);
    if (this.maxMsgLen > 0 && bodyLen > this.maxMsgLen) {
      throw new RpcError(ErrorCode.MSG_TOO_LONG, `frame body of ${bodyLen} bytes exceeds ${this.maxMsgLen}`);
    }
    const total = header + bodyLen;
    const result = this.result;
    // Announce the total at once so the session checks maxMsgLen before buffering the body.
    result.pkg = available < total ? undefined : bufferView(buf, offset + header, bodyLen);
    result.len = total;
    return result;
  }

  /** Small bodies are copied behind the header (one buffer); large ones go as [header, body]. */
  write(_session: Session, pkg: Buffer): Buffer | Buffer[] {
    this.check(pkg);
    if (pkg.length <= COPY_LIMIT_BYTES) return this.encode(pkg);
    return [this.header(pkg.length), pkg];
  }

  /** SlabWriter: header plus body, validated as write() validates. */
  encodedLength(_session: Session, pkg: Buffer): number {
    this.check(pkg);
    return this.lengthFieldBytes + pkg.length;
  }

  /** SlabWriter: header and body at `target[offset]` (TypedArray#set copies small bodies fastest). */
  writeInto(_session: Session, pkg: Buffer, target: Buffer, offset: number): void {
    this.writeLength(target, pkg.length, offset);
    target.set(pkg, offset + this.lengthFieldBytes);
  }

  private check(pkg: Buffer): void {
    if (!Buffer.isBuffer(pkg)) throw new RpcError(ErrorCode.BAD_PACKAGE, 'LengthFieldCodec writes Buffers only');
    if (pkg.length > this.maxBody) throw new RpcError(ErrorCode.MSG_TOO_LONG, `body of ${pkg.length} bytes exceeds ${this.maxBody}`);
  }

  /** One buffer holding header and body. */
  encode(pkg: Buffer): Buffer {
    const out = Buffer.allocUnsafe(this.lengthFieldBytes + pkg.length);
    this.writeLength(out, pkg.length);
    pkg.copy(out, this.lengthFieldBytes);
    return out;
  }

  private header(len: number): Buffer {
    const out = Buffer.allocUnsafe(this.lengthFieldBytes);
    this.writeLength(out, len);
    return out;
  }

  /** Big-endian by hand (the caller checked the header is there): cheaper than readUInt32BE. */
  private readLength(buf: Buffer, offset: number): number {
    const size = this.lengthFieldBytes;
    if (size === 4) return buf[offset]! * 0x1000000 + ((buf[offset + 1]! << 16) | (buf[offset + 2]! << 8) | buf[offset + 3]!);
    if (size === 2) return (buf[offset]! << 8) | buf[offset + 1]!;
    return buf[offset]!;
  }

  /** Big-endian by hand: cheaper than writeUInt32BE's argument checks on the hot path. */
  private writeLength(out: Buffer, len: number, offset = 0): void {
    const size = this.lengthFieldBytes;
    if (size === 4) {
      out[offset] = len >>> 24;
      out[offset + 1] = (len >>> 16) & 0xff;
      offset += 2;
    }
    if (size >= 2) out[offset++] = (len >>> 8) & 0xff;
    out[offset] = len & 0xff;
  }
}

function invalid(message: string): RpcError {
  return new RpcError(ErrorCode.INVALID_ARGUMENT, message);
}
