import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../../common/rpc-error.js';
import { DubboCodec } from '../../../rpc/exchange/dubbo-codec.js';
import {
  createHeartbeatRequest,
  createHeartbeatResponse,
  createRequest,
  createResponse,
  type DubboPackage,
  type DubboRequest,
  type DubboResponse,
  ResponseStatus,
} from '../../../rpc/protocol/dubbo-package.js';
import { capturedRequestFrame, DEMO_PATH, exceptionObject, frame, hmap, hstr } from '../protocol/golden-frames.js';

const codec = new DubboCodec();

function encode(pkg: DubboPackage, c = codec): Buffer {
  return Buffer.concat(c.write(null, pkg));
}

function decode<P extends DubboPackage>(buf: Buffer, c = codec): P {
  const result = c.read(null, buf);
  assert.equal(result.len, buf.length);
  assert.ok(result.pkg);
  return result.pkg as P;
}

function capturedRequest(): DubboRequest {
  return createRequest({
    id: 0x4e,
    path: DEMO_PATH,
    version: 'myversion',
    method: 'sayHello',
    parameterTypes: ['java.lang.String'],
    args: ['world'],
    attachments: { timeout: '3000' },
  });
}

describe('DubboCodec golden bytes', () => {
  it('encodes a captured dubbo-go hessian2 request (id 0x4e) byte for byte', () => {
    const expected = capturedRequestFrame();
    assert.equal(encode(capturedRequest()).toString('hex'), expected.toString('hex'));
    assert.equal(expected.subarray(0, 4).toString('hex'), 'dabbc200');
  });

  it('decodes the captured request back into the same call', () => {
    const req = decode<DubboRequest>(capturedRequestFrame());
    assert.equal(req.kind, 'request');
    assert.equal(req.id, 0x4e);
    assert.equal(req.twoWay, true);
    assert.equal(req.event, false);
    assert.equal(req.dubboVersion, '2.0.2');
    assert.equal(req.path, DEMO_PATH);
    assert.equal(req.version, 'myversion');
    assert.equal(req.method, 'sayHello');
    assert.deepEqual(req.parameterTypes, ['java.lang.String']);
    assert.deepEqual(req.args, ['world']);
    assert.equal(req.attachments.timeout, '3000');
    assert.equal(req.error, undefined);
  });

  it('writes a one-way request with flag 0x82', () => {
    const req = capturedRequest();
    req.twoWay = false;
    assert.equal(encode(req)[2], 0x82);
    assert.equal(decode<DubboRequest>(encode(req)).twoWay, false);
  });

  const flagCases: [string, Partial<DubboResponse>, Buffer][] = [
    ['0 exception', { dubboVersion: '2.5.3', exception: { type: 'java.lang.IllegalStateException', message: 'boom' } }, Buffer.concat([Buffer.from([0x90]), exceptionObject()])],
    ['1 value', { dubboVersion: '2.5.3', value: 'ok' }, Buffer.concat([Buffer.from([0x91]), hstr('ok')])],
    ['2 null', { dubboVersion: '2.5.3', value: null }, Buffer.from([0x92])],
    ['3 exception + attachments', { dubboVersion: '2.0.2', exception: { type: 'java.lang.IllegalStateException', message: 'boom' }, attachments: { k: 'v' } }, Buffer.concat([Buffer.from([0x93]), exceptionObject(), hmap([['k', hstr('v')]])])],
    ['4 value + attachments', { dubboVersion: '2.7.8', value: 'ok', attachments: {} }, Buffer.concat([Buffer.from([0x94]), hstr('ok'), hmap([])])],
    ['5 null + attachments', { value: undefined, attachments: { k: 'v' } }, Buffer.concat([Buffer.from([0x95]), hmap([['k', hstr('v')]])])],
  ];
  for (const [name, fields, body] of flagCases) {
    it(`encodes and decodes response flag ${name}`, () => {
      const expected = frame(0x02, 20, 9, body);
      const response = createResponse({ id: 9, ...fields });
      assert.equal(encode(response).toString('hex'), expected.toString('hex'));
      const back = decode<DubboResponse>(expected);
      assert.equal(back.status, ResponseStatus.OK);
      assert.deepEqual(back.exception, fields.exception);
      if (fields.exception === undefined) assert.equal(back.value, fields.value ?? null);
      assert.deepEqual(back.attachments, fields.attachments ?? {});
    });
  }

  it('carries an error string in a non-OK response', () => {
    const expected = frame(0x02, 70, 11, hstr('no such method'));
    const response = createResponse({ id: 11, status: ResponseStatus.SERVICE_ERROR, errorMessage: 'no such method' });
    assert.equal(encode(response).toString('hex'), expected.toString('hex'));
    const back = decode<DubboResponse>(expected);
    assert.equal(back.status, 70);
    assert.equal(back.errorMessage, 'no such method');
  });

  it('writes a heartbeat request as flag 0xE2 with a null body', () => {
    const bytes = encode(createHeartbeatRequest(1));
    assert.equal(bytes.toString('hex'), 'dabbe200' + '0000000000000001' + '00000001' + '4e');
    const back = decode<DubboRequest>(bytes);
    assert.equal(back.event, true);
    assert.equal(back.twoWay, true);
  });

  it('answers a heartbeat with flag 0x22, status 20 and a null body', () => {
    const bytes = encode(createHeartbeatResponse(createHeartbeatRequest(7)));
    assert.equal(bytes.toString('hex'), 'dabb2214' + '0000000000000007' + '00000001' + '4e');
    const back = decode<DubboResponse>(bytes);
    assert.equal(back.event, true);
    assert.equal(back.status, 20);
  });
});

