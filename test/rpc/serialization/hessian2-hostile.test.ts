import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ErrorCode, isRpcError } from '../../../common/rpc-error.js';
import { RpcClient } from '../../../rpc/consumer/rpc-client.js';
import { DubboCodec } from '../../../rpc/exchange/dubbo-codec.js';
import { createRequest, type DubboRequest, type DubboResponse } from '../../../rpc/protocol/dubbo-package.js';
import { RpcServer } from '../../../rpc/provider/rpc-server.js';
import { defineService } from '../../../rpc/service.js';
import { configureHessian2, hessian2Serialization as hessian2 } from '../../../rpc/serialization/hessian2.js';
import { DEFAULT_DECODE_LIMITS, HESSIAN2_MAX_DEPTH } from '../../../rpc/serialization/hessian2-decoder.js';
import { frame, hstr } from '../protocol/golden-frames.js';
import { RawDubboSocket } from '../rpc-fixture.js';
import { timeBoundMs } from '../../time-bound.js';

const Hostile = defineService('org.example.Hostile', {
  take: { params: ['java.lang.Object'], returns: 'java.lang.String' },
  many: { params: ['int'], returns: 'java.util.List' },
});

/** A request body up to the arguments: one java.lang.Object parameter. */
function requestPrefix(method = 'take'): Buffer {
  return Buffer.concat([hstr('2.0.2'), hstr('org.example.Hostile'), hstr(''), hstr(method), hstr('Ljava/lang/Object;')]);
}

const ATTACHMENTS = Buffer.concat([Buffer.from([0x48]), hstr('path'), hstr('org.example.Hostile'), Buffer.from([0x5a])]);

function requestBody(arg: Buffer, withAttachments = true): Buffer {
  return Buffer.concat([requestPrefix(), arg, withAttachments ? ATTACHMENTS : Buffer.alloc(0)]);
}

/** Hostile values a peer can put where an argument (or a return value) goes. */
const HOSTILE: Record<string, Buffer> = {
  'a byte[] declaring 65 535 bytes with 2 behind': Buffer.from([0x42, 0xff, 0xff, 0x01, 0x02]),
  'a reference to an object not yet read': Buffer.from([0x51, 0x95]),
  'reference id 2^31-1': Buffer.from([0x51, 0x49, 0x7f, 0xff, 0xff, 0xff]),
  'a negative reference id': Buffer.from([0x51, 0x8f]),
  'a truncated final string chunk': Buffer.from([0x53, 0x7f, 0xff, 0x61, 0x62]),
  'a truncated compact string': Buffer.from([0x33, 0xff, 0x61]),
  'a string cut inside a 3-byte character': Buffer.from([0x01, 0xe4, 0xb8]),
  'a bad UTF-8 lead byte': Buffer.from([0x02, 0x61, 0xff]),
  'a fixed list of 10 with one element': Buffer.from([0x58, 0x9a, 0x91]),
  'a variable list without its end': Buffer.from([0x57, 0x91, 0x92]),
  'a list announcing 2^31-1 elements': Buffer.from([0x58, 0x49, 0x7f, 0xff, 0xff, 0xff, 0x91]),
  'a list with a negative length': Buffer.from([0x58, 0x8f]),
  'a map with a key and no value': Buffer.concat([Buffer.from([0x48]), hstr('a')]),
  'a class definition cut after its field count': Buffer.concat([Buffer.from([0x43]), hstr('org.example.Demo'), Buffer.from([0x92]), hstr('a')]),
  'a class definition announcing 2^31-1 fields': Buffer.concat([Buffer.from([0x43]), hstr('D'), Buffer.from([0x49, 0x7f, 0xff, 0xff, 0xff])]),
  'an object of a class never defined': Buffer.from([0x60, 0x91]),
  'an object with a class reference beyond the definitions': Buffer.from([0x4f, 0x49, 0x7f, 0xff, 0xff, 0xff]),
  'a typed list with a type reference never defined': Buffer.from([0x71, 0x95, 0x91]),
  'a truncated long': Buffer.from([0x4c, 0x00, 0x01]),
  'a truncated double': Buffer.from([0x44, 0x00]),
  'a truncated date': Buffer.from([0x4a, 0x00, 0x00]),
  'an unknown code': Buffer.from([0x40]),
  'a list end where a value must be': Buffer.from([0x5a]),
  [`lists nested ${HESSIAN2_MAX_DEPTH + 1} deep`]: Buffer.concat([Buffer.alloc(HESSIAN2_MAX_DEPTH + 1, 0x79), Buffer.from([0x90])]),
  'a BigDecimal without its text': Buffer.concat([Buffer.from([0x43]), hstr('java.math.BigDecimal'), Buffer.from([0x91]), hstr('value'), Buffer.from([0x60, 0x91])]),
};

