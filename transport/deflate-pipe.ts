/**
 * Deflate on a TCP session (getty's flate CompressType, dubbo-getty `connection.go`): one
 * raw-deflate stream per direction, sync-flushed after every session flush so
 * the peer can decode each batch as soon as it arrives.
 */
import zlib from 'node:zlib';
import { ErrorCode, RpcError } from '../common/rpc-error.js';
import { CompressType } from './compress-type.js';
import type { StreamPipe, StreamPipeSink } from './stream-pipe.js';

export class DeflatePipe implements StreamPipe {
  private readonly deflate: zlib.DeflateRaw;
  private readonly inflate: zlib.InflateRaw;

  constructor(
    private readonly sink: StreamPipeSink,
    type: CompressType,
  ) {
    this.deflate = zlib.createDeflateRaw(deflateOptions(type));
    this.inflate = zlib.createInflateRaw();
    this.deflate.on('data', (buf: Buffer) => this.sink.onEncoded(buf));
    this.inflate.on('data', (buf: Buffer) => this.sink.onDecoded(buf));
    this.deflate.on('error', (err) => this.sink.onPipeError(err));
    this.inflate.on('error', (err) => this.sink.onPipeError(badStream(err)));
  }

  /**
   * The plain bytes the deflater has not consumed yet: a write leaves
   * writableLength only after zlib pushed its output, which went to onEncoded.
   */
  get pendingBytes(): number {
    return this.deflate.writableLength;
  }

  encode(buf: Buffer): void {
    this.deflate.write(buf);
    this.deflate.flush(zlib.constants.Z_SYNC_FLUSH);
  }

  decode(chunk: Buffer): void {
    this.inflate.write(chunk);
  }

  end(done: () => void): void {
    this.inflate.once('end', done);
    this.inflate.end();
  }

  flushed(done: () => void): void {
    this.deflate.flush(zlib.constants.Z_SYNC_FLUSH, done);
  }

  pause(): void {
    this.inflate.pause();
  }

  resume(): void {
    this.inflate.resume();
  }

  destroy(): void {
    this.deflate.destroy();
    this.inflate.destroy();
  }
}

/**
 * Like Go's flate.NewWriter, which getty hands the CompressType as a level:
 * Zip (-1) is zlib's Z_DEFAULT_COMPRESSION too, so only Huffman-only (-2,
 * a strategy in zlib rather than a level) needs its own options.
 */
function deflateOptions(type: CompressType): zlib.ZlibOptions {
  if (type === CompressType.Huffman) return { strategy: zlib.constants.Z_HUFFMAN_ONLY };
  return { level: type };
}

function badStream(err: unknown): RpcError {
  return new RpcError(ErrorCode.BAD_PACKAGE, 'corrupt deflate stream', { cause: err });
}
