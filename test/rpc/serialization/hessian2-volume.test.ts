// Hostile hessian2 input in volume: frames of megabytes and amplification over loopback. Each test
// takes a second or more, several times that on instrumented code, so this file is not in the
// serialization-hessian2 mutation group (the limits themselves are pinned, small, in
// hessian2-hostile.test.ts).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ErrorCode, isRpcError } from '../../../common/rpc-error.js';
import { RpcClient } from '../../../rpc/consumer/rpc-client.js';
import { DubboCodec } from '../../../rpc/exchange/dubbo-codec.js';
import type { DubboResponse } from '../../../rpc/protocol/dubbo-package.js';
import { RpcServer } from '../../../rpc/provider/rpc-server.js';
import { DEFAULT_DECODE_LIMITS } from '../../../rpc/serialization/hessian2-decoder.js';
import { frame, hstr } from '../protocol/golden-frames.js';
import { RawDubboSocket } from '../rpc-fixture.js';
import { timeBoundMs } from '../../time-bound.js';
import { ATTACHMENTS, decodeRequest, Hostile, HOSTILE, requestBody } from './hessian2-hostile-fixture.js';

describe('hessian2 hostile values in volume', () => {
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
    // Besides the list's items the body holds 9 values (5 header strings, the list, the attachments map and its 2 strings)
    // and 2 lists/maps/objects (the list, the attachments map).
    const intCount = maxValues - 9;
    assert.equal((decodeRequest(requestBody(variableList(Buffer.alloc(intCount, 0x90)))).args[0] as unknown[]).length, intCount);
    assert.throws(() => decodeRequest(requestBody(variableList(Buffer.alloc(intCount + 1, 0x90)))), /more than 524288 values/);
    const listCount = maxObjects - 2;
    assert.equal((decodeRequest(requestBody(variableList(Buffer.alloc(listCount, 0x78)))).args[0] as unknown[]).length, listCount);
    assert.throws(() => decodeRequest(requestBody(variableList(Buffer.alloc(listCount + 1, 0x78)))), /more than 131072 lists/);
  });

  it('rejects an absurd list length at once, without allocating for it', () => {
    const before = process.memoryUsage().arrayBuffers;
    const started = performance.now();
    for (let i = 0; i < 1000; i++) assert.throws(() => decodeRequest(requestBody(HOSTILE['a list announcing 2^31-1 elements']!)));
    assert.ok(performance.now() - started < timeBoundMs(2000));
    assert.ok(process.memoryUsage().arrayBuffers - before < 64 * 1024 * 1024);
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
