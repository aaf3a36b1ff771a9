import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../../common/rpc-error.js';
import { createRequest, createResponse, type DubboRequest, type DubboResponse, ResponseStatus } from '../../../rpc/protocol/dubbo-package.js';
import { configureHessian2, hessian2Serialization as hessian2 } from '../../../rpc/serialization/hessian2.js';
import { hstr as s } from '../protocol/golden-frames.js';

/** Bytes from parts: a string is hex pairs (spaces ignored), a Buffer is itself. */
function b(...parts: (string | Buffer)[]): Buffer {
  return Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part.replace(/\s+/g, ''), 'hex') : part)));
}

function request(parameterTypes: string[], args: unknown[], fields: Partial<DubboRequest> = {}): DubboRequest {
  return createRequest({ id: 1, path: 'a.S', version: '', method: 'm', parameterTypes, args, ...fields });
}

/** The request body up to the arguments, for `request(types, …)` with `descriptor`. */
function head(descriptor: string, dubboVersion = '2.0.2'): Buffer {
  return b(s(dubboVersion), s('a.S'), s(''), s('m'), s(descriptor));
}

const ATTACHMENTS = b('48', s('interface'), s('a.S'), s('path'), s('a.S'), '5a');

function requestBody(req: DubboRequest, maxBodyBytes?: number): Buffer {
  return Buffer.from(hessian2.encodeRequestBody(req, maxBodyBytes));
}

function responseBody(fields: Partial<DubboResponse>, maxBodyBytes?: number): Buffer {
  return Buffer.from(hessian2.encodeResponseBody(createResponse({ id: 1, ...fields }), maxBodyBytes));
}

function serializationError(message: string): (err: unknown) => boolean {
  return (err) => isRpcError(err, ErrorCode.SERIALIZATION) && err.message === message;
}

/** [Java type, descriptor, value, its bytes]: kinds written inline and kinds the encoder writes, mixed. */
const ARGUMENTS: [string, string, unknown, Buffer][] = [
  ['int', 'I', 5, b('95')],
  ['java.lang.Integer', 'Ljava/lang/Integer;', 2 ** 31 - 1, b('49 7f ff ff ff')],
  ['boolean', 'Z', true, b('54')],
  ['java.lang.Boolean', 'Ljava/lang/Boolean;', false, b('46')],
  ['java.lang.String', 'Ljava/lang/String;', 'x', s('x')],
  ['[B', '[B', Buffer.from([1]), b('21 01')],
  ['byte[]', '[B', new Uint8Array([2]), b('21 02')],
  ['java.lang.Object', 'Ljava/lang/Object;', 'o', s('o')],
  ['java.lang.Object', 'Ljava/lang/Object;', Buffer.from([3]), b('21 03')],
  ['java.lang.Object', 'Ljava/lang/Object;', 5, b('95')],
  ['java.lang.Object', 'Ljava/lang/Object;', true, b('54')],
  ['java.lang.Object', 'Ljava/lang/Object;', { a: 1 }, b('48', s('a'), '91 5a')],
  ['long', 'J', 5, b('e5')],
  ['java.lang.Long', 'Ljava/lang/Long;', 5, b('e5')],
  ['short', 'S', 5, b('95')],
  ['double', 'D', 1, b('5c')],
  ['int', 'I', null, b('4e')],
  ['java.lang.String', 'Ljava/lang/String;', undefined, b('4e')],
  ['java.util.List', 'Ljava/util/List;', [1], b('79 91')],
];

