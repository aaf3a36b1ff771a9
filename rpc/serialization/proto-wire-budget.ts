/**
 * Bounds on what one protobuf body may make protobufjs build, checked on the
 * wire bytes before decoding: messages (each becomes two JS objects, the
 * decoded message and its plain copy) and field values. protobufjs decodes
 * about 2 µs per empty message on the 2-core test machine, so 1.9 MiB of
 * empty repeated sub-messages (`12 00` × 10^6) took 1.3 s and 133 MB in one
 * event-loop turn. The walk follows the message types (nested messages, map
 * entries, packed repeated scalars, groups) the way protobuf's wire format
 * lays them out (protobuf.dev/programming-guides/encoding).
 */
import type protobuf from 'protobufjs';
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import { protobufjs } from './protobufjs-module.js';

export interface ProtobufLimits {
  /** Most messages (nested and map-entry messages included) in one body. Default 16 384. */
  maxMessages?: number;
  /** Most field values (each element of a repeated field) in one body. Default 131 072. */
  maxValues?: number;
}

const limits = { maxMessages: 16_384, maxValues: 131_072 };
/** protobufjs's own nesting bound (`util.recursionLimit`), read once protobufjs is loaded. */
const maxDepth = (): number => protobufjs().util.recursionLimit;

/** Sets the process-wide limits; throws RpcError INVALID_ARGUMENT on a value that is not a positive integer. */
export function setProtobufLimits(options: ProtobufLimits): void {
  for (const key of ['maxMessages', 'maxValues'] as const) {
    const value = options[key];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 1) throw new RpcError(ErrorCode.INVALID_ARGUMENT, `${key} must be a positive integer, got ${String(value)}`);
    limits[key] = value;
  }
}

/** The current limits (a copy). */
export function protobufLimits(): Required<ProtobufLimits> {
  return { ...limits };
}

/**
 * Counts what decoding the messages of one body would build, across every
 * `check` call; throws RpcError SERIALIZATION past a limit or on bytes that
 * are not a protobuf message. Bodies too short to pass the limits are not
 * walked at all (a message takes at least 2 bytes, a value 1).
 */
export class ProtoWireBudget {
  private messages = 0;
  private values = 0;
  private readonly walk: boolean;

  constructor(bodyBytes: number) {
    this.walk = bodyBytes >= Math.min(2 * limits.maxMessages, limits.maxValues);
  }

  check(type: protobuf.Type, bytes: Uint8Array): void {
    if (this.walk) this.message(type, bytes, 0, bytes.length, 0);
  }

  private message(type: protobuf.Type, bytes: Uint8Array, start: number, end: number, depth: number): void {
    if (++this.messages > limits.maxMessages) throw tooMany(`more than ${limits.maxMessages} messages`);
    if (depth > maxDepth()) throw tooMany(`messages nested deeper than ${maxDepth()}`);
    let pos = start;
    while (pos < end) {
      const tag = readVarint(bytes, pos, end);
      pos = tag.next;
      this.value();
      pos = this.field(type.fieldsById[tag.value >>> 3], tag.value, bytes, pos, end, depth);
    }
  }

  /** Skips one field's payload (walking into it when it holds messages or packed values); returns the position after it. */
  private field(field: protobuf.Field | undefined, tag: number, bytes: Uint8Array, pos: number, end: number, depth: number): number {
    switch (tag & 7) {
      case 0:
        return readVarint(bytes, pos, end).next;
      case 1:
        return within(pos + 8, end);
      case 5:
        return within(pos + 4, end);
      case 2: {
        const length = readVarint(bytes, pos, end);
        const stop = within(length.next + length.value, end);
        this.delimited(field, bytes, length.next, stop, depth);
        return stop;
      }
      case 3:
        return this.group(tag >>> 3, bytes, pos, end, depth + 1);
      default:
        throw notProtobuf(`wire type ${tag & 7}`);
    }
  }

  private delimited(field: protobuf.Field | undefined, bytes: Uint8Array, start: number, end: number, depth: number): void {
    if (field === undefined) return; // unknown fields are skipped, not built
    const resolved = field.resolve().resolvedType;
    if (field.map) {
      // An entry is no nesting level of its own: protobufjs reads entries inline and decodes a
      // message value one level below the map's message (protobufjs src/decoder.js, map fields).
      this.mapEntry(resolved instanceof protobufjs().Type ? resolved : undefined, bytes, start, end, depth);
    } else if (resolved instanceof protobufjs().Type) {
      this.message(resolved, bytes, start, end, depth + 1);
    } else if (field.repeated && field.type !== 'string' && field.type !== 'bytes') {
      // Packed scalars: one value per varint (a byte without its high bit ends one), or per 4/8 bytes.
      for (let i = start; i < end; i++) if (bytes[i]! < 0x80) this.value();
    }
  }

  /** A map entry is a message { key = 1; value = 2 }; its value is walked when it is a message. */
  private mapEntry(valueType: protobuf.Type | undefined, bytes: Uint8Array, start: number, end: number, depth: number): void {
    if (++this.messages > limits.maxMessages) throw tooMany(`more than ${limits.maxMessages} messages`);
    let pos = start;
    while (pos < end) {
      const tag = readVarint(bytes, pos, end);
      pos = tag.next;
      if (tag.value >>> 3 === 2 && (tag.value & 7) === 2 && valueType !== undefined) {
        const length = readVarint(bytes, pos, end);
        pos = within(length.next + length.value, end);
        this.message(valueType, bytes, length.next, pos, depth + 1);
      } else {
        pos = this.field(undefined, tag.value, bytes, pos, end, depth);
      }
    }
  }

  /** Skips a group up to its end tag (wire type 4, same field number). */
  private group(fieldNumber: number, bytes: Uint8Array, pos: number, end: number, depth: number): number {
    if (depth > maxDepth()) throw tooMany(`groups nested deeper than ${maxDepth()}`);
    while (pos < end) {
      const tag = readVarint(bytes, pos, end);
      pos = tag.next;
      if ((tag.value & 7) === 4) {
        if (tag.value >>> 3 !== fieldNumber) throw notProtobuf('mismatched end group');
        return pos;
      }
      this.value();
      pos = this.field(undefined, tag.value, bytes, pos, end, depth);
    }
    throw notProtobuf('group without its end');
  }

  private value(): void {
    if (++this.values > limits.maxValues) throw tooMany(`more than ${limits.maxValues} field values`);
  }
}

/** A varint of up to 10 bytes; its value as a number (exact up to 2^53, enough for tags and lengths). */
function readVarint(bytes: Uint8Array, pos: number, end: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw notProtobuf('truncated varint');
    const byte = bytes[pos++]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return { value, next: pos };
    scale *= 128;
  }
  throw notProtobuf('varint longer than 10 bytes');
}

function within(next: number, end: number): number {
  if (next > end) throw notProtobuf('field beyond the end of its message');
  return next;
}

function tooMany(what: string): RpcError {
  return new RpcError(ErrorCode.SERIALIZATION, `protobuf body holds ${what}`);
}

function notProtobuf(why: string): RpcError {
  return new RpcError(ErrorCode.SERIALIZATION, `not a protobuf message: ${why}`);
}
