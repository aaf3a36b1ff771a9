/**
 * getty's packet reader/writer contract (go-anchors §1.4). A `ReadWriter` is
 * what getty calls the "PkgHandler": it turns a byte stream into packages and
 * packages into bytes.
 */
import type { Session } from './session.js';

/**
 * What `Reader.read` returns:
 * - `{ len: 0 }`: the header is not complete yet;
 * - `{ len: n }` (no pkg): the header announces a frame of n bytes that has
 *   not fully arrived; n is checked against maxMsgLen at once, before the body
 *   is buffered;
 * - `{ pkg, len: n }`: one package decoded from the first n bytes.
 * Throwing means the stream is corrupt: the session closes with that error.
 */
export interface ReadResult<P> {
  pkg?: P;
  len: number;
}

export interface Reader<P = unknown> {
  /** Called again while bytes remain after a complete package. */
  read(session: Session, buf: Buffer): ReadResult<P>;
}

export interface Writer<P = unknown> {
  /** Encodes one package; several buffers leave in one vectored write. */
  write(session: Session, pkg: P): Buffer | Buffer[];
}

export interface ReadWriter<P = unknown> extends Reader<P>, Writer<P> {}
