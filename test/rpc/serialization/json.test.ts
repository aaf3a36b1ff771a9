import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../../common/rpc-error.js';
import { DubboCodec } from '../../../rpc/exchange/dubbo-codec.js';
import { createHeartbeatRequest, createRequest, createResponse, type DubboRequest, type DubboResponse, ResponseStatus } from '../../../rpc/protocol/dubbo-package.js';
import { configureJson, jsonSerialization as json } from '../../../rpc/serialization/json.js';
import { DEFAULT_JSON_LIMITS } from '../../../rpc/serialization/json-shape-limits.js';
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

/** The body's lines, each ended by '\n'. */
const body = (...lines: string[]) => Buffer.from(lines.map((line) => `${line}\n`).join(''), 'utf8');
const head = ['"2.0.2"', '"p.Api"', '""', '"m"'];

function requestOf(bytes: Buffer): DubboRequest {
  const request = createRequest({ id: 1, serialization: JSON_ID });
  json.decodeRequestBody(bytes, request);
  return request;
}

function responseOf(bytes: Buffer, status: number = ResponseStatus.OK): DubboResponse {
  const response = createResponse({ id: 1, serialization: JSON_ID, status: status as ResponseStatus });
  json.decodeResponseBody(bytes, response);
  return response;
}

const written = (response: Omit<Parameters<typeof createResponse>[0], 'id'>) =>
  json.encodeResponseBody(createResponse({ id: 1, serialization: JSON_ID, ...response })).toString('utf8');

function refused(fn: () => unknown, message: string | RegExp): void {
  const matches = (text: string) => (typeof message === 'string' ? text === message : message.test(text));
  assert.throws(fn, (err) => isRpcError(err, ErrorCode.SERIALIZATION) && matches(err.message), String(message));
}

describe('json request bodies, value by value', () => {
  it('reads a missing, blank or null attachments line as no attachments, and a last line without its newline', () => {
    assert.deepEqual(requestOf(body(...head, '"I"', '7')).attachments, {});
    assert.deepEqual(requestOf(Buffer.from(`${head.join('\n')}\n"I"\n7\n\n \n`)).attachments, {});
    assert.deepEqual(requestOf(body(...head, '"I"', '7', 'null')).attachments, {});
    const unterminated = requestOf(Buffer.from(`${head.join('\n')}\n"I"\n7\n{"k":"v"}`));
    assert.deepEqual([unterminated.args, unterminated.attachments], [[7], { k: 'v' }]);
  });

  it('drops a "__proto__" key of the attachments and keeps the others', () => {
    const { attachments } = requestOf(body(...head, '""', '{"__proto__":{"polluted":true},"k":"v"}'));
    assert.equal(Object.hasOwn(attachments, '__proto__'), false);
    assert.equal(Object.getPrototypeOf(attachments), Object.prototype);
    assert.deepEqual(attachments, { k: 'v' });
  });

  it('refuses attachments that are not a JSON object', () => {
    for (const line of ['[1]', '7', '"k"']) refused(() => requestOf(body(...head, '""', line)), 'attachments are not a JSON object');
  });

  it('names what is wrong: a body ending early, a value that is not JSON (with the parser error as cause), a head value that is no string', () => {
    refused(() => requestOf(body(...head)), 'json body ended early');
    refused(() => requestOf(Buffer.alloc(0)), 'json body ended early');
    assert.throws(
      () => requestOf(body('{not json')),
      (err) => isRpcError(err, ErrorCode.SERIALIZATION) && err.message.startsWith('not a JSON value: ') && err.cause instanceof SyntaxError,
    );
    refused(() => requestOf(body('2', ...head.slice(1), '""', '{}')), 'expected a JSON string, got number');
    refused(() => requestOf(body(...head.slice(0, 3), 'null', '""', '{}')), 'expected a JSON string, got object');
  });

  it('reads byte[] arguments from base64 and keeps a null byte[] null', () => {
    assert.deepEqual(requestOf(body(...head, '"[B[B"', '"AQI="', 'null', '{}')).args, [Buffer.from([1, 2]), null]);
  });

  it("writes the request's own dubbo version, 2.0.2 when it has none", () => {
    const firstLine = (dubboVersion: string) =>
      json.encodeRequestBody(createRequest({ id: 1, serialization: JSON_ID, dubboVersion, path: 'p', method: 'm' })).toString('utf8').split('\n')[0];
    assert.equal(firstLine('2.7.8'), '"2.7.8"');
    assert.equal(firstLine(''), '"2.0.2"');
  });

  it('writes an undefined argument as null, a Map as an object and a Date as its epoch milliseconds, also at the top', () => {
    const args = [undefined, new Map([['k', 1]]), new Date(5), 1n];
    const request = createRequest({ id: 1, serialization: JSON_ID, path: 'p', method: 'm', parameterTypes: args.map(() => 'java.lang.Object'), args });
    assert.deepEqual(json.encodeRequestBody(request).toString('utf8').split('\n').slice(5, 9), ['null', '{"k":1}', '5', '1']);
    assert.deepEqual(requestOf(json.encodeRequestBody(request)).args, [null, { k: 1 }, 5, 1]);
  });
});

