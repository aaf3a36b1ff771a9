/**
 * A protobuf service from a snake_case .proto, called over loopback as a new
 * user would: camelCase field names by default (protobufjs's default, and
 * proto3's JSON mapping), `keepCase: true` for the .proto's own names, int64
 * as number/bigint, enums as names or numbers, and an unknown or misspelled
 * field as an error naming it — never a silent drop.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { ErrorCode, isRpcError } from '../../../common/rpc-error.js';
import { RpcClient } from '../../../rpc/client.js';
import { defineProtoService } from '../../../rpc/proto-service.js';
import { loadProtoService, protoServiceFromRoot } from '../../../rpc/serialization/proto-service-loader.js';
import { RpcServer } from '../../../rpc/server.js';
import { defineService } from '../../../rpc/service.js';

const here = dirname(fileURLToPath(import.meta.url));
const SHOP = join(here, '..', '..', '..', '..', 'test', 'rpc', 'serialization', 'fixtures', 'shop.proto');

type Message = Record<string, unknown>;
interface Shop {
  PlaceOrder(order: Message): Message;
  Describe(category: Message): Message;
}

const BIG = 2n ** 53n + 1n;

/** The same .proto under another package, so its message names do not meet the default service's. */
function variant(pkg: string, keepCase: boolean, values: { longs?: 'number' | 'bigint'; enums?: 'name' | 'number' }) {
  const text = readFileSync(SHOP, 'utf8').replace('package shop;', `package ${pkg};`).replace('"com.example.shop"', `"com.example.${pkg}"`);
  return protoServiceFromRoot(protobuf.parse(text, { keepCase }).root, undefined, values);
}

interface Running {
  server: RpcServer;
  client: RpcClient;
  shop: ReturnType<typeof refer>;
  received: Message[];
}
const refer = (client: RpcClient, definition: ReturnType<typeof defineProtoService<Shop>>, port: number) =>
  client.refer(definition, { url: `dubbo://127.0.0.1:${port}`, retries: 0 });

async function start(definition: ReturnType<typeof defineProtoService<Shop>>, reply?: (order: Message) => Message): Promise<Running> {
  const received: Message[] = [];
  const server = new RpcServer({ port: 0, serialization: 'protobuf' });
  server.addService(definition, {
    PlaceOrder: (order) => {
      received.push(order);
      return reply ? reply(order) : order;
    },
    Describe: (category) => category,
  });
  await server.start();
  const client = new RpcClient();
  return { server, client, shop: refer(client, definition, server.port), received };
}

async function stop(running: Running | undefined): Promise<void> {
  await running?.client.close();
  await running?.server.stop({ graceMs: 0 });
}

