/**
 * Differential tests against an independent Dubbo 2 codec: dubbo-remoting,
 * sofa-rpc-node's protocol plug-in. Ours encodes, theirs decodes, and back.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { DubboCodec } from '../../../rpc/exchange/dubbo-codec.js';
import { createHeartbeatRequest, createRequest, createResponse, type DubboRequest, type DubboResponse } from '../../../rpc/protocol/dubbo-package.js';

interface TheirPacket {
  packetId: number;
  packetType: string;
  data: {
    methodName?: string;
    serverSignature?: string;
    args?: unknown[];
    methodArgSigs?: string[];
    requestProps?: Record<string, unknown>;
    appResponse?: unknown;
    error?: Error | null;
    responseProps?: Record<string, unknown> | null;
  };
}

interface TheirProtocol {
  requestEncode(id: number, data: Record<string, unknown>, options: Record<string, unknown>): Buffer;
  responseEncode(id: number, data: Record<string, unknown>, options: Record<string, unknown>): Buffer;
  heartbeatEncode(id: number, hb: unknown, options: Record<string, unknown>): Buffer;
  decode(buf: Buffer, options: Record<string, unknown>): TheirPacket;
}

const require = createRequire(import.meta.url);
const theirs = require('dubbo-remoting/lib/protocol/index.js') as TheirProtocol;
const HESSIAN = { codecType: 'hessian2' };
const codec = new DubboCodec();

function ours(buf: Buffer): DubboRequest | DubboResponse {
  const result = codec.read(null, buf);
  assert.equal(result.len, buf.length);
  return result.pkg as DubboRequest | DubboResponse;
}

function encodeOurs(pkg: DubboRequest | DubboResponse): Buffer {
  return Buffer.concat(codec.write(null, pkg));
}

const user = { name: 'ada', age: 36, tags: ['x', 'y'], address: { city: 'Paris' } };
const declared: [string, string, unknown, unknown][] = [
  // [label, Java type, value we send, value they read]
  ['string', 'java.lang.String', 'héllo wörld', 'héllo wörld'],
  ['int', 'int', -123456, -123456],
  ['long', 'long', 2 ** 40, 2 ** 40],
  ['bigint long beyond 2^53', 'java.lang.Long', 9007199254740993n, '9007199254740993'],
  ['double', 'double', 3.25, 3.25],
  ['boolean', 'boolean', true, true],
  ['null', 'java.lang.Object', null, null],
  ['list', 'java.util.List', [1, 'two', 3.5], [1, 'two', 3.5]],
  ['map', 'java.util.Map', { a: 1, b: 'c' }, { a: 1, b: 'c' }],
  ['nested object', 'com.example.User', user, user],
  ['byte array', '[B', Buffer.from([0, 1, 254, 255]), Buffer.from([0, 1, 254, 255])],
  ['int array', '[I', [1, 2, 3], [1, 2, 3]],
];

describe('differential: our requests, decoded by dubbo-remoting', () => {
  for (const [label, type, sent, read] of declared) {
    it(`carries a ${label} argument`, () => {
      const request = createRequest({ id: 17, path: 'com.example.Api', version: '1.0.0', method: 'call', parameterTypes: [type], args: [sent], attachments: { group: 'g' } });
      const packet = theirs.decode(encodeOurs(request), {});
      assert.equal(packet.packetType, 'request');
      assert.equal(packet.packetId, 17);
      assert.equal(packet.data.methodName, 'call');
      assert.equal(packet.data.serverSignature, 'com.example.Api:1.0.0');
      assert.deepEqual(packet.data.args, [read]);
      assert.equal(packet.data.requestProps?.group, 'g');
      assert.equal(packet.data.requestProps?.interface, 'com.example.Api');
    });
  }

  it('sends heartbeats they recognise', () => {
    const packet = theirs.decode(encodeOurs(createHeartbeatRequest(5)), {});
    assert.equal(packet.packetType, 'heartbeat');
    assert.equal(packet.packetId, 5);
  });
});

describe('differential: dubbo-remoting requests, decoded by us', () => {
  it('reads every argument type with the descriptor they inferred', () => {
    const args = ['s', 7, 2 ** 40, 1.5, false, null, [1, 2], { a: 1 }, { $class: 'com.example.User', $: { name: 'x', age: 2 } }, Buffer.from('hi')];
    const buf = theirs.requestEncode(3, { serverSignature: 'com.x.Svc:2.0.0', methodName: 'm', args, group: 'g', requestProps: { k: 'v' } }, HESSIAN);
    const req = ours(buf) as DubboRequest;
    assert.equal(req.error, undefined);
    assert.equal(req.path, 'com.x.Svc');
    assert.equal(req.version, '2.0.0');
    assert.equal(req.method, 'm');
    assert.deepEqual(req.parameterTypes, ['java.lang.String', 'int', 'long', 'double', 'boolean', 'java.lang.Object', 'java.util.ArrayList', 'java.util.HashMap', 'com.example.User', '[B']);
    assert.deepEqual(req.args, ['s', 7, 2 ** 40, 1.5, false, null, [1, 2], { a: 1 }, { name: 'x', age: 2 }, Buffer.from('hi')]);
    assert.equal(req.attachments.k, 'v');
    assert.equal(req.attachments.group, 'g');
  });
});

describe('differential: responses both ways', () => {
  const values: [string, unknown, unknown][] = [
    ['string', 'ok', 'ok'],
    ['int', 42, 42],
    ['long', 2 ** 45, 2 ** 45],
    ['double', 0.5, 0.5],
    ['list', ['a', 1], ['a', 1]],
    ['map', { k: [1, 2] }, { k: [1, 2] }],
    ['byte array', Buffer.from('bytes'), Buffer.from('bytes')],
    ['nested object', { $class: 'com.example.User', $: user }, user],
  ];
  for (const [label, value, expected] of values) {
    it(`our ${label} response reads back in dubbo-remoting (flags 1 and 4)`, () => {
      for (const dubboVersion of ['2.5.3', '2.0.2']) {
        const packet = theirs.decode(encodeOurs(createResponse({ id: 8, dubboVersion, value, attachments: { t: 'x' } })), {});
        assert.deepEqual(packet.data.appResponse, expected);
        assert.equal(packet.data.responseProps?.t, dubboVersion === '2.0.2' ? 'x' : undefined);
      }
    });

    it(`their ${label} response reads back in ours`, () => {
      const res = ours(theirs.responseEncode(8, { isError: false, appResponse: value }, HESSIAN)) as DubboResponse;
      assert.equal(res.error, undefined);
      assert.deepEqual(res.value, expected);
    });
  }

  it('reads their bare falsy values and null', () => {
    for (const value of [null, 0, false, '']) {
      const res = ours(theirs.responseEncode(8, { isError: false, appResponse: value }, HESSIAN)) as DubboResponse;
      assert.equal(res.error, undefined);
      assert.equal(res.value, value);
    }
  });

  it('our null response reads back as null in theirs', () => {
    const packet = theirs.decode(encodeOurs(createResponse({ id: 8, dubboVersion: '2.5.3', value: null })), {});
    assert.equal(packet.data.appResponse, null);
    assert.equal(packet.data.error, null);
  });

  it('our exception reads as a Java exception in theirs', () => {
    const exception = { type: 'java.lang.IllegalStateException', message: 'boom' };
    const packet = theirs.decode(encodeOurs(createResponse({ id: 8, dubboVersion: '2.5.3', exception })), {});
    assert.ok(packet.data.error instanceof Error);
    assert.equal(packet.data.error.name, 'java.lang.IllegalStateException');
    assert.equal(packet.data.error.message, 'boom');
  });

  it('their exceptions read as { type, message } in ours', () => {
    const typed = { $class: 'java.lang.IllegalArgumentException', $: { detailMessage: 'no' } };
    const res = ours(theirs.responseEncode(8, { isError: false, appResponse: typed }, HESSIAN)) as DubboResponse;
    assert.deepEqual(res.exception, { type: 'java.lang.IllegalArgumentException', message: 'no' });
    const plain = ours(theirs.responseEncode(8, { isError: false, appResponse: new Error('bad thing') }, HESSIAN)) as DubboResponse;
    assert.equal(plain.exception?.type, 'java.lang.Exception');
    assert.match(plain.exception?.message ?? '', /bad thing/);
  });

  it('their error status reads as errorMessage in ours, and ours in theirs', () => {
    const res = ours(theirs.responseEncode(8, { isError: true, errorMsg: 'oops' }, HESSIAN)) as DubboResponse;
    assert.equal(res.status, 80);
    assert.equal(res.errorMessage, 'oops');
    const packet = theirs.decode(encodeOurs(createResponse({ id: 8, status: 60, errorMessage: 'no service' })), {});
    assert.equal(packet.data.error?.message, 'no service');
  });
});
