/**
 * ProtoWireBudget: what one protobuf body may make protobufjs build, counted
 * on the wire bytes before decoding (messages, map entries, field values,
 * packed values; groups skipped to their end).
 */
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ErrorCode, isRpcError } from '../../../common/rpc-error.js';
import { loadProtoService } from '../../../rpc/serialization/proto-service-loader.js';
import { ProtoWireBudget, protobufLimits, setProtobufLimits } from '../../../rpc/serialization/proto-wire-budget.js';

const here = dirname(fileURLToPath(import.meta.url));
const SHOP = join(here, '..', '..', '..', '..', 'test', 'rpc', 'serialization', 'fixtures', 'shop.proto');
const Order = loadProtoService(SHOP).methods.PlaceOrder!.requestType;

const repeat = (count: number, ...bytes: number[]) => Buffer.concat(Array.from({ length: count }, () => Buffer.from(bytes)));
/** Checks `bytes` as one Order body with a fresh budget that always walks. */
const check = (bytes: Buffer) => new ProtoWireBudget(Number.MAX_SAFE_INTEGER).check(Order, bytes);
const refused = (bytes: Buffer, reason: RegExp) =>
  assert.throws(() => check(bytes), (e) => isRpcError(e, ErrorCode.SERIALIZATION) && reason.test(e.message));

describe('ProtoWireBudget', () => {
  const defaults = protobufLimits();
  before(() => setProtobufLimits({ maxMessages: 10, maxValues: 50 }));
  after(() => setProtobufLimits(defaults));

  it('counts nested messages, the body itself included', () => {
    check(repeat(9, 0x12, 0x00)); // 9 empty line_items + the order
    refused(repeat(10, 0x12, 0x00), /more than 10 messages/);
  });

  it('counts map entries and the messages they hold', () => {
    check(repeat(4, 0x1a, 0x04, 0x12, 0x02, 0x18, 0x01)); // items_by_sku entries { value: { quantity: 1 } }
    refused(repeat(5, 0x1a, 0x04, 0x12, 0x02, 0x18, 0x01), /more than 10 messages/);
  });

  it('counts every packed value and every field', () => {
    check(Buffer.concat([Buffer.from([0x5a, 40]), repeat(40, 0x01)])); // scores: 40 packed varints
    refused(Buffer.concat([Buffer.from([0x5a, 60]), repeat(60, 0x01)]), /more than 50 field values/);
    refused(repeat(51, 0x4a, 0x00), /more than 50 field values/); // 51 empty tags
  });

  it('skips a group to its end and goes on counting after it', () => {
    const group = [0x7b, 0x08, 0x01, 0x7c]; // field 15 start group, a varint, end group
    check(Buffer.from([...group, 0x12, 0x00]));
    refused(Buffer.concat([Buffer.from(group), repeat(10, 0x12, 0x00)]), /more than 10 messages/);
    refused(Buffer.from([0x7b, 0x08, 0x01, 0x84, 0x01]), /mismatched end group/);
    refused(Buffer.from([0x7b, 0x08, 0x01]), /group without its end/);
  });

  it('refuses truncated varints and lengths beyond the message', () => {
    refused(Buffer.from([0x20, 0xff]), /truncated varint/);
    refused(Buffer.from([0x12, 0x05, 0x00]), /beyond the end/);
    refused(Buffer.from([0x0f]), /wire type 7/);
  });

  it('walks nothing for a body too short to pass the limits', () => {
    new ProtoWireBudget(19).check(Order, repeat(10, 0x12, 0x00)); // below 2 × maxMessages bytes: trusted to protobufjs
  });
});