describe('protobuf service from a snake_case .proto', () => {
  describe('defaults: camelCase names, int64 as number or bigint, enums as names', () => {
    let running: Running;
    before(async () => {
      running = await start(defineProtoService<Shop>(SHOP));
    });
    after(() => stop(running));

    const order = {
      customerId: 'c-1',
      lineItems: [
        { sku: 'a', unitPriceCents: 250, quantity: 2 },
        { sku: 'b', unitPriceCents: BIG, quantity: 1 },
      ],
      itemsBySku: { a: { sku: 'a', unitPriceCents: -(2n ** 62n), quantity: 3 } },
      totalCents: BIG,
      status: 'PAID',
      deliveryNote: { noteText: 'leave at the door' },
      cardToken: 'tok',
      tags: ['x', 'y'],
      balanceDelta: -(2n ** 63n),
    };

    it('delivers every field to the provider and back, int64 beyond 2^53 exact', async () => {
      const back = await running.shop.PlaceOrder(order);
      const got = running.received.at(-1)!;
      for (const value of [got, back]) {
        assert.equal(value.customerId, 'c-1');
        assert.deepEqual(value.lineItems, order.lineItems);
        assert.deepEqual({ ...(value.itemsBySku as object) }, order.itemsBySku);
        assert.equal(value.totalCents, BIG);
        assert.equal(value.status, 'PAID');
        assert.deepEqual(value.deliveryNote, order.deliveryNote);
        assert.equal(value.cardToken, 'tok');
        assert.deepEqual(value.tags, ['x', 'y']);
        assert.equal(value.balanceDelta, -(2n ** 63n));
      }
    });

    it('gives an int64 within ±(2^53−1) as a number and fills proto3 defaults', async () => {
      const back = await running.shop.PlaceOrder({ customerId: 'c-2', totalCents: Number.MAX_SAFE_INTEGER, status: 2 });
      assert.equal(back.totalCents, Number.MAX_SAFE_INTEGER);
      assert.equal(back.status, 'SHIPPED', 'an enum sent as its number arrives as its name');
      assert.deepEqual(back.lineItems, []);
      assert.equal(back.balanceDelta, 0);
    });

    it('refuses a snake_case name, naming it and the camelCase one, before sending', async () => {
      const before = running.received.length;
      await assert.rejects(
        running.shop.PlaceOrder({ customer_id: 'c-3' }),
        (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT) && e.message.includes("'customer_id'") && e.message.includes("'customerId'"),
      );
      assert.equal(running.received.length, before, 'nothing reached the provider');
    });

    it('refuses a misspelled field inside a repeated message, naming its path', async () => {
      await assert.rejects(
        running.shop.PlaceOrder({ lineItems: [{ sku: 'a' }, { sku: 'b', unitPrice: 3 }] }),
        (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT) && e.message.includes("'lineItems[1].unitPrice'") && e.message.includes('shop.LineItem'),
      );
      await assert.rejects(
        running.shop.PlaceOrder({ itemsBySku: { k: { skew: 'x' } } }),
        (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT) && e.message.includes("'itemsBySku.k.skew'"),
      );
      await assert.rejects(
        running.shop.PlaceOrder({ deliveryNote: { note: 'x' } }),
        (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT) && e.message.includes("'deliveryNote.note'"),
      );
    });

    it('refuses a value its field cannot hold instead of coercing it', async () => {
      const refused: [Message, string][] = [
        [{ lineItems: [{ quantity: 'two' }] }, "'lineItems[0].quantity' (uint32)"],
        [{ lineItems: [{ quantity: -1 }] }, "'lineItems[0].quantity' (uint32)"],
        [{ totalCents: 1.5 }, "'totalCents' (int64)"],
        [{ totalCents: 2n ** 63n }, "'totalCents' (int64)"],
        [{ customerId: { id: 1 } }, "'customerId' (string)"],
        [{ tags: 'x' }, "'tags' (repeated string)"],
        [{ deliveryNote: 'x' }, "'deliveryNote' (shop.Order.Note)"],
        [{ itemsBySku: ['x'] }, "'itemsBySku' (map<string, LineItem>)"],
      ];
      for (const [order, named] of refused) {
        await assert.rejects(running.shop.PlaceOrder(order), (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT) && e.message.includes(named), named);
      }
      const accepted = await running.shop.PlaceOrder({ totalCents: '-9007199254740993', lineItems: [{ quantity: 4294967295 }], tags: [] });
      assert.equal(accepted.totalCents, -9007199254740993n, 'a decimal string for an int64');
      assert.equal((accepted.lineItems as Message[])[0]!.quantity, 4294967295);
    });

    it('refuses an unknown enum name', async () => {
      await assert.rejects(
        running.shop.PlaceOrder({ status: 'PAYED' }),
        (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT) && e.message.includes('PAYED') && e.message.includes('shop.OrderStatus'),
      );
    });

    it('reports a provider result with a misspelled field as an error naming it', async () => {
      const wrong = await start(defineProtoService<Shop>(SHOP), () => ({ customer_id: 'oops' }));
      try {
        await assert.rejects(
          wrong.shop.PlaceOrder({ customerId: 'c' }),
          (e) => isRpcError(e, ErrorCode.SERVER_ERROR) && e.message.includes("'customer_id'"),
        );
      } finally {
        await stop(wrong);
      }
    });
  });

  describe('keepCase: true, longs: bigint, enums: number', () => {
    let running: Running;
    before(async () => {
      running = await start(defineProtoService<Shop>(variant('shopkeep', true, { longs: 'bigint', enums: 'number' })));
    });
    after(() => stop(running));

    it('uses the .proto names, every int64 as a bigint and enums as numbers', async () => {
      const back = await running.shop.PlaceOrder({ customer_id: 'k', total_cents: 5, status: 'SHIPPED', line_items: [{ unit_price_cents: 7 }] });
      assert.equal(back.customer_id, 'k');
      assert.equal(back.total_cents, 5n);
      assert.equal(back.status, 2);
      assert.equal((back.line_items as Message[])[0]!.unit_price_cents, 7n);
      assert.equal(running.received.at(-1)!.total_cents, 5n);
    });

    it('refuses the camelCase name there', async () => {
      await assert.rejects(
        running.shop.PlaceOrder({ customerId: 'k' }),
        (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT) && e.message.includes("'customerId'") && e.message.includes("'customer_id'"),
      );
    });
  });

  describe('options and misuse', () => {
    it('loads with keepCase from a file', () => {
      const kept = loadProtoService(SHOP, { keepCase: true });
      assert.ok(Object.keys(kept.methods.PlaceOrder!.requestType.fields).includes('customer_id'));
      const camel = loadProtoService(SHOP);
      assert.ok(Object.keys(camel.methods.PlaceOrder!.requestType.fields).includes('customerId'));
    });

    it('validates longs and enums', () => {
      assert.throws(() => loadProtoService(SHOP, { longs: 'string' as never }), (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT));
      assert.throws(() => loadProtoService(SHOP, { enums: 'text' as never }), (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT));
    });

    const Plain = defineService('com.example.Plain', { hello: { params: ['java.lang.String'], returns: 'java.lang.String' } });

    it("refuses serialization 'protobuf' for a service that is not a protobuf service at refer()", async () => {
      const client = new RpcClient();
      try {
        for (const serialization of ['protobuf', 'protobuf-go']) {
          assert.throws(
            () => client.refer(Plain, { url: 'dubbo://127.0.0.1:1', serialization }),
            (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT) && e.message.includes('com.example.Plain') && e.message.includes('protobuf'),
          );
        }
        assert.ok(client.refer(Plain, { url: 'dubbo://127.0.0.1:1', serialization: 'json' }));
      } finally {
        await client.close();
      }
    });

    it("refuses such a service at addService() on a server with serialization 'protobuf'", () => {
      const server = new RpcServer({ port: 0, serialization: 'protobuf' });
      assert.throws(
        () => server.addService(Plain, { hello: (s) => s }),
        (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT) && e.message.includes('com.example.Plain'),
      );
      assert.ok(server.addService(defineProtoService<Shop>(SHOP), { PlaceOrder: (o) => o, Describe: (c) => c }));
    });
  });
});
