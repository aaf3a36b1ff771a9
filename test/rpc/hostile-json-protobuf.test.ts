/**
 * Hostile json and protobuf bodies over real loopback, both ways: a provider
 * fed hand-made request frames, and a consumer answered by a hand-made
 * provider. `__proto__` / `constructor` keys never change a prototype;
 * truncated, garbage, too deeply nested and oversize bodies become typed
 * errors (BAD_REQUEST answered by the provider, BAD_RESPONSE failing the
 * call), and the session goes on serving.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ErrorCode, isRpcError } from '../../common/rpc-error.js';
import { RpcClient } from '../../rpc/consumer/rpc-client.js';
import { RpcContext } from '../../rpc/context.js';
import { defineProtoService } from '../../rpc/proto-service.js';
import type { DubboResponse } from '../../rpc/protocol/dubbo-package.js';
import { configureJson } from '../../rpc/serialization/json.js';
import { DEFAULT_JSON_LIMITS } from '../../rpc/serialization/json-shape-limits.js';
import { configureProtobuf } from '../../rpc/serialization/protobuf.js';
import { DelimitedWriter, wireTypes } from '../../rpc/serialization/protobuf-wire.js';
import { RpcServer } from '../../rpc/provider/rpc-server.js';
import { defineService } from '../../rpc/service.js';
import { RawDubboSocket } from './rpc-fixture.js';
import { randomBytes, seededRandom } from './protocol/seeded-random.js';

const here = dirname(fileURLToPath(import.meta.url));
const SHOP = join(here, '..', '..', '..', 'test', 'rpc', 'serialization', 'fixtures', 'shop.proto');

const Store = defineService('com.example.Store', {
  put: { params: ['java.util.Map'], returns: 'java.util.Map' },
});
type Message = Record<string, unknown>;
const Shop = defineProtoService<{ PlaceOrder(order: Message): Message; Describe(category: Message): Message }>(SHOP);

const JSON_ID = 6;
const PROTOBUF_ID = 22;
const OK = 20;
const BAD_REQUEST = 40;

/** A request frame with a hand-made body (flag: request, two-way, serialization id). */
function requestFrame(id: number, serialization: number, body: Buffer): Buffer {
  const header = Buffer.alloc(16);
  header.writeUInt16BE(0xdabb, 0);
  header[2] = 0xc0 | serialization;
  header.writeBigInt64BE(BigInt(id), 4);
  header.writeUInt32BE(body.length, 12);
  return Buffer.concat([header, body]);
}

function jsonBody(...lines: string[]): Buffer {
  return Buffer.from(lines.map((line) => `${line}\n`).join(''), 'utf8');
}

const jsonHead = ['"2.0.2"', '"com.example.Store"', '""', '"put"', '"Ljava/util/Map;"'];
const goodJson = jsonBody(...jsonHead, '{"a":1}', '{}');

function protobufHead(method = 'PlaceOrder', descriptor = 'Lcom/example/shop/Order;'): DelimitedWriter {
  return new DelimitedWriter().string('2.0.2').string(Shop.name).string('').string(method).string(descriptor);
}
/** An attachment map with an own "__proto__" key (an object literal would set the prototype instead). */
const protoKeyAttachments = () => JSON.parse('{"__proto__":"x","k":"v"}') as Record<string, string>;

const goodProtobuf = protobufHead().bytes(Buffer.from([0x0a, 0x01, 0x63])).message(wireTypes().AttachmentMap, { attachments: {} }).finish(); // customer_id = "c"

/** Nested Category messages, `levels` deep, built by hand (protobufjs itself refuses to build past its limit). */
function nestedCategory(levels: number): Buffer {
  let inner = Buffer.from([0x0a, 0x01, 0x78]); // category_name = "x"
  for (let i = 0; i < levels; i++) inner = Buffer.concat([Buffer.from([0x12]), varint(inner.length), inner]);
  return inner;
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}

async function answer(socket: RawDubboSocket, frame: Buffer): Promise<DubboResponse> {
  socket.sendBytes(frame);
  return (await socket.next(5000)) as DubboResponse;
}

