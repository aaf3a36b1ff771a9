/**
 * ProtoWireBudget: what one protobuf body may make protobufjs build, counted
 * on the wire bytes before decoding (messages, map entries, field values,
 * packed values; groups skipped to their end), with every limit checked at
 * its exact boundary: the limit passes, one more is refused.
 */
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { ErrorCode, isRpcError } from '../../../common/rpc-error.js';
import { loadProtoService } from '../../../rpc/serialization/proto-service-loader.js';
import { ProtoWireBudget, type ProtobufLimits, protobufLimits, setProtobufLimits } from '../../../rpc/serialization/proto-wire-budget.js';

const here = dirname(fileURLToPath(import.meta.url));
const SHOP = join(here, '..', '..', '..', '..', 'test', 'rpc', 'serialization', 'fixtures', 'shop.proto');
const Order = loadProtoService(SHOP).methods.PlaceOrder!.requestType;

/** A recursive message with every shape the budget walks. */
const root = protobuf.parse(`
syntax = "proto3";
package budget;
message Node {
  Node child = 1;
  map<string, Node> children = 2;
  repeated uint32 packed = 3;
  repeated string names = 4;
  repeated bytes blobs = 5;
  string label = 6;
  map<string, string> tags = 7;
  uint32 count = 8;
}`).root;
root.resolveAll();
const Node = root.lookupType('budget.Node');

const DEFAULT_LIMITS = { maxMessages: 16_384, maxValues: 131_072 };
// Captured when the file loads, before any test changes the process-wide limits.
const limitsAtStart = protobufLimits();

const varint = (n: number): number[] => (n < 0x80 ? [n] : [(n & 0x7f) | 0x80, ...varint(Math.floor(n / 128))]);
const delimited = (tag: number, payload: number[]): number[] => [...varint(tag), ...varint(payload.length), ...payload];
const repeat = (count: number, ...bytes: number[]): number[] => Array.from({ length: count }, () => bytes).flat();
const EMPTY_CHILD = [0x0a, 0x00]; // Node.child = {}
const EMPTY_LABEL = [0x32, 0x00]; // Node.label = ''

/** Checks `bytes` as one `type` body with a fresh budget that always walks. */
const check = (bytes: number[], type: protobuf.Type = Node) => new ProtoWireBudget(Number.MAX_SAFE_INTEGER).check(type, Uint8Array.from(bytes));
const refused = (bytes: number[], message: string, type: protobuf.Type = Node) =>
  assert.throws(
    () => check(bytes, type),
    (e) => isRpcError(e, ErrorCode.SERIALIZATION) && e.message === message,
  );

function withLimits(limits: ProtobufLimits, run: () => void): void {
  const saved = protobufLimits();
  setProtobufLimits(limits);
  try {
    run();
  } finally {
    setProtobufLimits(saved);
  }
}

describe('protobuf limits', () => {
  it('start at 16 384 messages and 131 072 field values', () => {
    assert.deepEqual(limitsAtStart, DEFAULT_LIMITS);
  });

  it('set each limit on its own, 1 included, and hand out a copy', () => {
    withLimits({ maxValues: 1 }, () => {
      assert.deepEqual(protobufLimits(), { maxMessages: 16_384, maxValues: 1 });
      setProtobufLimits({ maxMessages: 1 });
      assert.deepEqual(protobufLimits(), { maxMessages: 1, maxValues: 1 });
      protobufLimits().maxMessages = 99;
      assert.equal(protobufLimits().maxMessages, 1);
    });
    assert.deepEqual(protobufLimits(), DEFAULT_LIMITS);
  });

  it('refuse a limit that is not a positive safe integer, naming it, and keep the old one', () => {
    for (const key of ['maxMessages', 'maxValues'] as const) {
      for (const [bad, shown] of [
        [0, '0'],
        [-1, '-1'],
        [1.5, '1.5'],
        [Number.NaN, 'NaN'],
        [2 ** 53, '9007199254740992'],
        ['5', '5'],
      ] as const) {
        assert.throws(
          () => setProtobufLimits({ [key]: bad } as unknown as ProtobufLimits),
          (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT) && e.message === `${key} must be a positive integer, got ${shown}`,
          `${key} ${shown}`,
        );
      }
    }
    assert.deepEqual(protobufLimits(), DEFAULT_LIMITS);
  });
});