describe('hessian2 request bodies', () => {
  it('writes the five header strings, each argument as its declared type, then the attachments', () => {
    for (const [type, descriptor, value, bytes] of ARGUMENTS) {
      assert.deepEqual(requestBody(request([type], [value])), b(head(descriptor), bytes, ATTACHMENTS), `${type} ${String(value)}`);
    }
    assert.deepEqual(requestBody(request([], [])), b(head(''), ATTACHMENTS));
  });

  it('writes several arguments in order, whether all are simple or one needs the encoder', () => {
    for (let i = 0; i + 1 < ARGUMENTS.length; i++) {
      const [first, second] = [ARGUMENTS[i]!, ARGUMENTS[i + 1]!];
      const req = request([first[0], second[0]], [first[2], second[2]]);
      assert.deepEqual(requestBody(req), b(head(first[1] + second[1]), first[3], second[3], ATTACHMENTS), `${first[0]}, ${second[0]}`);
    }
  });

  it('writes the default dubbo version when the request has none, and the service version when given', () => {
    assert.deepEqual(requestBody(request([], [], { dubboVersion: '' })), b(head(''), ATTACHMENTS));
    assert.deepEqual(
      requestBody(request([], [], { dubboVersion: '2.7.8', version: '1.0' })),
      b(s('2.7.8'), s('a.S'), s('1.0'), s('m'), s(''), '48', s('interface'), s('a.S'), s('path'), s('a.S'), s('version'), s('1.0'), '5a'),
    );
  });

  it('writes attachments that are not all strings too', () => {
    assert.deepEqual(requestBody(request([], [], { attachments: { n: 1, t: 'x' } })), b(head(''), '48', s('interface'), s('a.S'), s('n'), '91', s('path'), s('a.S'), s('t'), s('x'), '5a'));
  });

  it('refuses a value its declared type cannot hold, simple types included', () => {
    const cases: [string, unknown, string][] = [
      ['int', 2 ** 31, 'cannot send a JS number as Java int'],
      ['java.lang.Integer', -(2 ** 31) - 1, 'cannot send a JS number as Java java.lang.Integer'],
      ['int', 1.5, 'cannot send a JS number as Java int'],
      ['int', '5', 'cannot send a JS string as Java int'],
      ['boolean', 'x', 'cannot send a JS string as Java boolean'],
      ['java.lang.String', 5, 'cannot send a JS number as Java java.lang.String'],
      ['java.lang.String', true, 'cannot send a JS boolean as Java java.lang.String'],
      ['[B', 'x', 'cannot send a JS string as Java [B'],
      ['[B', [1], 'cannot send a JS array as Java [B'],
    ];
    for (const [type, value, message] of cases) {
      assert.throws(() => requestBody(request([type], [value])), serializationError(message), `${type} ${String(value)}`);
      assert.throws(() => requestBody(request(['int', type], [1, value])), serializationError(message), `${type} ${String(value)} second`);
    }
  });

  it('refuses arguments that do not match the parameter types in number', () => {
    assert.throws(() => requestBody(request(['int', 'int'], [1])), serializationError('1 arguments for 2 parameter types'));
    assert.throws(() => requestBody(request([], [1])), serializationError('1 arguments for 0 parameter types'));
  });

  it('stops a body beyond its byte limit while writing it; the next body has no limit unless given', () => {
    // The shared writer checks its limit where its buffer grows (the codec checks the frame after):
    // the values refused in this file are larger than any body it wrote before without a limit.
    const big = Buffer.alloc(4 << 20);
    assert.throws(() => requestBody(request(['[B'], [big]), 1 << 20), (err) => isRpcError(err, ErrorCode.MSG_TOO_LONG));
    const unlimited = big.subarray(0, 4093 * 300);
    assert.equal(requestBody(request(['[B'], [unlimited])).length, head('[B').length + unlimited.length + 3 * 300 + ATTACHMENTS.length);
  });
});

describe('hessian2 response bodies', () => {
  it('writes the flag, the value as its return type (by inference when none), then the attachments', () => {
    const cases: [string | undefined, unknown, Buffer][] = [
      ['int', 5, b('95')],
      ['long', 5, b('e5')],
      [undefined, 5, b('95')],
      [undefined, 'x', s('x')],
      ['java.lang.Object', Buffer.from([1]), b('21 01')],
      ['java.lang.String', 'x', s('x')],
      [undefined, 2.5, b('5f 00 00 09 c4')],
      ['double', 5n, b('5d 05')],
    ];
    for (const [returnType, value, bytes] of cases) {
      assert.deepEqual(responseBody({ returnType, value }), b('94', bytes, '48 5a'), `${returnType} ${String(value)}`);
      assert.deepEqual(responseBody({ returnType, value, dubboVersion: '2.0.1' }), b('91', bytes), `${returnType} ${String(value)} to 2.0.1`);
    }
    assert.deepEqual(responseBody({ value: null }), b('95 48 5a'));
    assert.deepEqual(responseBody({ value: undefined, dubboVersion: '2.0.1' }), b('92'));
    assert.deepEqual(responseBody({ value: 1, attachments: { k: 'v', n: 2 } }), b('94 91 48', s('k'), s('v'), s('n'), '92 5a'));
    assert.throws(() => responseBody({ returnType: 'java.lang.String', value: 5 }), serializationError('cannot send a JS number as Java java.lang.String'));
    assert.throws(() => responseBody({ returnType: 'int', value: 2 ** 31 }), serializationError('cannot send a JS number as Java int'));
  });

  it('writes an exception as an object of its class with detailMessage and an empty stackTrace', () => {
    const exception = (type: string) =>
      b('43', s(type), '92', s('detailMessage'), s('stackTrace'), '60', s('bad'), '70', s('[java.lang.StackTraceElement'));
    assert.deepEqual(responseBody({ exception: { type: 'com.x.Err', message: 'bad' } }), b('93', exception('com.x.Err'), '48 5a'));
    assert.deepEqual(responseBody({ exception: { type: '', message: 'bad' }, dubboVersion: '2.0.1' }), b('90', exception('java.lang.RuntimeException')));
  });

  it('writes only the error message for a status other than OK', () => {
    const status = ResponseStatus.SERVICE_ERROR;
    assert.deepEqual(responseBody({ status, errorMessage: 'boom', exception: { type: 'x', message: 'other' } }), s('boom'));
    assert.deepEqual(responseBody({ status, exception: { type: 'x', message: 'other' } }), s('other'));
    assert.deepEqual(responseBody({ status }), s('unknown error'));
  });

  it('stops a response beyond its byte limit while writing it', () => {
    assert.throws(() => responseBody({ value: Buffer.alloc(4 << 20), returnType: '[B' }, 1 << 20), (err) => isRpcError(err, ErrorCode.MSG_TOO_LONG));
    assert.throws(() => responseBody({ value: [Buffer.alloc(4 << 20)] }, 1 << 20), (err) => isRpcError(err, ErrorCode.MSG_TOO_LONG));
    assert.throws(() => responseBody({ status: ResponseStatus.SERVICE_ERROR, errorMessage: 'x'.repeat(4 << 20) }, 1 << 20), (err) => isRpcError(err, ErrorCode.MSG_TOO_LONG));
  });
});

