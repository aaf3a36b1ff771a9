import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ErrorCode, isRpcError } from '../../../common/rpc-error.js';
import { DubboCodec } from '../../../rpc/exchange/dubbo-codec.js';
import { createHeartbeatRequest, createRequest, createResponse, type DubboRequest, type DubboResponse } from '../../../rpc/protocol/dubbo-package.js';
import { loadProtoService } from '../../../rpc/serialization/proto-service-loader.js';
import { protobufLimits } from '../../../rpc/serialization/proto-wire-budget.js';
import { configureProtobuf, encodeProtoValue, findProtoType, protobufSerialization } from '../../../rpc/serialization/protobuf.js';
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

describe('protobuf bodies, field by field', () => {
  const serialization = protobufSerialization;
  const request = (fields: Partial<DubboRequest>) =>
    createRequest({ id: 1, serialization: 22, path: greeter.name, method: 'SayHello', parameterTypes: [sayHello.parameterType], args: [{ name: 'n' }], ...fields });
  const readRequest = (body: Buffer) => {
    const back = createRequest({ id: 1, serialization: 22 });
    serialization.decodeRequestBody(body, back);
    return back;
  };
  const response = (fields: Partial<DubboResponse>) => createResponse({ id: 1, serialization: 22, returnType: sayHello.returnType, ...fields });
  const readResponse = (body: Buffer, status = 20) => {
    const back = createResponse({ id: 1, serialization: 22, status });
    serialization.decodeResponseBody(body, back);
    return back;
  };
  const flag = (value: number) => new DelimitedWriter().message(wireTypes().Int32Value, { value });
  const attachments = (map: Record<string, string>) => new DelimitedWriter().message(wireTypes().AttachmentMap, { attachments: map }).finish();
  const serializationError = (message: string) => (e: unknown) => isRpcError(e, ErrorCode.SERIALIZATION) && e.message === message;

  it('configureProtobuf sets the decoding limits and refuses a bad one', () => {
    const saved = protobufLimits();
    try {
      configureProtobuf({ maxValues: 7 });
      assert.deepEqual(protobufLimits(), { ...saved, maxValues: 7 });
      assert.throws(
        () => configureProtobuf({ maxMessages: 0 }),
        (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT) && e.message === 'maxMessages must be a positive integer, got 0',
      );
    } finally {
      configureProtobuf(saved);
    }
  });

  it('finds the message codec of a Java type name the loader registered', () => {
    assert.equal(findProtoType(sayHello.parameterType)?.type.fullName, '.demo.greeter.HelloRequest');
    assert.equal(findProtoType('com.unknown.Type'), undefined);
  });

  it('passes raw bytes through and refuses a value of a type no .proto registered', () => {
    const raw = Buffer.from([1, 2]);
    assert.equal(encodeProtoValue('com.unknown.Type', raw), raw);
    assert.equal(encodeProtoValue(sayHello.parameterType, raw), raw);
    assert.throws(() => encodeProtoValue('com.unknown.Type', {}), serializationError('no protobuf message registered for com.unknown.Type'));
    assert.throws(() => encodeProtoValue(undefined, {}), serializationError('no protobuf message registered for undefined'));
  });

  it('writes the default dubbo version only when the request has none', () => {
    assert.equal(readRequest(serialization.encodeRequestBody(request({ dubboVersion: '' }))).dubboVersion, '2.0.2');
    assert.equal(readRequest(serialization.encodeRequestBody(request({ dubboVersion: '2.7.8' }))).dubboVersion, '2.7.8');
  });

  it('keeps an argument of a type no .proto registered as its raw bytes', () => {
    const back = readRequest(serialization.encodeRequestBody(request({ parameterTypes: ['com.unknown.Raw'], args: [Buffer.from('raw')] })));
    assert.deepEqual(back.args, [Buffer.from('raw')]);
  });

  it('reads a request body without its attachment map as no attachments', () => {
    const body = new DelimitedWriter().string('2.0.2').string('p').string('').string('m').string('').finish();
    assert.deepEqual(readRequest(body).attachments, {});
  });

  it('sends attachment values as strings, leaving out undefined and null ones, the empty key kept', () => {
    const body = serialization.encodeResponseBody(response({ value: { message: 'hi' }, attachments: { gone: undefined, none: null, n: 5, '': 'empty' } }));
    assert.deepEqual({ ...readResponse(body).attachments }, { n: '5', '': 'empty' });
  });

  it('drops a received "__proto__" attachment, request or response', () => {
    const hostile = { ['__proto__']: 'x', k: 'v' };
    const requestBody = Buffer.concat([new DelimitedWriter().string('2.0.2').string('p').string('').string('m').string('').finish(), attachments(hostile)]);
    const responseBody = Buffer.concat([flag(5).finish(), attachments(hostile)]);
    for (const received of [readRequest(requestBody).attachments, readResponse(responseBody).attachments]) {
      assert.equal(Object.hasOwn(received, '__proto__'), false);
      assert.equal(received.k, 'v');
    }
  });

  it('writes flags 0-2 without attachments for a caller whose dubbo version predates them', () => {
    const value = { message: 'hi' };
    const body = serialization.encodeResponseBody(response({ value, dubboVersion: '2.0.0', attachments: { k: 'v' } }));
    const encoded = encodeProtoValue(sayHello.returnType, value);
    assert.equal(body.toString('hex'), flag(1).bytes(encoded).finish().toString('hex'));
    const back = readResponse(body);
    assert.deepEqual(sayHello.decodeResponse(back.value as Buffer), { message: 'hi', tags: [] });
    assert.deepEqual(back.attachments, {});
    const exception = { type: 'java.lang.IllegalStateException', message: 'boom' };
    assert.deepEqual(readResponse(serialization.encodeResponseBody(response({ exception, dubboVersion: '2.0.0' }))).exception, exception);
    assert.equal(readResponse(serialization.encodeResponseBody(response({ value: null, dubboVersion: '2.0.0' }))).value, null);
  });

  it('refuses a response flag outside 0-5', () => {
    assert.throws(() => readResponse(flag(6).finish()), serializationError('unknown response flag 6'));
    assert.throws(() => readResponse(flag(-1).finish()), serializationError('unknown response flag -1'));
  });

  it('names an exception without a class java.lang.RuntimeException', () => {
    const body = Buffer.concat([flag(0).finish(), new DelimitedWriter().message(wireTypes().ThrowableProto, { originalClassName: '', originalMessage: 'why' }).finish()]);
    assert.deepEqual(readResponse(body).exception, { type: 'java.lang.RuntimeException', message: 'why' });
  });

  it('carries the text of a non-OK status: its error message, else the exception message, else "unknown error"', () => {
    const text = (fields: Partial<DubboResponse>) => readResponse(serialization.encodeResponseBody(response({ status: 80, ...fields })), 80).errorMessage;
    assert.equal(text({ errorMessage: 'bad', exception: { type: 'T', message: 'boom' } }), 'bad');
    assert.equal(text({ exception: { type: 'T', message: 'boom' } }), 'boom');
    assert.equal(text({}), 'unknown error');
    assert.equal(readResponse(Buffer.alloc(0), 80).errorMessage, '');
  });

  it('reports a provider result its type cannot hold as SERIALIZATION, the reason kept as the cause', () => {
    assert.throws(
      () => serialization.encodeResponseBody(response({ value: { nope: 1 } })),
      (e) =>
        isRpcError(e, ErrorCode.SERIALIZATION) &&
        e.message === "unknown field 'nope' in demo.greeter.HelloReply; its fields: message, tags" &&
        isRpcError(e.cause, ErrorCode.INVALID_ARGUMENT),
    );
    assert.throws(
      () => serialization.encodeResponseBody(response({ value: {}, returnType: 'com.unknown.Type' })),
      (e) => serializationError('no protobuf message registered for com.unknown.Type')(e) && (e as Error).cause === undefined,
    );
  });
});
