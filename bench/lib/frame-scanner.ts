/**
 * Finds frame boundaries in a stream of 4-byte big-endian length-prefixed
 * frames (the wire format shared with the Go anchor's echo tool and with
 * getty-rpc's LengthFieldCodec default). Used by the raw node:net system,
 * which must stay the cheapest possible echo: it never decodes a frame into
 * its own buffer.
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';

export const FRAME_HEADER_BYTES = 4;

export class FrameScanner {
  private pending: Buffer | undefined;

  /** @param maxFrameBytes largest accepted frame body, in bytes; checked from the header. */
  constructor(private readonly maxFrameBytes: number) {}

  /**
   * Appends `chunk` and returns the bytes of every complete frame now
   * available (possibly empty), keeping any partial frame for later.
   * Throws RpcError MSG_TOO_LONG when a header announces an oversize frame.
   */
  push(chunk: Buffer): Buffer {
    const buf = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
    const end = this.completeFramesEnd(buf);
    this.pending = end === buf.length ? undefined : buf.subarray(end);
    return buf.subarray(0, end);
  }

  private completeFramesEnd(buf: Buffer): number {
    let offset = 0;
    while (buf.length - offset >= FRAME_HEADER_BYTES) {
      const bodyBytes = buf.readUInt32BE(offset);
      if (bodyBytes > this.maxFrameBytes) {
        throw new RpcError(ErrorCode.MSG_TOO_LONG, `frame of ${bodyBytes} bytes exceeds ${this.maxFrameBytes}`);
      }
      const frameEnd = offset + FRAME_HEADER_BYTES + bodyBytes;
      if (frameEnd > buf.length) break;
      offset = frameEnd;
    }
    return offset;
  }
}

/** Calls `each(bodyStart, bodyBytes)` for every frame in `frames` (complete frames only). */
export function forEachFrame(frames: Buffer, each: (bodyStart: number, bodyBytes: number) => void): void {
  let offset = 0;
  while (offset < frames.length) {
    const bodyBytes = frames.readUInt32BE(offset);
    each(offset + FRAME_HEADER_BYTES, bodyBytes);
    offset += FRAME_HEADER_BYTES + bodyBytes;
  }
}
