/**
 * A compression layer between a stream session and its socket. The session
 * hands it the bytes of one flush and the raw chunks it reads; the pipe calls
 * back with what goes on the wire and with the plain bytes to decode.
 */
export interface StreamPipeSink {
  /** Bytes ready for the socket. */
  onEncoded(buf: Buffer): void;
  /** Plain bytes ready for the session's Reader. */
  onDecoded(buf: Buffer): void;
  /** The compressed stream is corrupt or oversize: the session closes. */
  onPipeError(err: unknown): void;
}

export interface StreamPipe {
  /** Compresses one flush; a flush is one unit the peer can decode on arrival. */
  encode(buf: Buffer): void;
  decode(chunk: Buffer): void;
  /** The peer ended the stream: calls `done` once every decoded byte was handed on. */
  end(done: () => void): void;
  /** Calls `done` once everything encoded so far went to onEncoded. */
  flushed(done: () => void): void;
  /** Bytes accepted by encode and not yet handed to onEncoded. */
  readonly pendingBytes: number;
  pause(): void;
  resume(): void;
  destroy(): void;
}