describe('json response bodies, value by value', () => {
  it('writes exactly the lines its flag names', () => {
    assert.equal(written({ value: { a: 1 }, attachments: { k: 'v' } }), '4\n{"a":1}\n{"k":"v"}\n');
    assert.equal(written({ value: null, attachments: { k: 'v' } }), '5\n{"k":"v"}\n');
    assert.equal(written({ value: 'v', dubboVersion: '2.0.0' }), '1\n"v"\n');
    assert.equal(written({ value: undefined, dubboVersion: '2.0.0' }), '2\n');
    assert.equal(written({ exception: { type: '', message: 'boom' }, dubboVersion: '2.0.0' }), '0\n{"@type":"java.lang.RuntimeException","message":"boom"}\n');
  });

  it('writes an error status as one JSON string: its error message, else the exception message, else "unknown error"', () => {
    const status = ResponseStatus.SERVICE_ERROR;
    assert.equal(written({ status, errorMessage: 'missing', exception: { type: 'x.Y', message: 'boom' } }), '"missing"\n');
    assert.equal(written({ status, exception: { type: 'x.Y', message: 'boom' } }), '"boom"\n');
    assert.equal(written({ status }), '"unknown error"\n');
  });

  it('reads an error status message as text, an empty body as an empty message', () => {
    const status = ResponseStatus.SERVICE_NOT_FOUND;
    assert.equal(responseOf(body('"missing"'), status).errorMessage, 'missing');
    assert.equal(responseOf(body('7'), status).errorMessage, '7');
    assert.equal(responseOf(Buffer.alloc(0), status).errorMessage, '');
    assert.equal(responseOf(Buffer.from('\n'), status).errorMessage, '');
  });

  it('reads each flag from 0 to 5, and attachments only after the flags that have them', () => {
    const exception = { type: 'x.Y', message: 'm' };
    assert.deepEqual(responseOf(body('0', '{"@type":"x.Y","message":"m"}', '{"k":"v"}')).exception, exception);
    const plain = responseOf(body('1', '"v"', '{"k":"v"}'));
    assert.deepEqual([plain.value, plain.attachments], ['v', {}]);
    assert.equal(responseOf(body('2')).value, null);
    assert.deepEqual(responseOf(body('3', '{"@type":"x.Y","message":"m"}', '{"k":"v"}')).attachments, { k: 'v' });
    const withAttachments = responseOf(body('4', '"v"', '{"k":"v"}'));
    assert.deepEqual([withAttachments.value, withAttachments.attachments], ['v', { k: 'v' }]);
    const nullWithAttachments = responseOf(body('5', '{"k":"v"}'));
    assert.deepEqual([nullWithAttachments.value, nullWithAttachments.attachments], [null, { k: 'v' }]);
  });

  it('refuses any other flag, naming it', () => {
    for (const flag of ['-1', '6', '1.5', '"1"', 'null']) refused(() => responseOf(body(flag, 'null')), `unknown response flag ${String(JSON.parse(flag))}`);
  });

  it('refuses a body opening with an empty line', () => {
    refused(() => responseOf(Buffer.from('\n2')), /^not a JSON value: /);
  });

  it('reads an exception from @type, className or type and message, detailMessage or localizedMessage, or from a bare value', () => {
    const exceptionOf = (line: string) => responseOf(body('0', line)).exception;
    assert.deepEqual(exceptionOf('{"className":"a.B","detailMessage":"d"}'), { type: 'a.B', message: 'd' });
    assert.deepEqual(exceptionOf('{"@type":1,"type":"a.C","message":2,"localizedMessage":"l"}'), { type: 'a.C', message: 'l' });
    assert.deepEqual(exceptionOf('{"@type":"a.D"}'), { type: 'a.D', message: 'a.D' });
    assert.deepEqual(exceptionOf('{}'), { type: 'java.lang.RuntimeException', message: 'java.lang.RuntimeException' });
    assert.deepEqual(exceptionOf('"boom"'), { type: 'java.lang.RuntimeException', message: 'boom' });
    assert.deepEqual(exceptionOf('null'), { type: 'java.lang.RuntimeException', message: 'null' });
  });

});

describe('json body limits (configureJson)', () => {
  afterEach(() => configureJson(DEFAULT_JSON_LIMITS));

  it('refuses a request whose many short argument lines hold more arrays than maxContainers', () => {
    configureJson({ maxContainers: 20 });
    const args = (count: number) => Array<string>(count).fill('[[],[]]'); // 3 arrays a line
    const request = (lines: string[]) => body(...head, `"${'I'.repeat(lines.length)}"`, ...lines, '{}');
    assert.equal(requestOf(request(args(6))).args.length, 6);
    refused(() => requestOf(request(args(7))), 'JSON body holding more than 20 arrays and objects');
  });

  it('applies the configured depth and values to requests and responses alike', () => {
    configureJson({ maxDepth: 3, maxValues: 4 });
    refused(() => requestOf(body(...head, '"I"', '[[[[0]]]]', '{}')), 'JSON body nested deeper than 3 levels');
    assert.deepEqual(requestOf(body(...head, '"I"', '[[[0]]]', '{}')).args, [[[[0]]]]);
    refused(() => responseOf(body('1', '[0,0,0,0,0,0]'.padEnd(100, ' '))), 'JSON body holding more than 4 values');
    assert.deepEqual(responseOf(body('1', '[0,0,0,0,0]'.padEnd(100, ' '))).value, [0, 0, 0, 0, 0]);
  });
});