/** A response body (flag 1, value) holding `value`. */
function responseBody(value: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x91]), value]);
}

function decodeRequest(body: Buffer): DubboRequest {
  const request = createRequest({ id: 1 });
  hessian2.decodeRequestBody(body, request);
  return request;
}

function decodeResponse(body: Buffer): DubboResponse {
  const response: DubboResponse = { kind: 'response', id: 1, status: 20, serialization: 2, event: false, attachments: {} };
  hessian2.decodeResponseBody(body, response);
  return response;
}

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

  it('rejects an absurd list length at once, without allocating for it', () => {
    const before = process.memoryUsage().arrayBuffers;
    const started = performance.now();
    for (let i = 0; i < 1000; i++) assert.throws(() => decodeRequest(requestBody(HOSTILE['a list announcing 2^31-1 elements']!)));
    assert.ok(performance.now() - started < timeBoundMs(2000));
    assert.ok(process.memoryUsage().arrayBuffers - before < 64 * 1024 * 1024);
  });

  it('bounds the values and the lists/maps/objects one body may build (an 8 MiB frame of 1-byte values)', () => {
    const { maxValues, maxObjects } = DEFAULT_DECODE_LIMITS;
    const variableList = (items: Buffer) => Buffer.concat([Buffer.from([0x57]), items, Buffer.from([0x5a])]);
    const ints = variableList(Buffer.alloc(8 * 1024 * 1024 - 200, 0x90));
    const emptyLists = variableList(Buffer.alloc(8 * 1024 * 1024 - 200, 0x78));
    for (const [what, body] of [['ints', ints], ['empty lists', emptyLists]] as const) {
      const started = performance.now();
      assert.throws(() => decodeRequest(requestBody(body)), (err) => isRpcError(err, ErrorCode.SERIALIZATION) && /more than/.test(err.message), what);
      assert.ok(performance.now() - started < timeBoundMs(1000), `${what} refused in ${performance.now() - started} ms`);
    }
    assert.equal((decodeRequest(requestBody(variableList(Buffer.alloc(maxValues - 1, 0x90)))).args[0] as unknown[]).length, maxValues - 1);
    assert.throws(() => decodeRequest(requestBody(variableList(Buffer.alloc(maxValues, 0x90)))));
    assert.equal((decodeRequest(requestBody(variableList(Buffer.alloc(maxObjects - 1, 0x78)))).args[0] as unknown[]).length, maxObjects - 1);
    assert.throws(() => decodeRequest(requestBody(variableList(Buffer.alloc(maxObjects, 0x78)))));
  });

  it('takes other value limits from configureHessian2, validated', () => {
    const list = (count: number) => Buffer.concat([Buffer.from([0x57]), Buffer.alloc(count, 0x91), Buffer.from([0x5a])]);
    try {
      configureHessian2({ maxValues: 10 });
      assert.equal((decodeRequest(requestBody(list(9))).args[0] as unknown[]).length, 9, 'the list and 9 ints');
      assert.throws(() => decodeRequest(requestBody(list(10))), /more than 10 values/);
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

describe('hessian2 amplification and output limits over loopback', () => {
  let server: RpcServer;
  let client: RpcClient;
  let url: string;

  before(async () => {
    server = new RpcServer({ port: 0, maxFrameLen: 1024 * 1024 });
    server.addService(Hostile, {
      take: (value) => typeof value,
      // ~11 MB of distinct strings: beyond the 1 MiB frame limit.
      many: (count) => Array.from({ length: count }, (_, i) => `item-${i}-xx`),
    });
    await server.start();
    url = `dubbo://127.0.0.1:${server.port}`;
    client = new RpcClient({ application: 'hostile-test' });
  });

  after(async () => {
    await client.close();
    await server.stop({ graceMs: 1000 });
  });

  it('echoes 40 levels of shared references (2^40 leaves as a tree) as references, quickly', async () => {
    const echo = client.refer(Hostile, { url });
    let value: unknown[] = [0];
    for (let level = 0; level < 40; level++) value = [value, value];
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const started = performance.now();
    const answer = (await echo.$echo(value)) as unknown[];
    delay.disable();
    assert.ok(performance.now() - started < timeBoundMs(2000));
    assert.ok(delay.max / 1e6 < timeBoundMs(500), `event loop blocked ${delay.max / 1e6} ms`);
    let node = answer;
    for (let level = 0; level < 40; level++) {
      assert.equal(node[0], node[1], `level ${level} is one shared object`);
      node = node[0] as unknown[];
    }
    assert.deepEqual(node, [0]);
  });

  it('answers the hand-made 28-level reference request with a small frame', async () => {
    const socket = await RawDubboSocket.connect(server.port);
    try {
      // Level k holds level k-1 inline, then a reference to it: 28 × 0x7a, [0], then the references.
      const levels = 28;
      const refs = Array.from({ length: levels }, (_, i) => Buffer.from([0x51, 0x90 + levels - i]));
      const arg = Buffer.concat([Buffer.alloc(levels, 0x7a), Buffer.from([0x79, 0x90]), ...refs]);
      const body = Buffer.concat([hstr('2.0.2'), hstr('org.example.Hostile'), hstr(''), hstr('$echo'), hstr('Ljava/lang/Object;'), arg, ATTACHMENTS]);
      assert.ok(body.length < 400);
      const started = performance.now();
      socket.sendBytes(frame(0xc2, 0, 9, body));
      const response = (await socket.next()) as DubboResponse;
      assert.ok(performance.now() - started < timeBoundMs(2000));
      assert.equal(response.status, 20);
      const encoded = new DubboCodec().encodedLength(null, response);
      assert.ok(encoded < 400, `answer of ${encoded} bytes`);
    } finally {
      socket.close();
    }
  });

  it('echoes 120 000 distinct one-item lists (hessian.js, with indexOf, takes seconds) in linear time', async () => {
    const echo = client.refer(Hostile, { url });
    const lists = Array.from({ length: 120_000 }, (_, i) => [i & 0xff]);
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const answer = (await echo.$echo(lists)) as unknown[];
    delay.disable();
    assert.equal(answer.length, 120_000);
    // Both ends run in this process: four passes over 120 000 lists take ~200 ms on a quiet
    // 2-core machine; with indexOf references one encode alone takes ~2 s. The bound leaves
    // room for a loaded CI machine and still fails on quadratic work.
    assert.ok(delay.max / 1e6 < timeBoundMs(1500), `event loop blocked ${delay.max / 1e6} ms`);
  });

  it('refuses a result beyond maxFrameLen while building it: the caller gets a typed error, the session goes on', async () => {
    const hostile = client.refer(Hostile, { url });
    const started = performance.now();
    await assert.rejects(hostile.many(1_000_000), (err) => isRpcError(err) && /limit|maxFrameLen|too long/i.test(err.message));
    assert.ok(performance.now() - started < timeBoundMs(5000));
    assert.equal(await hostile.take('still here'), 'string');
  });

  it('refuses a request beyond maxFrameLen on the consumer while encoding it', async () => {
    const small = new RpcClient({ application: 'hostile-test', maxFrameLen: 64 * 1024 });
    try {
      const hostile = small.refer(Hostile, { url });
      const started = performance.now();
      await assert.rejects(hostile.take(['x'.repeat(1000), 'y'.repeat(70_000)]), (err) => isRpcError(err, ErrorCode.MSG_TOO_LONG));
      assert.ok(performance.now() - started < timeBoundMs(2000));
      assert.equal(await hostile.take('small'), 'string');
    } finally {
      await small.close();
    }
  });

  it('answers a corrupt request with BAD_REQUEST and serves the next one on the same connection', async () => {
    const socket = await RawDubboSocket.connect(server.port);
    try {
      for (const [what, bytes] of Object.entries(HOSTILE)) {
        socket.sendBytes(frame(0xc2, 0, 11, requestBody(bytes)));
        const response = (await socket.next()) as DubboResponse;
        assert.equal(response.status, 40, what);
      }
      socket.sendBytes(frame(0xc2, 0, 12, requestBody(hstr('fine'))));
      const good = (await socket.next()) as DubboResponse;
      assert.equal(good.status, 20);
      assert.equal(good.value, 'string');
    } finally {
      socket.close();
    }
  });
});