describe('hessian2 exceptions read from a response', () => {
  function exceptionOf(value: Buffer): unknown {
    const response = createResponse({ id: 1 });
    hessian2.decodeResponseBody(b('90', value), response);
    return response.exception;
  }

  it('takes the class and detailMessage of the object, else its message field, else the class name', () => {
    const object = (type: string, fields: [string, Buffer][]) =>
      b('43', s(type), (0x90 + fields.length).toString(16), ...fields.map(([name]) => s(name)), '60', ...fields.map(([, value]) => value));
    assert.deepEqual(exceptionOf(object('com.x.E', [['detailMessage', s('d')], ['message', s('m')]])), { type: 'com.x.E', message: 'd' });
    assert.deepEqual(exceptionOf(object('com.x.E', [['detailMessage', b('4e')], ['message', s('m')]])), { type: 'com.x.E', message: 'm' });
    assert.deepEqual(exceptionOf(object('com.x.E', [['detailMessage', b('91')]])), { type: 'com.x.E', message: 'com.x.E' });
    assert.deepEqual(exceptionOf(object('com.x.E', [['message', b('91')]])), { type: 'com.x.E', message: 'com.x.E' });
    assert.deepEqual(exceptionOf(b('48', s('message'), s('m'), '5a')), { type: 'java.lang.RuntimeException', message: 'm' });
  });

  it('takes a value that is not an object as the message of a RuntimeException', () => {
    assert.deepEqual(exceptionOf(s('oops')), { type: 'java.lang.RuntimeException', message: 'oops' });
    assert.deepEqual(exceptionOf(b('4e')), { type: 'java.lang.RuntimeException', message: 'null' });
    assert.deepEqual(exceptionOf(b('95')), { type: 'java.lang.RuntimeException', message: '5' });
  });

  it('reads back the exceptions it writes', () => {
    for (const exception of [{ type: 'com.x.Err', message: 'bad' }, { type: 'java.lang.IllegalStateException', message: '' }]) {
      const response = createResponse({ id: 1 });
      hessian2.decodeResponseBody(responseBody({ exception }), response);
      assert.deepEqual(response.exception, exception);
    }
  });
});

describe('hessian2 response bodies read', () => {
  function decoded(body: Buffer, status: ResponseStatus = ResponseStatus.OK): DubboResponse {
    const response = createResponse({ id: 1, status });
    hessian2.decodeResponseBody(body, response);
    return response;
  }

  it('takes the error message of a status other than OK, empty for an empty body', () => {
    assert.equal(decoded(s('boom'), ResponseStatus.SERVICE_ERROR).errorMessage, 'boom');
    assert.equal(decoded(b('95'), ResponseStatus.SERVER_ERROR).errorMessage, '5');
    assert.equal(decoded(Buffer.alloc(0), ResponseStatus.SERVICE_ERROR).errorMessage, '');
  });

  it('refuses a flag that is not 0–5 when more follows it', () => {
    for (const [flag, text] of [[s('x'), 'x'], [b('8f'), '-1'], [b('96'), '6'], [b('5f 00 00 05 dc'), '1.5']] as const) {
      assert.throws(() => decoded(b(flag, '91')), serializationError(`unknown response flag ${text}`), text);
    }
  });
});

describe('hessian2 request bodies read', () => {
  function decoded(body: Buffer): DubboRequest {
    const req = createRequest({ id: 1 });
    hessian2.decodeRequestBody(body, req);
    return req;
  }

  it('refuses a header field that is not a string', () => {
    assert.throws(() => decoded(b(s('2.0.2'), '91')), serializationError('expected a string, got number'));
  });

  it('reads null attachments as none, and a map with other keys with its keys as text', () => {
    assert.deepEqual(decoded(b(head(''), '4e')).attachments, {});
    assert.deepEqual(decoded(b(head(''), '48 91', s('x'), '54', s('y'), '5a')).attachments, { 1: 'x', true: 'y' });
  });
});

describe('configureHessian2 validation', () => {
  it('names the option and the value it refuses', () => {
    assert.throws(() => configureHessian2({ longs: 'text' as never }), { message: "longs must be 'number' or 'bigint', got text" });
    assert.throws(() => configureHessian2({ maxValues: 0 }), { message: 'maxValues must be a positive integer, got 0' });
    assert.throws(() => configureHessian2({ maxObjects: 1.5 }), { message: 'maxObjects must be a positive integer, got 1.5' });
  });
});
