/**
 * DubboCodec: the Dubbo 2 frame as a getty ReadWriter (go-anchors §0.2, §3.5).
 *
 * read(): `{len: 0}` until 16 header bytes are there; then `{len: 16+body}`
 * at once, so the transport checks maxMsgLen before buffering the body; then
 * the package. A bad header throws (the session closes); a corrupt body in
 * an intact frame does NOT throw: the package carries `error` (BAD_REQUEST
 * for requests, BAD_RESPONSE for responses) so the server can answer with
 * status 40 and the session stays usable.
 *
 * Decoded byte[] values may share memory with `buf` (no body copy); the
 * transport must not overwrite bytes it has handed to read().
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import type { Session } from '../../transport/session.js';
import type { ReadResult, ReadWriter } from '../../transport/package-handler.js';
import '../serialization/builtin.js';
import { findSerialization, type Serialization } from '../serialization/serialization.js';
import {
  encodeHeader,
  writeHeaderInto,
  FLAG_EVENT,
  FLAG_REQUEST,
  FLAG_TWOWAY,
  HEADER_LENGTH,
  MAGIC_HIGH,
  MAGIC_LOW,
  readRequestId,
  SERIALIZATION_MASK,
} from './dubbo-header.js';
import { DUBBO_VERSION, type DubboPackage, type DubboRequest, type DubboResponse } from './dubbo-package.js';

export interface DubboCodecOptions {
  /**
   * Largest frame (16-byte header + body) read or written, in bytes.
   * Default 8 MiB, Java Dubbo's payload limit (go-anchors §0.3).
   */
  maxFrameLen?: number;
}

export const DEFAULT_MAX_FRAME_LEN = 8 * 1024 * 1024;
/** The uint32 body length is read as Java's int: above this it is negative, i.e. illegal. */
const MAX_BODY_LEN = 0x7fff_ffff;

export class DubboCodec implements ReadWriter<DubboPackage> {
  readonly maxFrameLen: number;
  /** The package encoded last and its body (possibly a scratch view, valid until the next encode). */
  private lastPkg: DubboPackage | undefined;
  private lastBody: Buffer | undefined;

  constructor(options: DubboCodecOptions = {}) {
    this.maxFrameLen = validateMaxFrameLen(options.maxFrameLen ?? DEFAULT_MAX_FRAME_LEN);
  }

  read(_session: Session | null, buf: Buffer): ReadResult<DubboPackage> {
    checkMagic(buf);
    if (buf.length < HEADER_LENGTH) return { len: 0 };
    const serialization = serializationOf(buf[2]!);
    const total = HEADER_LENGTH + this.bodyLength(buf);
    if (buf.length < total) return { len: total };
    const body = buf.subarray(HEADER_LENGTH, total);
    const pkg = (buf[2]! & FLAG_REQUEST) !== 0 ? decodeRequest(buf, body, serialization) : decodeResponse(buf, body, serialization);
    return { pkg, len: total };
  }

  write(_session: Session | null, pkg: DubboPackage): Buffer[] {
    const body = this.bodyOf(pkg);
    // The body may be a serialization's scratch view: the frame keeps its own copy.
    return [encodeHeader(flagOf(pkg, pkg.serialization), statusOf(pkg), pkg.id, body.length), Buffer.from(body)];
  }

  /**
   * SlabWriter fast path (transport/package-handler.ts): the session reserves
   * the frame in its shared output slab and writeInto fills it, so a frame
   * costs no Buffer of its own. The body encoded here is reused by the
   * writeInto (or write) that follows for the same package.
   */
  encodedLength(_session: Session | null, pkg: DubboPackage): number {
    return HEADER_LENGTH + this.encode(pkg).length;
  }

  writeInto(_session: Session | null, pkg: DubboPackage, target: Buffer, offset: number): void {
    const body = this.bodyOf(pkg);
    writeHeaderInto(target, offset, flagOf(pkg, pkg.serialization), statusOf(pkg), pkg.id, body.length);
    body.copy(target, offset + HEADER_LENGTH);
  }

  /** The body of the package encoded last if it is `pkg` (still valid: nothing was encoded since), else a fresh encode. */
  private bodyOf(pkg: DubboPackage): Buffer {
    return pkg === this.lastPkg && this.lastBody !== undefined ? this.lastBody : this.encode(pkg);
  }