describe('hostile json and protobuf bodies', () => {
  describe('at a provider', () => {
    let server: RpcServer;
    let socket: RawDubboSocket;
    const seen: { arg: Message; attachments: Record<string, unknown> }[] = [];
    let nextId = 1;

    before(async () => {
      server = new RpcServer({ port: 0, maxFrameLen: 64 * 1024 });
      server.addService(Store, {
        put: (arg) => {
          seen.push({ arg: arg as Message, attachments: RpcContext.current()!.attachments });
          return { size: Object.keys(arg ?? {}).length };
        },
      });
      server.addService(Shop, { PlaceOrder: (order) => order, Describe: (category) => category });
      await server.start();
      socket = await RawDubboSocket.connect(server.port);
    });
    after(async () => {
      socket?.close();
      await server?.stop({ graceMs: 0 });
    });

    /** After each hostile frame the same session still answers a good call. */
    async function stillServes(serialization: number): Promise<void> {
      const response = await answer(socket, requestFrame(nextId++, serialization, serialization === JSON_ID ? goodJson : goodProtobuf));
      assert.equal(response.status, OK, `the session still serves (${response.errorMessage ?? ''})`);
    }

    async function refused(serialization: number, body: Buffer, reason?: RegExp): Promise<void> {
      const response = await answer(socket, requestFrame(nextId++, serialization, body));
      assert.equal(response.status, BAD_REQUEST, `answered BAD_REQUEST, got ${response.status} ${response.errorMessage ?? ''}`);
      if (reason) assert.match(response.errorMessage ?? '', reason);
      await stillServes(serialization);
    }

    it('json: __proto__ and constructor keys in an argument and in attachments change no prototype', async () => {
      const arg = '{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"polluted":true}},"a":1}';
      const attachments = '{"__proto__":{"isAdmin":true},"x":"y"}';
      const response = await answer(socket, requestFrame(nextId++, JSON_ID, jsonBody(...jsonHead, arg, attachments)));
      assert.equal(response.status, OK);
      const { arg: got, attachments: attached } = seen.at(-1)!;
      assert.equal(Object.getPrototypeOf(got), Object.prototype);
      assert.equal(got.isAdmin, undefined, 'no inherited isAdmin');
      assert.equal(got.a, 1);
      assert.equal(Object.getPrototypeOf(attached), Object.prototype);
      assert.equal(attached.isAdmin, undefined);
      assert.equal(attached.x, 'y');
      assert.equal(Object.hasOwn(attached, '__proto__'), false, 'an attachment named __proto__ is dropped');
      assert.equal(({} as Message).polluted, undefined);
      assert.equal(({} as Message).isAdmin, undefined);
    });

    it('json: a value nested deeper than 100 levels is BAD_REQUEST, 99 levels pass', async () => {
      await refused(JSON_ID, jsonBody(...jsonHead, `{"a":${'['.repeat(20_000)}${']'.repeat(20_000)}}`, '{}'), /nested deeper than 100/);
      const fine = await answer(socket, requestFrame(nextId++, JSON_ID, jsonBody(...jsonHead, `{"a":${'['.repeat(98)}${']'.repeat(98)}}`, '{}')));
      assert.equal(fine.status, OK);
      const inString = await answer(socket, requestFrame(nextId++, JSON_ID, jsonBody(...jsonHead, `{"a":"${'['.repeat(300)}"}`, '{}')));
      assert.equal(inString.status, OK, 'brackets inside a string do not count');
      const wide = await answer(socket, requestFrame(nextId++, JSON_ID, jsonBody(...jsonHead, `{"a":[${'[{}],'.repeat(300)}[]]}`, '{}')));
      assert.equal(wide.status, OK, 'many brackets, shallow');
    });

    it('json: a body building more arrays or values than configureJson allows is BAD_REQUEST before it is parsed', async () => {
      // The default limits at full size: test/rpc/hostile-json-default-limits.test.ts.
      configureJson({ maxContainers: 1_000, maxValues: 4_000 });
      try {
        await refused(JSON_ID, jsonBody(...jsonHead, `{"a":[${'[],'.repeat(1_400)}[]]}`, '{}'), /more than 1000 arrays and objects/);
        await refused(JSON_ID, jsonBody(...jsonHead, `{"a":[${'0,'.repeat(6_000)}0]}`, '{}'), /more than 4000 values/);
        const text = jsonBody(...jsonHead, `{"a":"${'[0,'.repeat(3_000)}"}`, '{}');
        assert.equal((await answer(socket, requestFrame(nextId++, JSON_ID, text))).status, OK, 'brackets and commas inside a string do not count');
      } finally {
        configureJson(DEFAULT_JSON_LIMITS);
      }
      await stillServes(JSON_ID);
    });

    it('json: truncated, missing and garbage bodies are BAD_REQUEST', async () => {
      await refused(JSON_ID, jsonBody(...jsonHead, '{"a":'), /not a JSON value/);
      await refused(JSON_ID, jsonBody(...jsonHead), /ended early/);
      await refused(JSON_ID, jsonBody('2', '"p"', '""', '"put"', '"Ljava/util/Map;"', '{}', '{}'), /expected a JSON string/);
      const random = seededRandom(7);
      for (let i = 0; i < 20; i++) {
        const garbage = randomBytes(random, 1 + Math.floor(random() * 300));
        const response = await answer(socket, requestFrame(nextId++, JSON_ID, garbage));
        assert.equal(response.status, BAD_REQUEST);
      }
      await stillServes(JSON_ID);
    });

    it('protobuf: truncated varints, lengths beyond the body and garbage are BAD_REQUEST', async () => {
      const attachments = (w: DelimitedWriter) => w.message(wireTypes().AttachmentMap, { attachments: {} }).finish();
      await refused(PROTOBUF_ID, attachments(protobufHead().bytes(Buffer.from([0x20, 0xff]))));
      await refused(PROTOBUF_ID, attachments(protobufHead().bytes(Buffer.from([0x0a, 0x50, 0x41]))));
      await refused(PROTOBUF_ID, Buffer.concat([protobufHead().finish(), Buffer.from([0x7f, 0x01])]));
      await refused(PROTOBUF_ID, Buffer.concat([protobufHead().finish(), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])]));
      await refused(PROTOBUF_ID, Buffer.from('not protobuf at all'));
    });

    it('protobuf: messages nested beyond the recursion limit (100) are BAD_REQUEST, 90 levels pass', async () => {
      const describe = (levels: number) =>
        protobufHead('Describe', 'Lcom/example/shop/Category;').bytes(nestedCategory(levels)).message(wireTypes().AttachmentMap, { attachments: {} }).finish();
      await refused(PROTOBUF_ID, describe(150), /max depth exceeded/);
      const fine = await answer(socket, requestFrame(nextId++, PROTOBUF_ID, describe(90)));
      assert.equal(fine.status, OK, fine.errorMessage);
    });

    it('protobuf: a body with more than 16 384 messages is BAD_REQUEST before protobufjs builds them; the limits are configurable', async () => {
      const items = (count: number) => Buffer.concat(Array.from({ length: count }, () => Buffer.from([0x12, 0x00]))); // empty line_items
      const order = (count: number) => protobufHead().bytes(items(count)).message(wireTypes().AttachmentMap, { attachments: {} }).finish();
      await refused(PROTOBUF_ID, order(20_000), /more than 16384 messages/);
      assert.equal((await answer(socket, requestFrame(nextId++, PROTOBUF_ID, order(16_000)))).status, OK);
      configureProtobuf({ maxMessages: 100_000 });
      try {
        assert.equal((await answer(socket, requestFrame(nextId++, PROTOBUF_ID, order(20_000)))).status, OK, 'a higher maxMessages lets it through');
        configureProtobuf({ maxValues: 5_000 });
        const tags = Buffer.concat(Array.from({ length: 6_000 }, () => Buffer.from([0x4a, 0x00]))); // empty tags
        await refused(PROTOBUF_ID, protobufHead().bytes(tags).message(wireTypes().AttachmentMap, { attachments: {} }).finish(), /more than 5000 field values/);
      } finally {
        configureProtobuf({ maxMessages: 16_384, maxValues: 131_072 });
      }
      assert.throws(() => configureProtobuf({ maxMessages: 0 }), (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT));
    });

    it('protobuf: an attachment named __proto__ changes no prototype', async () => {
      const attachments = new DelimitedWriter().message(wireTypes().AttachmentMap, { attachments: protoKeyAttachments() }).finish();
      const received: Record<string, unknown>[] = [];
      const probe = new RpcServer({ port: 0 });
      probe.addService(Shop, {
        PlaceOrder: (order) => {
          received.push(RpcContext.current()!.attachments);
          return order;
        },
        Describe: (c) => c,
      });
      await probe.start();
      const raw = await RawDubboSocket.connect(probe.port);
      try {
        const body = Buffer.concat([protobufHead().bytes(Buffer.from([0x0a, 0x01, 0x63])).finish(), attachments]);
        assert.equal((await answer(raw, requestFrame(1, PROTOBUF_ID, body))).status, OK);
        assert.equal(Object.getPrototypeOf(received[0]), Object.prototype);
        assert.equal(received[0]!.k, 'v');
        assert.equal(Object.hasOwn(received[0]!, '__proto__'), false);
      } finally {
        raw.close();
        await probe.stop({ graceMs: 0 });
      }
    });

    it('protobuf: a map key "__proto__" stays an own key both ways and changes no prototype', async () => {
      const client = new RpcClient();
      try {
        const shop = client.refer(Shop, { url: `dubbo://127.0.0.1:${server.port}`, retries: 0 });
        const itemsBySku = JSON.parse('{"__proto__":{"sku":"evil","quantity":1},"a":{"sku":"a"}}') as Message;
        const back = await shop.PlaceOrder({ customerId: 'c', itemsBySku });
        const map = back.itemsBySku as Message;
        assert.equal(Object.getPrototypeOf(map), Object.prototype);
        assert.ok(Object.hasOwn(map, '__proto__'), 'kept as data');
        assert.equal((map.a as Message).sku, 'a');
        assert.equal(({} as Message).sku, undefined);
      } finally {
        await client.close();
      }
    });

    it('a frame announcing more than maxFrameLen closes that session only', async () => {
      const big = await RawDubboSocket.connect(server.port);
      const header = requestFrame(1, JSON_ID, Buffer.alloc(0));
      header.writeUInt32BE(1024 * 1024, 12);
      big.sendBytes(header);
      await big.closed;
      await stillServes(JSON_ID);
    });
  });

  describe('at a consumer', () => {
    /** A hand-made provider: answers the n-th request with the n-th body (status OK, the request's id and serialization). */
    class ScriptedProvider {
      readonly server: net.Server;
      connections = 0;
      private readonly sockets = new Set<net.Socket>();
      constructor(private readonly bodies: Buffer[]) {
        this.server = net.createServer((socket) => this.serve(socket));
      }

      listen(): Promise<number> {
        return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => resolve((this.server.address() as net.AddressInfo).port)));
      }

      close(): Promise<void> {
        for (const socket of this.sockets) socket.destroy();
        return new Promise((resolve) => this.server.close(() => resolve()));
      }

      private serve(socket: net.Socket): void {
        this.connections++;
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => {});
        let pending = Buffer.alloc(0);
        socket.on('data', (chunk) => {
          pending = Buffer.concat([pending, chunk]);
          while (pending.length >= 16 && pending.length >= 16 + pending.readUInt32BE(12)) {
            const header = pending.subarray(0, 16);
            pending = pending.subarray(16 + header.readUInt32BE(12));
            if ((header[2]! & 0x20) !== 0) continue; // heartbeats: not answered here
            const body = this.bodies.shift() ?? Buffer.alloc(0);
            const out = Buffer.alloc(16);
            out.writeUInt16BE(0xdabb, 0);
            out[2] = header[2]! & 0x1f;
            out[3] = OK;
            header.copy(out, 4, 4, 12);
            out.writeUInt32BE(body.length, 12);
            socket.write(Buffer.concat([out, body]));
          }
        });
      }
    }

    let client: RpcClient;
    before(() => {
      client = new RpcClient();
    });
    after(() => client.close());

    it('json: a response with __proto__ keys in the value and attachments changes no prototype', async () => {
      const provider = new ScriptedProvider([jsonBody('4', '{"__proto__":{"isAdmin":true},"ok":1}', '{"__proto__":{"polluted":true},"k":"v"}')]);
      const port = await provider.listen();
      try {
        const store = client.refer(Store, { url: `dubbo://127.0.0.1:${port}`, serialization: 'json', retries: 0 });
        await RpcContext.run({}, async () => {
          const value = (await store.put({})) as Message;
          assert.equal(Object.getPrototypeOf(value), Object.prototype);
          assert.equal(value.isAdmin, undefined);
          assert.equal(value.ok, 1);
          const attachments = RpcContext.current()!.responseAttachments;
          assert.equal(Object.getPrototypeOf(attachments), Object.prototype, 'Object.assign into the scope set no prototype');
          assert.equal(attachments.polluted, undefined);
          assert.equal(attachments.k, 'v');
        });
        assert.equal(({} as Message).polluted, undefined);
      } finally {
        await provider.close();
      }
    });

    it('json: garbage, truncated and too deeply nested responses fail the call with BAD_RESPONSE; the connection goes on', async () => {
      const provider = new ScriptedProvider([
        Buffer.from([0xff, 0x00, 0x13, 0x37]),
        jsonBody('1', '{"a":'),
        jsonBody('1', `${'['.repeat(10_000)}${']'.repeat(10_000)}`),
        jsonBody('9', '"x"'),
        jsonBody('1', '{"fine":true}'),
      ]);
      const port = await provider.listen();
      try {
        const store = client.refer(Store, { url: `dubbo://127.0.0.1:${port}`, serialization: 'json', retries: 0 });
        for (let i = 0; i < 4; i++) await assert.rejects(store.put({}), (e) => isRpcError(e, ErrorCode.BAD_RESPONSE));
        assert.deepEqual(await store.put({}), { fine: true });
        assert.equal(provider.connections, 1, 'one connection served every call');
      } finally {
        await provider.close();
      }
    });

    it('protobuf: a corrupt or too large value fails the call with BAD_RESPONSE; __proto__ attachments change no prototype', async () => {
      const withAttachments = (value: Buffer) =>
        new DelimitedWriter().message(wireTypes().Int32Value, { value: 4 }).bytes(value).message(wireTypes().AttachmentMap, { attachments: protoKeyAttachments() }).finish();
      const provider = new ScriptedProvider([
        withAttachments(Buffer.from([0x0a, 0xff, 0xff])),
        Buffer.from([0x05, 0x08]),
        withAttachments(Buffer.concat(Array.from({ length: 20_000 }, () => Buffer.from([0x12, 0x00])))),
        withAttachments(Buffer.from([0x0a, 0x01, 0x63])),
      ]);
      const port = await provider.listen();
      try {
        const shop = client.refer(Shop, { url: `dubbo://127.0.0.1:${port}`, retries: 0 });
        await assert.rejects(shop.PlaceOrder({ customerId: 'c' }), (e) => isRpcError(e, ErrorCode.BAD_RESPONSE));
        await assert.rejects(shop.PlaceOrder({ customerId: 'c' }), (e) => isRpcError(e, ErrorCode.BAD_RESPONSE));
        await assert.rejects(shop.PlaceOrder({ customerId: 'c' }), (e) => isRpcError(e, ErrorCode.BAD_RESPONSE) && e.message.includes('more than 16384 messages'));
        await RpcContext.run({}, async () => {
          const order = await shop.PlaceOrder({ customerId: 'c' });
          assert.equal(order.customerId, 'c');
          const attachments = RpcContext.current()!.responseAttachments;
          assert.equal(Object.getPrototypeOf(attachments), Object.prototype);
          assert.equal(attachments.k, 'v');
          assert.equal(Object.hasOwn(attachments, '__proto__'), false);
        });
        assert.equal(provider.connections, 1);
      } finally {
        await provider.close();
      }
    });
  });
});