describe('ProtoWireBudget', () => {
  before(() => setProtobufLimits({ maxMessages: 10, maxValues: 50 }));
  after(() => setProtobufLimits(DEFAULT_LIMITS));

  it('counts nested messages, the body itself included: 10 pass, 11 are refused', () => {
    check(repeat(9, ...EMPTY_CHILD)); // 9 children + the node
    refused(repeat(10, ...EMPTY_CHILD), 'protobuf body holds more than 10 messages');
    check(repeat(9, 0x12, 0x00), Order); // 9 empty line_items + the order
    refused(repeat(10, 0x12, 0x00), 'protobuf body holds more than 10 messages', Order);
  });

  it('counts every field: 50 values pass, 51 are refused', () => {
    check(repeat(50, ...EMPTY_LABEL));
    refused(repeat(51, ...EMPTY_LABEL), 'protobuf body holds more than 50 field values');
  });

  it('counts a map entry as a message', () => {
    const entry = delimited(0x3a, [...delimited(0x0a, [0x6b]), ...delimited(0x12, [0x76])]); // tags { "k": "v" }
    check(repeat(9, ...entry));
    refused(repeat(10, ...entry), 'protobuf body holds more than 10 messages'); // refused at the 10th entry itself
  });

  it('walks a map entry value that is a message, and only that field of the entry', () => {
    const full = delimited(0x12, [...delimited(0x0a, [0x6b]), ...delimited(0x12, [])]); // children { "k": {} }: 2 messages
    const keyOnly = delimited(0x12, delimited(0x0a, [0x12, 0x00])); // children { "\x12\0" }: 1 message, its key not read as fields
    check([...repeat(4, ...full), ...keyOnly]);
    refused(repeat(5, ...full), 'protobuf body holds more than 10 messages');
    // A value field with another wire type is skipped like any unknown field.
    check(delimited(0x12, [...delimited(0x0a, [0x6b]), 0x10, 0x05]));
  });

  it('counts packed scalars one value per varint, up to the end of the field', () => {
    check([...delimited(0x1a, repeat(48, 0x01)), ...EMPTY_LABEL]); // 2 fields + 48 packed = 50
    refused([...delimited(0x1a, repeat(49, 0x01)), ...EMPTY_LABEL], 'protobuf body holds more than 50 field values');
    check(delimited(0x1a, repeat(49, 0x80, 0x01))); // 49 two-byte varints + the field
    refused(delimited(0x1a, repeat(50, 0x80, 0x01)), 'protobuf body holds more than 50 field values');
  });

  it('counts a string or bytes field, or a length-delimited single scalar, as one value', () => {
    const sixty = repeat(60, 0x01);
    check([...delimited(0x22, sixty), ...delimited(0x2a, sixty), ...delimited(0x32, sixty), ...delimited(0x42, sixty)]); // names, blobs, label, count
  });

  it('skips unknown fields of every wire type without walking them', () => {
    const unknown = [
      ...[0xa0, 0x01, 0x96, 0x01], // field 20, varint
      ...[0xa9, 0x01, ...repeat(8, 0x0a)], // field 21, 64-bit
      ...[0xb5, 0x01, ...repeat(4, 0x0a)], // field 22, 32-bit
      ...delimited(0xba, repeat(20, ...EMPTY_CHILD)), // field 23, length-delimited: not walked as messages
    ];
    check([...unknown, ...repeat(9, ...EMPTY_CHILD)]);
    refused([...unknown, ...repeat(10, ...EMPTY_CHILD)], 'protobuf body holds more than 10 messages');
    refused([0xa9, 0x01, ...repeat(7, 0x00)], 'not a protobuf message: field beyond the end of its message');
    refused([0xb5, 0x01, ...repeat(3, 0x00)], 'not a protobuf message: field beyond the end of its message');
    refused([0x0f], 'not a protobuf message: wire type 7');
    refused([0x0e], 'not a protobuf message: wire type 6');
  });

  it('skips a group to its end and goes on counting after it', () => {
    const group = [0x7b, 0x08, 0x01, 0x7c]; // field 15: start group, a varint, end group
    check([...group, ...repeat(9, ...EMPTY_CHILD)]);
    refused([...group, ...repeat(10, ...EMPTY_CHILD)], 'protobuf body holds more than 10 messages');
    refused([0x7b, 0x08, 0x01, 0x84, 0x01], 'not a protobuf message: mismatched end group');
    refused([0x7b, 0x08, 0x01], 'not a protobuf message: group without its end');
  });

  it('reads varints of up to 10 bytes and lengths of several bytes', () => {
    check([0xa0, 0x01, ...repeat(9, 0xff), 0x01]);
    refused([0xa0, 0x01, ...repeat(10, 0xff), 0x01], 'not a protobuf message: varint longer than 10 bytes');
    refused([0x20, 0xff], 'not a protobuf message: truncated varint');
    refused([0x32, 0x05, 0x00], 'not a protobuf message: field beyond the end of its message');
    withLimits({ maxValues: 129 }, () => {
      check(delimited(0x1a, repeat(128, 0x01))); // length 0x80 0x01: 128 packed + the field
      refused([...delimited(0x1a, repeat(128, 0x01)), ...EMPTY_LABEL], 'protobuf body holds more than 129 field values');
      check([...delimited(0x32, repeat(200, 0x61)), ...repeat(64, ...EMPTY_LABEL)]); // length 0xc8 0x01: one value
      refused([...delimited(0x32, repeat(200, 0x61)), ...repeat(129, ...EMPTY_LABEL)], 'protobuf body holds more than 129 field values');
    });
  });

  it('refuses a varint cut by the end of its message, even when the bytes after would complete it', () => {
    // child { packed: varint 0x80 | ... } ends after 0x80; the parent's next byte must not finish it.
    refused([0x0a, 0x02, 0x18, 0x80, ...EMPTY_LABEL], 'not a protobuf message: truncated varint');
  });

  it('walks nothing for a body too short to pass a limit: from min(2 × maxMessages, maxValues) bytes on', () => {
    const elevenMessages = Uint8Array.from(repeat(10, ...EMPTY_CHILD));
    new ProtoWireBudget(19).check(Node, elevenMessages); // below 2 × 10 bytes: trusted to protobufjs
    assert.throws(() => new ProtoWireBudget(20).check(Node, elevenMessages), /more than 10 messages/);
    withLimits({ maxMessages: 100, maxValues: 30 }, () => {
      const thirtyOneValues = Uint8Array.from(repeat(31, ...EMPTY_LABEL));
      new ProtoWireBudget(29).check(Node, thirtyOneValues);
      assert.throws(() => new ProtoWireBudget(30).check(Node, thirtyOneValues), /more than 30 field values/);
    });
  });

  it('counts across every check of one body', () => {
    const budget = new ProtoWireBudget(Number.MAX_SAFE_INTEGER);
    budget.check(Node, Uint8Array.from(repeat(4, ...EMPTY_CHILD)));
    budget.check(Node, Uint8Array.from(repeat(3, ...EMPTY_CHILD))); // 5 + 4 messages
    assert.throws(() => budget.check(Node, Uint8Array.from(EMPTY_CHILD)), /more than 10 messages/);
  });
});

