/**
 * ProtoMessageCodec on its own: the strict encoder refuses, with a message
 * naming the field, the kind and the value, whatever protobufjs's
 * `fromObject` would drop or coerce; the decoder gives 64-bit integers and
 * enums as the options say and reports bad bytes with the caller's code.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { ErrorCode, isRpcError } from '../../../common/rpc-error.js';
import { ProtoMessageCodec } from '../../../rpc/serialization/proto-message-codec.js';
import { ProtoWireBudget, protobufLimits, setProtobufLimits } from '../../../rpc/serialization/proto-wire-budget.js';

const root = protobuf.parse(`
syntax = "proto3";
package kinds;
enum Colour {
  COLOUR_UNKNOWN = 0;
  RED = 1;
}
message Scalars {
  int32 i32 = 1;
  uint32 u32 = 2;
  int64 i64 = 3;
  uint64 u64 = 4;
  bool flag = 5;
  bytes blob = 6;
  double ratio = 7;
  float share = 8;
  string text = 9;
  Colour colour = 10;
  repeated int64 longs = 11;
  repeated string texts = 12;
  repeated Scalars children = 13;
  map<string, string> labels = 14;
  map<string, Scalars> by_name = 15;
  Scalars child = 16;
  oneof choice {
    string left = 17;
    string right = 18;
  }
  uint32 unit_count = 19;
}
message Plain {
  string text = 1;
  Plain next = 2;
}`).root;
root.resolveAll();
const Scalars = root.lookupType('kinds.Scalars');
const Plain = root.lookupType('kinds.Plain');
const FIELDS = 'i32, u32, i64, u64, flag, blob, ratio, share, text, colour, longs, texts, children, labels, byName, child, left, right, unitCount';

type Message = Record<string, unknown>;
const codec = new ProtoMessageCodec(Scalars);
const roundTrip = (value: unknown, options?: ConstructorParameters<typeof ProtoMessageCodec>[1]) => {
  const c = options === undefined ? codec : new ProtoMessageCodec(Scalars, options);
  return c.decode(c.encode(value));
};
/** Encoding `value` fails with INVALID_ARGUMENT and exactly `message`. */
const refused = (value: unknown, message: string) =>
  assert.throws(
    () => codec.encode(value),
    (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT) && e.message === message,
    message,
  );
const nested = (levels: number, leaf: Message = {}): Message => {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = { child: value };
  return value;
};

describe('ProtoMessageCodec options', () => {
  it('refuses longs and enums it does not know, naming the value', () => {
    assert.throws(
      () => new ProtoMessageCodec(Scalars, { enums: 'text' as never }),
      (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT) && e.message === "enums must be 'name' or 'number', got text",
    );
    assert.throws(
      () => new ProtoMessageCodec(Scalars, { longs: 'string' as never }),
      (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT) && e.message === "longs must be 'number' or 'bigint', got string",
    );
  });
});

