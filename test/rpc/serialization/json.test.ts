import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../../common/rpc-error.js';
import { DubboCodec } from '../../../rpc/protocol/dubbo-codec.js';
import { createHeartbeatRequest, createRequest, createResponse, type DubboRequest, type DubboResponse } from '../../../rpc/protocol/dubbo-package.js';
import { getSerialization } from '../../../rpc/serialization/serialization.js';

const codec = new DubboCodec();
const JSON_ID = 6;

function roundTrip<P extends DubboRequest | DubboResponse>(pkg: P): P {
  const bytes = Buffer.concat(codec.write(null, pkg));
  const result = codec.read(null, bytes);
  assert.equal(result.len, bytes.length);
  return result.pkg as P;
}

function jsonFrame(flag: number, status: number, text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(16);
  header.writeUInt16BE(0xdabb, 0);
  header[2] = flag | JSON_ID;
  header[3] = status;
  header.writeUInt32BE(1, 8);
  header.writeUInt32BE(body.length, 12);
  return Buffer.concat([header, body]);
}

describe('json serialization (id 6)', () => {
  it('is registered by id and by name', () => {
    assert.equal(getSerialization(6).name, 'json');
    assert.equal(getSerialization('JSON').id, 6);
  });

  it('writes the fastjson layout: one JSON value per line', () => {
    const request = createRequest({ id: 1, serialization: JSON_ID, path: 'p.Api', version: '1', method: 'm', parameterTypes: ['java.lang.String', 'long'], args: ['a\nb', 12n] });
    const body = Buffer.concat(codec.write(null, request)).subarray(16).toString('utf8');
    assert.equal(body, '"2.0.2"\n"p.Api"\n"1"\n"m"\n"Ljava/lang/String;J"\n"a\\nb"\n12\n{"path":"p.Api","interface":"p.Api","version":"1"}\n');
  });

  it('round-trips a request, bigints exact on the wire and byte[] as base64', () => {
    const args = ['s', 9007199254740993n, Buffer.from([1, 2, 3]), { deep: [1, { x: null }] }, null];
    const types = ['java.lang.String', 'long', '[B', 'java.util.Map', 'java.lang.Object'];
    const back = roundTrip(createRequest({ id: 2, serialization: JSON_ID, path: 'p', method: 'm', parameterTypes: types, args, attachments: { timeout: '100' } }));
    assert.equal(back.error, undefined);
    assert.equal(back.serialization, JSON_ID);
    assert.deepEqual(back.parameterTypes, types);
    assert.deepEqual(back.args, ['s', 9007199254740993n, Buffer.from([1, 2, 3]), { deep: [1, { x: null }] }, null]);
    assert.equal(back.attachments.timeout, '100');
  });

  it('writes a string that looks like the bigint mark as that string', () => {
    const args = [{ s: '\u0000bigint:5', n: 2n ** 60n }];
    const back = roundTrip(createRequest({ id: 3, serialization: JSON_ID, path: 'p', method: 'm', parameterTypes: ['java.util.Map'], args }));
    assert.deepEqual(back.args, [{ s: '\u0000bigint:5', n: 2n ** 60n }]);
  });

  it('reads an integer beyond ±(2^53−1) as a bigint, safe integers, fractions, exponents and strings as they are', () => {
    const text = [
      '"2.0.2"', '"p"', '""', '"m"', '"Ljava/lang/Object;"',
      '{"big":9223372036854775807,"neg":-9223372036854775808,"safe":9007199254740991,"edge":-9007199254740992,' +
        '"frac":12345678901234567.5,"exp":1234567890123456789e2,"text":"12345678901234567890","esc":"a\\"12345678901234567890",' +
        '"list":[18446744073709551616,1],"spoof":"\\u0000bigint:5"}',
      '{}',
    ].join('\n');
    const request = codec.read(null, jsonFrame(0xc0, 0, `${text}\n`)).pkg as DubboRequest;
    assert.equal(request.error, undefined);
    assert.deepEqual(request.args[0], {
      big: 9223372036854775807n,
      neg: -9223372036854775808n,
      safe: 9007199254740991,
      edge: -9007199254740992n,
      frac: Number('12345678901234567.5'), // a double, rounded as JSON.parse rounds it
      exp: Number('1234567890123456789e2'),
      text: '12345678901234567890',
      esc: 'a"12345678901234567890',
      list: [18446744073709551616n, 1],
      spoof: '\u0000bigint:5',
    });
  });

  it('writes plain values and flat objects exactly as the replacer path does', () => {
    // Mixed shapes: each line goes either the plain way or through the replacer; both must agree.
    const bytes = new Uint8Array([250, 0, 7]);
    const nested = { at: new Date(5), big: 3n, list: [Buffer.from([1])], map: new Map([['k', 1]]) };
    const args = ['x"y', -0, Number.NaN, true, null, bytes, Buffer.alloc(0), { a: 'b', n: 1, f: false, z: null }, {}, nested];
    const types = args.map(() => 'java.lang.Object');
    const request = createRequest({ id: 3, serialization: JSON_ID, path: 'p', method: 'm', parameterTypes: types, args });
    const lines = Buffer.concat(codec.write(null, request)).subarray(16).toString('utf8').split('\n');
    const expected = ['"x\\"y"', '0', 'null', 'true', 'null', '"+gAH"', '""', '{"a":"b","n":1,"f":false,"z":null}', '{}'];
    assert.deepEqual(lines.slice(5, 14), expected);
    assert.equal(lines[14], '{"at":5,"big":3,"list":["AQ=="],"map":{"k":1}}');
  });

  it('round-trips values, nulls, exceptions and error statuses', () => {
    const value = roundTrip(createResponse({ id: 3, serialization: JSON_ID, value: { a: [1, 'b'] }, attachments: { k: 'v' } }));
    assert.deepEqual(value.value, { a: [1, 'b'] });
    assert.deepEqual(value.attachments, { k: 'v' });
    assert.equal(roundTrip(createResponse({ id: 3, serialization: JSON_ID, value: null, dubboVersion: '2.5.3' })).value, null);
    const exception = { type: 'java.lang.IllegalStateException', message: 'boom' };
    assert.deepEqual(roundTrip(createResponse({ id: 3, serialization: JSON_ID, exception })).exception, exception);
    const failed = roundTrip(createResponse({ id: 3, serialization: JSON_ID, status: 60, errorMessage: 'missing' }));
    assert.equal(failed.status, 60);
    assert.equal(failed.errorMessage, 'missing');
  });

  it('writes heartbeats with a null body', () => {
    const bytes = Buffer.concat(codec.write(null, createHeartbeatRequest(4, JSON_ID)));
    assert.equal(bytes[2], 0xe6);
    assert.equal(bytes.subarray(16).toString(), 'null\n');
  });

  it('turns corrupt JSON bodies into packages carrying the error', () => {
    const cases = ['', '"2.0.2"\n', '{not json\n', '"2.0.2"\n"p"\n""\n"m"\n"Lbroken"\n', '"2.0.2"\n"p"\n""\n"m"\n"I"\n', '"2.0.2"\n"p"\n""\n"m"\n""\n[1]\n'];
    for (const text of cases) {
      const req = codec.read(null, jsonFrame(0xc0, 0, text)).pkg as DubboRequest;
      assert.ok(isRpcError(req.error, ErrorCode.BAD_REQUEST), JSON.stringify(text));
    }
    for (const text of ['', '7\n', '"x"\n"y"\n', '1\n']) {
      const res = codec.read(null, jsonFrame(0x00, 20, text)).pkg as DubboResponse;
      assert.ok(isRpcError(res.error, ErrorCode.BAD_RESPONSE), JSON.stringify(text));
    }
  });
});
