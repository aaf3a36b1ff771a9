/**
 * json: the same Dubbo 2 frames with the JSON serialization (id 6, Java
 * Dubbo's fastjson layout), for a service defined by a TypeScript interface
 * (Java types are inferred from the argument values).
 *
 *   npm run build && node dist/examples/json/main.js
 */
import { defineService, RpcClient, RpcServer } from '../../index.js';

interface Order {
  id: number;
  items: { sku: string; qty: number }[];
}

interface OrderService {
  place(order: Order): { id: number; total: number };
  find(id: number): Order | null;
}

async function main(): Promise<void> {
  const orders = new Map<number, Order>();
  const server = new RpcServer({ port: 0, serialization: 'json' });
  server.addService(defineService<OrderService>('example.OrderService'), {
    place(order) {
      orders.set(order.id, order);
      return { id: order.id, total: order.items.reduce((sum, item) => sum + item.qty, 0) };
    },
    find: (id) => orders.get(id) ?? null,
  });
  await server.start();

  const client = new RpcClient();
  const service = client.refer<OrderService>('example.OrderService', {
    url: `dubbo://127.0.0.1:${server.port}`,
    serialization: 'json',
  });
  console.log('placed:', await service.place({ id: 1, items: [{ sku: 'tea', qty: 2 }, { sku: 'cup', qty: 1 }] }));
  console.log('found:', JSON.stringify(await service.find(1)));
  console.log('missing:', await service.find(99));

  await client.close();
  await server.stop({ graceMs: 1000 });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