  private encode(pkg: DubboPackage): Buffer {
    this.lastPkg = undefined;
    this.lastBody = undefined;
    const serialization = findSerialization(pkg.serialization);
    if (serialization === undefined) {
      throw new RpcError(ErrorCode.SERIALIZATION, `unknown serialization id ${pkg.serialization}`);
    }
    const body = encodeBody(serialization, pkg, this.maxFrameLen - HEADER_LENGTH);
    if (HEADER_LENGTH + body.length > this.maxFrameLen) {
      throw new RpcError(ErrorCode.MSG_TOO_LONG, `frame of ${HEADER_LENGTH + body.length} bytes exceeds maxFrameLen ${this.maxFrameLen}`);
    }
    this.lastPkg = pkg;
    this.lastBody = body;
    return body;
  }

  private bodyLength(buf: Buffer): number {
    const bodyLen = buf.readUInt32BE(12);
    if (bodyLen > MAX_BODY_LEN) throw new RpcError(ErrorCode.BAD_PACKAGE, `impossible body length ${bodyLen}`);
    if (HEADER_LENGTH + bodyLen > this.maxFrameLen) {
      throw new RpcError(ErrorCode.MSG_TOO_LONG, `frame of ${HEADER_LENGTH + bodyLen} bytes exceeds maxFrameLen ${this.maxFrameLen}`);
    }
    return bodyLen;
  }
}

function validateMaxFrameLen(value: number): number {
  if (!Number.isSafeInteger(value) || value < HEADER_LENGTH || value > HEADER_LENGTH + MAX_BODY_LEN) {
    throw new RpcError(ErrorCode.INVALID_ARGUMENT, `maxFrameLen must be an integer in 16..2^31+15, got ${value}`);
  }
  return value;
}

/** Rejects a stream as soon as its first two bytes are not 0xdabb. */
function checkMagic(buf: Buffer): void {
  if ((buf.length > 0 && buf[0] !== MAGIC_HIGH) || (buf.length > 1 && buf[1] !== MAGIC_LOW)) {
    throw new RpcError(ErrorCode.BAD_PACKAGE, `bad magic 0x${buf.subarray(0, 2).toString('hex')}, expected 0xdabb`);
  }
}

function serializationOf(flag: number): Serialization {
  const serialization = findSerialization(flag & SERIALIZATION_MASK);
  if (serialization === undefined) {
    throw new RpcError(ErrorCode.BAD_PACKAGE, `unknown serialization id ${flag & SERIALIZATION_MASK}`);
  }
  return serialization;
}

function decodeRequest(header: Buffer, body: Buffer, serialization: Serialization): DubboRequest {
  const flag = header[2]!;
  const request: DubboRequest = {
    kind: 'request',
    id: readRequestId(header),
    twoWay: (flag & FLAG_TWOWAY) !== 0,
    event: (flag & FLAG_EVENT) !== 0,
    serialization: serialization.id,
    dubboVersion: DUBBO_VERSION,
    path: '',
    version: '',
    method: '',
    parameterTypes: [],
    args: [],
    attachments: {},
  };
  // Event bodies (heartbeat 'N', read-only 'R') carry nothing we act on.
  if (request.event) return request;
  try {
    serialization.decodeRequestBody(body, request);
  } catch (err) {
    request.error = corruptBody(ErrorCode.BAD_REQUEST, 'request', err);
  }
  return request;
}

function decodeResponse(header: Buffer, body: Buffer, serialization: Serialization): DubboResponse {
  const response: DubboResponse = {
    kind: 'response',
    id: readRequestId(header),
    status: header[3]!,
    serialization: serialization.id,
    event: (header[2]! & FLAG_EVENT) !== 0,
    attachments: {},
  };
  if (response.event) return response;
  try {
    serialization.decodeResponseBody(body, response);
  } catch (err) {
    response.error = corruptBody(ErrorCode.BAD_RESPONSE, 'response', err);
  }
  return response;
}

function corruptBody(code: ErrorCode, what: string, err: unknown): RpcError {
  const reason = err instanceof Error ? err.message : String(err);
  return new RpcError(code, `corrupt ${what} body: ${reason}`, { cause: err });
}

function encodeBody(serialization: Serialization, pkg: DubboPackage, maxBodyBytes: number): Buffer {
  try {
    if (pkg.event) return serialization.encodeEventBody();
    return pkg.kind === 'request' ? serialization.encodeRequestBody(pkg, maxBodyBytes) : serialization.encodeResponseBody(pkg, maxBodyBytes);
  } catch (err) {
    throw RpcError.from(err, ErrorCode.SERIALIZATION);
  }
}

function flagOf(pkg: DubboPackage, serializationId: number): number {
  let flag = serializationId;
  if (pkg.event) flag |= FLAG_EVENT;
  if (pkg.kind === 'request') {
    flag |= FLAG_REQUEST;
    if (pkg.twoWay) flag |= FLAG_TWOWAY;
  }
  return flag;
}

function statusOf(pkg: DubboPackage): number {
  return pkg.kind === 'response' ? pkg.status : 0;
}