describe('ProtoMessageCodec.encode', () => {
  it('refuses a value that is not an object, saying what it got', () => {
    refused(null, 'kinds.Scalars needs an object, got null');
    refused(undefined, 'kinds.Scalars needs an object, got undefined');
    refused(5, 'kinds.Scalars needs an object, got number');
    refused('x', 'kinds.Scalars needs an object, got string');
    refused([], 'kinds.Scalars needs an object, got an array');
  });

  it('takes every scalar kind in its JSON forms, at the edges of its range', () => {
    const back = roundTrip({
      i32: -(2 ** 31),
      u32: 2 ** 32 - 1,
      i64: '-9223372036854775808',
      u64: 2n ** 64n - 1n,
      flag: true,
      blob: Uint8Array.from([1, 2]),
      ratio: 0.5,
      share: '1.5',
      text: 'x',
      colour: 'RED',
    });
    assert.deepEqual(
      { ...back, blob: [...(back.blob as Uint8Array)] },
      { ...roundTrip({}), i32: -(2 ** 31), u32: 2 ** 32 - 1, i64: -(2n ** 63n), u64: 2n ** 64n - 1n, flag: true, blob: [1, 2], ratio: 0.5, share: 1.5, text: 'x', colour: 'RED' },
    );
    assert.equal(roundTrip({ i32: 2 ** 31 - 1 }).i32, 2 ** 31 - 1);
    assert.equal(roundTrip({ u32: 0 }).u32, 0);
    assert.equal(roundTrip({ u64: 0n }).u64, 0);
    assert.equal(roundTrip({ i64: 2n ** 63n - 1n }).i64, 2n ** 63n - 1n);
    assert.deepEqual([...(roundTrip({ blob: 'AQI=' }).blob as Uint8Array)], [1, 2], 'bytes as base64 text');
    assert.equal(roundTrip({ ratio: '-2.5e3' }).ratio, -2500);
    assert.equal(roundTrip({ i64: { low: 5, high: 1 } }).i64, 2 ** 32 + 5, 'a Long for a 64-bit field');
  });

  it('refuses a scalar its field cannot hold, showing the value', () => {
    const cases: [Message, string][] = [
      [{ i32: 2 ** 31 }, "field 'i32' (int32) cannot hold 2147483648"],
      [{ i32: -(2 ** 31) - 1 }, "field 'i32' (int32) cannot hold -2147483649"],
      [{ i32: { low: 1, high: 0 } }, "field 'i32' (int32) cannot hold an object"],
      [{ u32: 2 ** 32 }, "field 'u32' (uint32) cannot hold 4294967296"],
      [{ u32: -1 }, "field 'u32' (uint32) cannot hold -1"],
      [{ u64: 2n ** 64n }, "field 'u64' (uint64) cannot hold 18446744073709551616n"],
      [{ u64: -1n }, "field 'u64' (uint64) cannot hold -1n"],
      [{ i64: 2n ** 63n }, "field 'i64' (int64) cannot hold 9223372036854775808n"],
      [{ i64: 1.5 }, "field 'i64' (int64) cannot hold 1.5"],
      [{ i64: '5x' }, 'field \'i64\' (int64) cannot hold "5x"'],
      [{ i64: 'x5' }, 'field \'i64\' (int64) cannot hold "x5"'],
      [{ i64: '' }, 'field \'i64\' (int64) cannot hold ""'],
      [{ i64: ['5'] }, "field 'i64' (int64) cannot hold an array"],
      [{ i64: true }, "field 'i64' (int64) cannot hold true"],
      [{ i64: {} }, "field 'i64' (int64) cannot hold an object"],
      [{ i64: { high: 0 } }, "field 'i64' (int64) cannot hold an object"],
      [{ i64: { low: 1.5, high: 0 } }, "field 'i64' (int64) cannot hold an object"],
      [{ i64: { low: 0, high: 1.5 } }, "field 'i64' (int64) cannot hold an object"],
      [{ flag: 1 }, "field 'flag' (bool) cannot hold 1"],
      [{ flag: 'true' }, 'field \'flag\' (bool) cannot hold "true"'],
      [{ blob: 5 }, "field 'blob' (bytes) cannot hold 5"],
      [{ blob: [1] }, "field 'blob' (bytes) cannot hold an array"],
      [{ ratio: 'abc' }, 'field \'ratio\' (double) cannot hold "abc"'],
      [{ ratio: ' ' }, 'field \'ratio\' (double) cannot hold " "'],
      [{ ratio: true }, "field 'ratio' (double) cannot hold true"],
      [{ share: {} }, "field 'share' (float) cannot hold an object"],
      [{ text: 5 }, "field 'text' (string) cannot hold 5"],
      [{ text: 5n }, "field 'text' (string) cannot hold 5n"],
      [{ text: { a: 1 } }, "field 'text' (string) cannot hold an object"],
    ];
    for (const [value, message] of cases) refused(value, message);
  });

  it('shows at most 40 characters of a string it refuses', () => {
    refused({ flag: 'y'.repeat(50) }, `field 'flag' (bool) cannot hold "${'y'.repeat(40)}"`);
  });

  it('refuses a container of the wrong shape, naming what the field is', () => {
    refused({ texts: 'x' }, 'field \'texts\' (repeated string) cannot hold "x"');
    refused({ children: {} }, "field 'children' (repeated Scalars) cannot hold an object");
    refused({ labels: 5 }, "field 'labels' (map<string, string>) cannot hold 5");
    refused({ labels: ['a'] }, "field 'labels' (map<string, string>) cannot hold an array");
    refused({ byName: 'x' }, 'field \'byName\' (map<string, Scalars>) cannot hold "x"');
    refused({ child: 'x' }, 'field \'child\' (kinds.Scalars) cannot hold "x"');
    refused({ child: [] }, "field 'child' (kinds.Scalars) cannot hold an array");
  });

  it('checks every element of a repeated field and every value of a map, naming its path', () => {
    refused({ longs: [1, 2, 'x'] }, 'field \'longs[2]\' (int64) cannot hold "x"');
    refused({ labels: { a: 'ok', b: 7 } }, "field 'labels.b' (string) cannot hold 7");
    refused({ children: [{}, { nope: 1 }] }, `unknown field 'children[1].nope' in kinds.Scalars; its fields: ${FIELDS}`);
    refused({ byName: { k: { i32: 0.5 } } }, "field 'byName.k.i32' (int32) cannot hold 0.5");
    refused({ child: { child: { text: 1 } } }, "field 'child.child.text' (string) cannot hold 1");
  });

  it('refuses a null or undefined element of a repeated or map field (protobufjs would write "null" or 0)', () => {
    refused({ texts: ['a', null] }, "field 'texts[1]' (string) cannot hold null");
    refused({ longs: [undefined] }, "field 'longs[0]' (int64) cannot hold undefined");
    refused({ labels: { k: null } }, "field 'labels.k' (string) cannot hold null");
    refused({ children: [null] }, "field 'children[0]' (Scalars) cannot hold null");
    refused({ byName: { k: undefined } }, "field 'byName.k' (Scalars) cannot hold undefined");
  });

  it('leaves out a field set to null or undefined, whatever its kind', () => {
    const empty = { text: null, texts: null, labels: undefined, child: null, children: undefined, colour: null, i64: undefined };
    assert.equal(codec.encode(empty).length, 0);
  });

  it('takes enum names and numbers, and refuses an unknown name listing the known ones', () => {
    assert.equal(roundTrip({ colour: 1 }).colour, 'RED');
    assert.equal(roundTrip({ colour: 'RED' }, { enums: 'number' }).colour, 1);
    assert.equal(roundTrip({ colour: 7 }).colour, 7, 'proto3 enums are open');
    refused({ colour: 'BLUE' }, 'unknown kinds.Colour value "BLUE" for field \'colour\'; names: COLOUR_UNKNOWN, RED');
    refused({ colour: 1.5 }, "unknown kinds.Colour value 1.5 for field 'colour'; names: COLOUR_UNKNOWN, RED");
  });

  it('refuses an unknown field listing the fields, with a hint only for a name that differs in case or underscores', () => {
    refused({ nope: 1 }, `unknown field 'nope' in kinds.Scalars; its fields: ${FIELDS}`);
    const hint = " (did you mean 'unitCount'? field names follow the case the service was loaded with: camelCase unless keepCase: true)";
    refused({ unit_count: 1 }, `unknown field 'unit_count' in kinds.Scalars${hint}; its fields: ${FIELDS}`);
    refused({ UNITCOUNT: 1 }, `unknown field 'UNITCOUNT' in kinds.Scalars${hint}; its fields: ${FIELDS}`);
    refused({ child: { next: 1 } }, `unknown field 'child.next' in kinds.Scalars; its fields: ${FIELDS}`);
  });

  it('takes the name of a oneof next to its field', () => {
    assert.equal(roundTrip({ left: 'l', choice: 'left' }).left, 'l');
  });

  it('hands a protobufjs message to protobufjs as it is, at the top and nested', () => {
    const message = Scalars.fromObject({ text: 'm' });
    Object.assign(message, { notAField: 1 });
    assert.equal(codec.decode(codec.encode(message)).text, 'm');
    assert.equal((codec.decode(codec.encode({ child: message })).child as Message).text, 'm');
  });

  it('lets objects nest 100 messages deep and refuses 101 with its own message', () => {
    const plain = new ProtoMessageCodec(Plain);
    const deepest = (levels: number): Message => {
      let value: Message = { text: 'leaf' };
      for (let i = 0; i < levels; i++) value = { next: value };
      return value;
    };
    let back = plain.decode(plain.encode(deepest(100)));
    for (let i = 0; i < 100; i++) back = back.next as Message;
    assert.equal(back.text, 'leaf');
    assert.throws(
      () => plain.encode(deepest(101)),
      (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT) && e.message === 'kinds.Plain nested deeper than 100 messages',
    );
    refused(nested(101), 'kinds.Scalars nested deeper than 100 messages');
  });

  it('reports what protobufjs refuses to encode as INVALID_ARGUMENT naming the type', () => {
    let message = Plain.create({ text: 'leaf' });
    for (let i = 0; i < 101; i++) message = Plain.create({ next: message }); // a message is not checked: protobufjs finds the depth
    assert.throws(
      () => new ProtoMessageCodec(Plain).encode(message),
      (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT) && e.message === 'cannot encode kinds.Plain: max depth exceeded' && e.cause instanceof Error,
    );
  });
});

