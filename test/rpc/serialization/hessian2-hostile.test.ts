import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../../common/rpc-error.js';
import { DubboCodec } from '../../../rpc/exchange/dubbo-codec.js';
import type { DubboRequest, DubboResponse } from '../../../rpc/protocol/dubbo-package.js';
import { configureHessian2 } from '../../../rpc/serialization/hessian2.js';
import { DEFAULT_DECODE_LIMITS, HESSIAN2_MAX_DEPTH } from '../../../rpc/serialization/hessian2-decoder.js';
import { frame, hstr } from '../protocol/golden-frames.js';
import { decodeRequest, decodeResponse, HOSTILE, requestBody, requestPrefix, responseBody } from './hessian2-hostile-fixture.js';

describe('hessian2 hostile values', () => {
  it('rejects every truncated, dangling, oversize or too deep value in a request with a typed error', () => {
    for (const [what, bytes] of Object.entries(HOSTILE)) {
      assert.throws(() => decodeRequest(requestBody(bytes)), (err) => isRpcError(err, ErrorCode.SERIALIZATION), what);
      assert.throws(() => decodeRequest(requestBody(bytes, false)), (err) => isRpcError(err, ErrorCode.SERIALIZATION), `${what} at the end`);
    }
  });

  it('turns them into BAD_REQUEST on the provider and BAD_RESPONSE on the consumer, frame by frame', () => {
    const codec = new DubboCodec();
    for (const [what, bytes] of Object.entries(HOSTILE)) {
      const request = codec.read(null, frame(0xc2, 0, 7, requestBody(bytes))).pkg as DubboRequest;
      assert.ok(isRpcError(request.error, ErrorCode.BAD_REQUEST), what);
      const response = codec.read(null, frame(0x02, 20, 7, responseBody(bytes))).pkg as DubboResponse;
      assert.ok(isRpcError(response.error, ErrorCode.BAD_RESPONSE), what);
    }
  });

  it('accepts lists nested exactly to the limit', () => {
    const deepest = Buffer.concat([Buffer.alloc(HESSIAN2_MAX_DEPTH, 0x79), Buffer.from([0x90])]);
    let value = decodeRequest(requestBody(deepest)).args[0];
    for (let i = 0; i < HESSIAN2_MAX_DEPTH; i++) value = (value as unknown[])[0];
    assert.equal(value, 0);
  });

  it('takes other value limits from configureHessian2, validated', () => {
    const list = (count: number) => Buffer.concat([Buffer.from([0x57]), Buffer.alloc(count, 0x91), Buffer.from([0x5a])]);
    try {
      // Every value of the body counts: 5 header strings, the list and its ints, the attachments map and its 2 strings.
      configureHessian2({ maxValues: 18 });
      assert.equal((decodeRequest(requestBody(list(9))).args[0] as unknown[]).length, 9, '5 + 1 + 9 + 3 values');
      assert.throws(() => decodeRequest(requestBody(list(10))), /more than 18 values/);
    } finally {
      configureHessian2({ maxValues: DEFAULT_DECODE_LIMITS.maxValues });
    }
    assert.equal((decodeRequest(requestBody(list(10))).args[0] as unknown[]).length, 10);
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => configureHessian2({ maxObjects: bad }), (err) => isRpcError(err, ErrorCode.INVALID_ARGUMENT));
    }
  });

  it('never lets a key or field named __proto__, constructor or prototype change a prototype', () => {
    const map = Buffer.concat([
      Buffer.from([0x48]),
      hstr('__proto__'),
      Buffer.concat([Buffer.from([0x48]), hstr('isAdmin'), Buffer.from([0x54, 0x5a])]),
      hstr('constructor'),
      hstr('x'),
      hstr('prototype'),
      Buffer.from([0x91]),
      Buffer.from([0x5a]),
    ]);
    const object = Buffer.concat([
      Buffer.from([0x43]),
      hstr('org.example.User'),
      Buffer.from([0x92]),
      hstr('__proto__'),
      hstr('name'),
      Buffer.from([0x60]),
      Buffer.concat([Buffer.from([0x48]), hstr('isAdmin'), Buffer.from([0x54, 0x5a])]),
      hstr('bob'),
    ]);
    for (const bytes of [map, object]) {
      for (const value of [decodeRequest(requestBody(bytes)).args[0], decodeResponse(responseBody(bytes)).value]) {
        const decoded = value as Record<string, unknown>;
        assert.equal(Object.getPrototypeOf(decoded), Object.prototype);
        assert.equal(decoded.isAdmin, undefined);
        assert.ok(Object.hasOwn(decoded, '__proto__'));
        assert.deepEqual(Object.getOwnPropertyDescriptor(decoded, '__proto__')?.value, { isAdmin: true });
        assert.ok(Object.keys(decoded).includes('__proto__'));
      }
    }
    assert.equal(({} as { isAdmin?: unknown }).isAdmin, undefined);
  });

  it('drops an attachment named __proto__ (attachments reach Object.assign)', () => {
    const attachments = Buffer.concat([
      Buffer.from([0x48]),
      hstr('__proto__'),
      Buffer.concat([Buffer.from([0x48]), hstr('isAdmin'), Buffer.from([0x54, 0x5a])]),
      hstr('k'),
      hstr('v'),
      Buffer.from([0x5a]),
    ]);
    const request = decodeRequest(Buffer.concat([requestPrefix(), Buffer.from([0x4e]), attachments]));
    assert.deepEqual(Object.keys(request.attachments), ['k']);
    const target = Object.assign({}, request.attachments) as { isAdmin?: unknown };
    assert.equal(target.isAdmin, undefined);
    const response = decodeResponse(Buffer.concat([Buffer.from([0x94, 0x4e]), attachments]));
    assert.deepEqual(Object.keys(response.attachments), ['k']);
  });
});