describe('DubboCodec request ids', () => {
  it('round-trips ids up to 2^53 - 1 as numbers', () => {
    for (const id of [0, 1, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER]) {
      const back = decode<DubboResponse>(encode(createResponse({ id, value: 1 })));
      assert.equal(back.id, id);
    }
  });

  it('keeps a peer id beyond 2^53 exact as a bigint and echoes it', () => {
    const big = frame(0xc2, 0, 0, Buffer.alloc(0));
    big.writeBigInt64BE(0x7fff_ffff_ffff_fff1n, 4);
    const heartbeat = frame(0xe2, 0, 0, Buffer.from('N'));
    heartbeat.writeBigInt64BE(-5n * 2n ** 60n, 4);
    const req = decode<DubboRequest>(heartbeat);
    assert.equal(req.id, -5n * 2n ** 60n);
    const answer = encode(createHeartbeatResponse(req));
    assert.equal(answer.readBigInt64BE(4), -5n * 2n ** 60n);
    assert.equal(decode<DubboRequest>(big).id, 0x7fff_ffff_ffff_fff1n);
  });
});

describe('DubboCodec framing', () => {
  it('asks for more bytes until the header is complete', () => {
    const bytes = capturedRequestFrame();
    for (const n of [0, 1, 2, 15]) assert.deepEqual(codec.read(null, bytes.subarray(0, n)), { len: 0 });
  });

  it('returns the frame length as soon as the header is parsed', () => {
    const bytes = capturedRequestFrame();
    assert.deepEqual(codec.read(null, bytes.subarray(0, 16)), { len: bytes.length });
    assert.deepEqual(codec.read(null, bytes.subarray(0, bytes.length - 1)), { len: bytes.length });
  });

  it('decodes one frame at a time from a buffer holding several', () => {
    const one = capturedRequestFrame();
    const two = encode(createHeartbeatRequest(2));
    const both = Buffer.concat([one, two]);
    const first = codec.read(null, both);
    assert.equal(first.len, one.length);
    const second = codec.read(null, both.subarray(first.len));
    assert.equal(second.len, two.length);
    assert.equal((second.pkg as DubboRequest).event, true);
  });

  it('rejects a maxFrameLen that is not a sane integer', () => {
    for (const bad of [0, 15, 1.5, Number.NaN, 2 ** 40]) {
      assert.throws(() => new DubboCodec({ maxFrameLen: bad }), (err) => isRpcError(err, ErrorCode.INVALID_ARGUMENT));
    }
  });

  it('refuses to write a frame longer than maxFrameLen', () => {
    const small = new DubboCodec({ maxFrameLen: 64 });
    const response = createResponse({ id: 1, value: 'x'.repeat(100) });
    assert.throws(() => small.write(null, response), (err) => isRpcError(err, ErrorCode.MSG_TOO_LONG));
  });

  it('refuses to write an unknown serialization or an unencodable value', () => {
    const unknown = createResponse({ id: 1, value: 1, serialization: 30 });
    assert.throws(() => codec.write(null, unknown), (err) => isRpcError(err, ErrorCode.SERIALIZATION));
    const wrongType = createRequest({ id: 1, method: 'm', parameterTypes: ['int'], args: ['not a number'] });
    assert.throws(() => codec.write(null, wrongType), (err) => isRpcError(err, ErrorCode.SERIALIZATION));
  });
});
