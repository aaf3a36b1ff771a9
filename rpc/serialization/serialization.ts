/**
 * The Serialization plug-in contract: how the body of a Dubbo 2 frame is
 * written and read. Each serialization lives in its own file and registers
 * itself here (style-anchors lesson 2); the frame header's 5-bit id picks it.
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import type { DubboRequest, DubboResponse } from '../protocol/dubbo-package.js';

export interface Serialization {
  /** The 5-bit id in the frame header (hessian2 2, json 6, protobuf 22). */
  readonly id: number;
  /** Lower-case name used in URLs (`serialization=hessian2`). */
  readonly name: string;
  /**
   * Body of a normal (non-event) request. Throws RpcError SERIALIZATION.
   * The encode methods may return a view of a scratch buffer the
   * serialization reuses: valid until its next encode call, so the codec
   * copies it into the frame at once (no Buffer per body on the hot path).
   * `maxBodyBytes` (default unlimited): a serialization may stop with
   * RpcError MSG_TOO_LONG as soon as the body would exceed it, instead of
   * building a body the codec would refuse.
   */
  encodeRequestBody(request: DubboRequest, maxBodyBytes?: number): Buffer;
  /**
   * Fills `request` (header fields already set) from `body`. Throws when the
   * body is corrupt; the codec turns that into a package carrying the error.
   */
  decodeRequestBody(body: Buffer, request: DubboRequest): void;
  /** Body of a normal (non-event) response, any status. */
  encodeResponseBody(response: DubboResponse, maxBodyBytes?: number): Buffer;
  decodeResponseBody(body: Buffer, response: DubboResponse): void;
  /** Body of an event frame (heartbeat: data null). */
  encodeEventBody(): Buffer;
}

const byId = new Map<number, Serialization>();
const byName = new Map<string, Serialization>();

/** Adds (or replaces) a serialization; ids are 1–31 (5 bits). */
export function registerSerialization(serialization: Serialization): void {
  const { id, name } = serialization;
  if (!Number.isInteger(id) || id < 1 || id > 0x1f) {
    throw new RpcError(ErrorCode.INVALID_ARGUMENT, `serialization id must be 1..31, got ${id}`);
  }
  byId.set(id, serialization);
  byName.set(name.toLowerCase(), serialization);
}

/** The serialization with this id or name, or undefined. */
export function findSerialization(idOrName: number | string): Serialization | undefined {
  return typeof idOrName === 'number' ? byId.get(idOrName) : byName.get(idOrName.toLowerCase());
}

/** Like findSerialization, but throws RpcError INVALID_ARGUMENT when unknown. */
export function getSerialization(idOrName: number | string): Serialization {
  const found = findSerialization(idOrName);
  if (found === undefined) {
    throw new RpcError(ErrorCode.INVALID_ARGUMENT, `unknown serialization ${String(idOrName)} (known: ${serializationNames().join(', ')})`);
  }
  return found;
}

/** Names of every registered serialization. */
export function serializationNames(): string[] {
  return [...byName.keys()];
}
