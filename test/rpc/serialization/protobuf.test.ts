import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ErrorCode, isRpcError } from '../../../common/rpc-error.js';
import { DubboCodec } from '../../../rpc/protocol/dubbo-codec.js';
import { createHeartbeatRequest, createRequest, createResponse, type DubboRequest, type DubboResponse } from '../../../rpc/protocol/dubbo-package.js';
import { loadProtoService } from '../../../rpc/serialization/proto-service-loader.js';
import { DelimitedReader, DelimitedWriter, wireTypes } from '../../../rpc/serialization/protobuf-wire.js';

// Compiled tests run from dist/test/...; the .proto stays in the source tree.
const here = dirname(fileURLToPath(import.meta.url));
const GREETER = join(here, '..', '..', '..', '..', 'test', 'rpc', 'serialization', 'fixtures', 'greeter.proto');
const codec = new DubboCodec();
const greeter = loadProtoService(GREETER);
const sayHello = greeter.methods.SayHello!;

function roundTrip<P extends DubboRequest | DubboResponse>(pkg: P): P {
  const bytes = Buffer.concat(codec.write(null, pkg));
  const result = codec.read(null, bytes);
  assert.equal(result.len, bytes.length);
  return result.pkg as P;
}

function helloRequest(serialization: number): DubboRequest {
  const args = [{ name: 'world', count: '9007199254740993', blob: Buffer.from('ab') }];
  return createRequest({ id: 5, serialization, path: greeter.name, method: 'SayHello', parameterTypes: [sayHello.parameterType], args, attachments: { timeout: 100 } });
}

describe('proto service loader', () => {
  it('names the service and its messages after java_package', () => {
    assert.equal(greeter.name, 'org.example.greeter.Greeter');
    assert.deepEqual(Object.keys(greeter.methods), ['SayHello']);
    assert.equal(sayHello.parameterType, 'org.example.greeter.HelloRequest');
    assert.equal(sayHello.returnType, 'org.example.greeter.HelloReply');
  });

  it('reports a missing file or service as INVALID_ARGUMENT', () => {
    assert.throws(() => loadProtoService(join(here, 'missing.proto')), (err) => isRpcError(err, ErrorCode.INVALID_ARGUMENT));
    assert.throws(() => loadProtoService(GREETER, { service: 'Nope' }), (err) => isRpcError(err, ErrorCode.INVALID_ARGUMENT));
  });
});

describe('protobuf serialization (id 22, and dubbo-go id 21)', () => {
  for (const id of [22, 21]) {
    it(`round-trips a request with id ${id}, decoding the argument message`, () => {
      const back = roundTrip(helloRequest(id));
      assert.equal(back.error, undefined);
      assert.equal(back.serialization, id);
      assert.equal(back.path, 'org.example.greeter.Greeter');
      assert.deepEqual(back.args, [{ name: 'world', count: 9007199254740993n, blob: Buffer.from('ab') }]);
      assert.equal(back.attachments.timeout, '100');
    });
  }

  it('writes the documented delimited layout', () => {
    const body = Buffer.concat(codec.write(null, helloRequest(22))).subarray(16);
    const expectedStart = new DelimitedWriter().string('2.0.2').string(greeter.name).string('').string('SayHello').string('Lorg/example/greeter/HelloRequest;').finish();
    assert.equal(body.subarray(0, expectedStart.length).toString('hex'), expectedStart.toString('hex'));
  });

  it('carries the response value as raw bytes the method decodes', () => {
    const res = roundTrip(createResponse({ id: 6, serialization: 22, returnType: sayHello.returnType, value: { message: 'hi', tags: ['a'] }, attachments: { k: 'v' } }));
    assert.ok(Buffer.isBuffer(res.value));
    assert.deepEqual(sayHello.decodeResponse(res.value as Buffer), { message: 'hi', tags: ['a'] });
    assert.deepEqual(res.attachments, { k: 'v' });
  });

  it('round-trips exceptions, nulls and error statuses', () => {
    const exception = { type: 'java.lang.IllegalStateException', message: 'boom' };
    assert.deepEqual(roundTrip(createResponse({ id: 6, serialization: 22, exception })).exception, exception);
    assert.equal(roundTrip(createResponse({ id: 6, serialization: 22, value: null })).value, null);
    const failed = roundTrip(createResponse({ id: 6, serialization: 22, status: 40, errorMessage: 'bad' }));
    assert.equal(failed.errorMessage, 'bad');
  });

  it('refuses to encode a value without a registered message type', () => {
    const res = createResponse({ id: 6, serialization: 22, value: { x: 1 }, returnType: 'com.unknown.Type' });
    assert.throws(() => codec.write(null, res), (err) => isRpcError(err, ErrorCode.SERIALIZATION));
  });

  it('writes heartbeats as dubbo-go does', () => {
    const bytes = Buffer.concat(codec.write(null, createHeartbeatRequest(1, 22)));
    assert.equal(bytes[2], 0xf6);
    assert.equal(bytes.subarray(16).toString(), 'N');
  });

  it('reads a delimited field or wrapper message beyond the body as RpcError SERIALIZATION', () => {
    assert.throws(() => new DelimitedReader(Buffer.from([0x7f, 0x01])).bytes(), (err) => isRpcError(err, ErrorCode.SERIALIZATION));
    assert.throws(() => new DelimitedReader(Buffer.from([0x03, 0x0a, 0x7f, 0x41])).string(), (err) => isRpcError(err, ErrorCode.SERIALIZATION));
    assert.throws(() => new DelimitedReader(Buffer.from([0x80])).bytes(), (err) => isRpcError(err, ErrorCode.SERIALIZATION));
  });

  it('turns corrupt bodies into packages carrying the error', () => {
    const valid = Buffer.concat(codec.write(null, helloRequest(22)));
    const truncated = Buffer.from(valid.subarray(0, 40));
    truncated.writeUInt32BE(24, 12);
    assert.ok(isRpcError((codec.read(null, truncated).pkg as DubboRequest).error, ErrorCode.BAD_REQUEST));
    const badArg = new DelimitedWriter().string('2.0.2').string('p').string('').string('SayHello').string('Lorg/example/greeter/HelloRequest;').bytes(Buffer.from([0x0a, 0xff, 0xff])).message(wireTypes().AttachmentMap, {}).finish();
    const frame = Buffer.concat([valid.subarray(0, 16), badArg]);
    frame.writeUInt32BE(badArg.length, 12);
    assert.ok(isRpcError((codec.read(null, frame).pkg as DubboRequest).error, ErrorCode.BAD_REQUEST));
    const badFlag = new DelimitedWriter().message(wireTypes().StringValue, { value: 'not a flag' }).finish();
    const response = Buffer.concat([Buffer.from([0xda, 0xbb, 0x16, 20, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, badFlag.length]), badFlag]);
    assert.ok(isRpcError((codec.read(null, response).pkg as DubboResponse).error, ErrorCode.BAD_RESPONSE));
  });
});