describe('ProtoWireBudget nesting (protobufjs recursion limit 100)', () => {
  before(() => setProtobufLimits({ maxMessages: 1_000, maxValues: 1_000 }));
  after(() => setProtobufLimits(DEFAULT_LIMITS));

  const nest = (levels: number, wrap: (inner: number[]) => number[]): number[] => {
    let bytes: number[] = [];
    for (let i = 0; i < levels; i++) bytes = wrap(bytes);
    return bytes;
  };
  const children = (inner: number[]) => delimited(0x12, [...delimited(0x0a, [0x6b]), ...delimited(0x12, inner)]);
  const decodes = (bytes: number[]) => Node.decode(Uint8Array.from(bytes));

  it('lets messages nest 100 deep, as protobufjs does, and refuses 101', () => {
    const deepest = nest(100, (inner) => delimited(0x0a, inner));
    check(deepest);
    decodes(deepest);
    const deeper = delimited(0x0a, deepest);
    refused(deeper, 'protobuf body holds messages nested deeper than 100');
    assert.throws(() => decodes(deeper), /max depth exceeded/);
  });

  it('counts a map value one level below its message, as protobufjs does', () => {
    const deepest = nest(100, children);
    check(deepest);
    decodes(deepest);
    const deeper = children(deepest);
    refused(deeper, 'protobuf body holds messages nested deeper than 100');
    assert.throws(() => decodes(deeper), /max depth exceeded/);
  });

  it('lets groups nest 100 deep in a message and refuses 101', () => {
    check([...repeat(100, 0x7b), ...repeat(100, 0x7c)]);
    refused([...repeat(101, 0x7b), ...repeat(101, 0x7c)], 'protobuf body holds groups nested deeper than 100');
  });
});
