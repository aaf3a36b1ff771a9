/**
 * The wrapper messages of the protobuf body layout and the delimited reader:
 * where a body ends, and how a bad one is reported (RpcError SERIALIZATION
 * naming what was being read, protobufjs's error kept as the cause).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../../common/rpc-error.js';
import { DelimitedReader, DelimitedWriter, wireTypes } from '../../../rpc/serialization/protobuf-wire.js';

describe('protobuf wire', () => {
  it('builds the wrapper message types once', () => {
    assert.equal(wireTypes(), wireTypes());
    assert.equal(wireTypes().StringValue, wireTypes().StringValue);
  });

  it('is done exactly when every delimited message is read', () => {
    assert.equal(new DelimitedReader(Buffer.alloc(0)).done, true);
    const reader = new DelimitedReader(new DelimitedWriter().string('a').string('b').finish());
    assert.equal(reader.done, false);
    assert.equal(reader.string(), 'a');
    assert.equal(reader.done, false);
    assert.equal(reader.string(), 'b');
    assert.equal(reader.done, true);
  });

  it('refuses to read past the end of the body', () => {
    const reader = new DelimitedReader(new DelimitedWriter().string('a').finish());
    reader.string();
    assert.throws(
      () => reader.bytes(),
      (e) => isRpcError(e, ErrorCode.SERIALIZATION) && e.message === 'protobuf body ended early',
    );
  });

  it('names the delimited field or the message type it could not read, keeping the cause', () => {
    assert.throws(
      () => new DelimitedReader(Buffer.from([0x05, 0x0a])).bytes(),
      (e) => isRpcError(e, ErrorCode.SERIALIZATION) && e.message.startsWith('bad protobuf delimited field: ') && e.cause instanceof Error,
    );
    assert.throws(
      () => new DelimitedReader(Buffer.from([0x02, 0x0a, 0x05])).int32(),
      (e) => isRpcError(e, ErrorCode.SERIALIZATION) && e.message.startsWith('bad protobuf Int32Value: ') && e.cause instanceof Error,
    );
  });
});
