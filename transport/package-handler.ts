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

/**
 * Optional fast path for readers: decode the package that starts at
 * `offset` in `buf`, with `len` counted from `offset`. Stream sessions call
 * it instead of `read` so that several packages in one chunk cost no Buffer
 * view each (the CPU profile's leading cost, docs/transport.md "Performance notes").
 */
export interface OffsetReader<P = unknown> {
  readFrom(session: Session, buf: Buffer, offset: number): ReadResult<P>;
}

/**
 * Optional fast path for writers of small frames: the session reserves
 * `encodedLength` bytes in its shared output slab and the writer fills them,
 * so a package costs no Buffer of its own and the turn's frames leave as one
 * contiguous slice. Return -1 from `encodedLength` to use `write` instead.
 * `encodedLength` validates (and throws) exactly as `write` would.
 */
export interface SlabWriter<P = unknown> {
  encodedLength(session: Session, pkg: P): number;
  /** Writes exactly `encodedLength(session, pkg)` bytes at `target[offset]`. */
  writeInto(session: Session, pkg: P, target: Buffer, offset: number): void;
}

export interface ReadWriter<P = unknown> extends Reader<P>, Writer<P> {
  readFrom?: OffsetReader<P>['readFrom'];
  encodedLength?: SlabWriter<P>['encodedLength'];
  writeInto?: SlabWriter<P>['writeInto'];
}
