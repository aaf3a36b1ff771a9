/**
 * The wrapper messages of the protobuf body layout (docs/protocol.md): each
 * field of a body is one varint-length-delimited protobuf message, as Java
 * Dubbo's and dubbo-go's protobuf serializations write them.
 */
import type protobuf from 'protobufjs';
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import { protobufjs } from './protobufjs-module.js';

const WIRE_TYPES = {
  nested: {
    StringValue: { fields: { value: { type: 'string', id: 1 } } },
    Int32Value: { fields: { value: { type: 'int32', id: 1 } } },
    Map: { fields: { attachments: { keyType: 'string', type: 'string', id: 1 } } },
    ThrowableProto: {
      fields: {
        originalClassName: { type: 'string', id: 1 },
        originalMessage: { type: 'string', id: 2 },
      },
    },
  },
} as protobuf.INamespace;

export interface WireTypes {
  readonly StringValue: protobuf.Type;
  readonly Int32Value: protobuf.Type;
  readonly AttachmentMap: protobuf.Type;
  readonly ThrowableProto: protobuf.Type;
}

let wire: WireTypes | undefined;

/** The wrapper message types, built on first use (with protobufjs itself). */
export function wireTypes(): WireTypes {
  if (wire) return wire;
  const root = protobufjs().Root.fromJSON(WIRE_TYPES);
  wire = {
    StringValue: root.lookupType('StringValue'),
    Int32Value: root.lookupType('Int32Value'),
    AttachmentMap: root.lookupType('Map'),
    ThrowableProto: root.lookupType('ThrowableProto'),
  };
  return wire;
}

/** Collects delimited messages into one body. */
export class DelimitedWriter {
  private readonly writer = protobufjs().Writer.create();

  message(type: protobuf.Type, value: Record<string, unknown>): this {
    type.encodeDelimited(type.fromObject(value), this.writer);
    return this;
  }

  bytes(encoded: Uint8Array): this {
    this.writer.bytes(encoded);
    return this;
  }

  string(value: string): this {
    return this.message(wireTypes().StringValue, { value });
  }

  finish(): Buffer {
    const out = this.writer.finish();
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  }
}

/** protobufjs throws RangeError/Error on a bad body; callers get RpcError SERIALIZATION naming what was read. */
function readOrThrow<T>(read: () => T, what: string): T {
  try {
    return read();
  } catch (err) {
    throw new RpcError(ErrorCode.SERIALIZATION, `bad protobuf ${what}: ${(err as Error).message}`, { cause: err });
  }
}

/** Reads delimited messages from a body in order. */
export class DelimitedReader {
  private readonly reader: protobuf.Reader;

  constructor(body: Buffer) {
    this.reader = protobufjs().Reader.create(body);
  }

  get done(): boolean {
    return this.reader.pos >= this.reader.len;
  }

  /** The raw bytes of the next delimited message (a view, not a copy); SERIALIZATION when the body ends first. */
  bytes(): Buffer {
    if (this.done) throw new RpcError(ErrorCode.SERIALIZATION, 'protobuf body ended early');
    const bytes = readOrThrow(() => this.reader.bytes(), 'delimited field');
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  message(type: protobuf.Type): Record<string, unknown> {
    const bytes = this.bytes();
    return readOrThrow(() => type.toObject(type.decode(bytes), { longs: String, enums: String, defaults: true }), type.name);
  }

  string(): string {
    return String(this.message(wireTypes().StringValue).value);
  }

  int32(): number {
    return Number(this.message(wireTypes().Int32Value).value);
  }
}
