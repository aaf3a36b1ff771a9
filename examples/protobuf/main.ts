/**
 * protobuf: a service loaded from greeter.proto, called with message objects
 * over Dubbo 2 frames with the protobuf serialization (body layout in
 * docs/protocol.md). Its types come from greeter.ts, which
 * `getty-rpc gen examples/protobuf/greeter.proto --out examples/protobuf`
 * writes (a test checks it is up to date).
 *
 *   npm run build && node dist/examples/protobuf/main.js
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineProtoService, RpcClient, RpcServer } from '../../index.js';
import type { Greeter } from './greeter.js';

/** greeter.proto sits next to main.ts; tsc does not copy it to dist/, so look in both places. */
function protoFile(): string {
  const candidates = ['./greeter.proto', '../../../examples/protobuf/greeter.proto'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  const found = candidates.find((file) => existsSync(file));
  if (!found) throw new Error(`greeter.proto not found in ${candidates.join(' or ')}`);
  return found;
}

async function main(): Promise<void> {
  const GreeterService = defineProtoService<Greeter>(protoFile());
  const server = new RpcServer({ port: 0, serialization: 'protobuf' });
  server.addService(GreeterService, {
    SayHello: ({ name, times }) => ({ message: `Hello ${name}`, echoes: Array.from({ length: times }, () => name) }),
  });
  await server.start();

  const client = new RpcClient();
  const greeter = client.refer(GreeterService, { url: `dubbo://127.0.0.1:${server.port}` });
  console.log(`${GreeterService.name}.SayHello →`, await greeter.SayHello({ name: 'protobuf', times: 3 }));

  await client.close();
  await server.stop({ graceMs: 1000 });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