describe('ProtoMessageCodec.decode', () => {
  it('reports bytes that are not the message with the code given, naming the type, the cause kept', () => {
    const bad = Uint8Array.from([0x4a, 0x05, 0x61]); // text: 5 bytes announced, 1 there
    for (const code of [ErrorCode.SERIALIZATION, ErrorCode.BAD_RESPONSE]) {
      assert.throws(
        () => codec.decode(bad, code),
        (e) => isRpcError(e, code) && e.message.startsWith('bad kinds.Scalars message: ') && e.cause instanceof Error,
      );
    }
    assert.throws(() => codec.decode(bad), (e) => isRpcError(e, ErrorCode.SERIALIZATION));
  });

  describe('with a budget', () => {
    const saved = protobufLimits();
    before(() => setProtobufLimits({ maxMessages: 3 }));
    after(() => setProtobufLimits(saved));

    it('refuses more messages than the budget allows, before protobufjs decodes them', () => {
      const bytes = codec.encode({ children: [{}, {}, {}] });
      assert.throws(
        () => codec.decode(bytes, ErrorCode.BAD_REQUEST, new ProtoWireBudget(Number.MAX_SAFE_INTEGER)),
        (e) => isRpcError(e, ErrorCode.BAD_REQUEST) && e.message === 'bad kinds.Scalars message: protobuf body holds more than 3 messages',
      );
      assert.equal((codec.decode(codec.encode({ children: [{}, {}] }), ErrorCode.BAD_REQUEST, new ProtoWireBudget(Number.MAX_SAFE_INTEGER)).children as unknown[]).length, 2);
    });
  });

  it('gives a 64-bit integer within ±(2^53−1) as a number and beyond as a bigint, at any depth', () => {
    const limit = 2 ** 53 - 1;
    const back = roundTrip({ i64: -limit, u64: limit, longs: [limit, -(2n ** 53n)], byName: { k: { i64: 2n ** 53n } }, child: { i64: -limit } });
    assert.equal(back.i64, -limit);
    assert.equal(back.u64, limit);
    assert.deepEqual(back.longs, [limit, -(2n ** 53n)]);
    assert.equal(((back.byName as Record<string, Message>).k as Message).i64, 2n ** 53n);
    assert.equal((back.child as Message).i64, -limit);
  });

  it("gives every 64-bit integer as a bigint with longs: 'bigint'", () => {
    const back = roundTrip({ i64: 5, longs: [-1] }, { longs: 'bigint' });
    assert.equal(back.i64, 5n);
    assert.deepEqual(back.longs, [-1n]);
  });
});
