/**
 * Fuzzes the json and protobuf body decoders (not run in CI): valid request
 * and response bodies are generated, mutated (bytes flipped or set to
 * structural characters, ranges cut, duplicated or removed) and decoded, the
 * protobuf ones through a service loaded from a .proto (nested, repeated, map,
 * int64, enum, recursive messages). Every failure must be an RpcError and no
 * decoded value may have a prototype other than Object.prototype or
 * Array.prototype; the report gives the counts, the slowest input and its time.
 *
 *   node dist/bench/fuzz-json-protobuf.js [count=1000000] [seed=1]
 */
import protobuf from 'protobufjs';
import { isRpcError } from '../common/rpc-error.js';
import { createRequest, createResponse, type DubboRequest, type DubboResponse } from '../rpc/protocol/dubbo-package.js';
import { jsonSerialization } from '../rpc/serialization/json.js';
import { protoServiceFromRoot } from '../rpc/serialization/proto-service-loader.js';
import { configureProtobuf, protobufSerialization } from '../rpc/serialization/protobuf.js';
import type { Serialization } from '../rpc/serialization/serialization.js';
import { mutateBody } from './lib/body-mutation.js';

const count = Number(process.argv[2] ?? 1_000_000);
let seed = Number(process.argv[3] ?? 1) >>> 0;

const PROTO = `
syntax = "proto3";
package fuzz;
option java_package = "org.example.fuzz";
enum Kind { KIND_UNKNOWN = 0; A = 1; B = 2; }
message Item { string sku = 1; int64 cents = 2; uint32 qty = 3; }
message Node { string name = 1; Node child = 2; repeated Item items = 3; map<string, Item> by_key = 4; Kind kind = 5; bytes blob = 6; sint64 delta = 7; }
service Fuzz { rpc Call (Node) returns (Node); }
`;
const service = protoServiceFromRoot(protobuf.parse(PROTO).root);
// Limits low enough that the wire walk (proto-wire-budget.ts) runs on most generated bodies and
// refuses some, so the walk itself is fuzzed too.
configureProtobuf({ maxMessages: 64, maxValues: 256 });
const call = service.methods.Call!;

/** mulberry32: a small seeded PRNG, so a failing input can be found again. */
function random(): number {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

function below(n: number): number {
  return Math.floor(random() * n);
}

function jsonValue(depth: number): unknown {
  switch (below(depth > 3 ? 6 : 9)) {
    case 0:
      return 'sé中\u{1F600}"\\'.repeat(below(4)) + 'x'.repeat(below(3) === 0 ? 2000 : below(40));
    case 1:
      return [0, -1, 2 ** 31, 2 ** 53 + 2, 0.5, 1e300][below(6)];
    case 2:
      return below(2) === 0 ? null : true;
    case 3:
      return 2n ** 60n;
    case 4:
      return Buffer.alloc(below(30), 0xab);
    case 5:
      return new Date(below(2 ** 40));
    case 6:
      return Array.from({ length: below(5) }, () => jsonValue(depth + 1));
    case 7:
      return JSON.parse('{"__proto__":{"p":1},"constructor":{"prototype":{}}}') as unknown;
    default:
      return { a: jsonValue(depth + 1), b: [jsonValue(depth + 1)] };
  }
}

function nodeValue(depth: number): Record<string, unknown> {
  const node: Record<string, unknown> = {
    name: 'n'.repeat(below(20)),
    items: Array.from({ length: below(3) }, () => ({ sku: 's', cents: [5, 2n ** 60n, -(2n ** 63n)][below(3)], qty: below(1000) })),
    byKey: { k: { sku: 'k', cents: 1 } },
    kind: ['A', 'B', 0][below(3)],
    blob: Buffer.alloc(below(20), 0xcd),
    delta: -(2n ** 40n),
  };
  if (depth < 6 && below(2) === 0) node.child = nodeValue(depth + 1);
  return node;
}

interface Case {
  serialization: Serialization;
  body: Buffer;
  request: boolean;
}

function validBody(): Case {
  const json = below(2) === 0;
  const request = below(2) === 0;
  const serialization = json ? jsonSerialization : protobufSerialization;
  if (request) {
    const args = json ? Array.from({ length: below(3) + 1 }, () => jsonValue(0)) : [nodeValue(0)];
    const parameterTypes = json ? args.map(() => 'java.lang.Object') : [call.parameterType];
    const pkg = createRequest({ id: 1, serialization: serialization.id, path: service.name, method: 'Call', parameterTypes, args, attachments: { k: 'v', n: 1 } });
    return { serialization, body: Buffer.from(serialization.encodeRequestBody(pkg)), request };
  }
  const value = json ? jsonValue(0) : nodeValue(0);
  const pkg = createResponse({ id: 1, serialization: serialization.id, value, returnType: json ? undefined : call.returnType, attachments: { k: 'v' } });
  return { serialization, body: Buffer.from(serialization.encodeResponseBody(pkg)), request };
}

const STRUCTURAL = [0x00, 0xff, 0x7f, 0x80, 0x0a, 0x22, 0x5b, 0x5d, 0x7b, 0x7d, 0x3a, 0x2c, 0x5c, 0x08, 0x12, 0x1a];

function mutate(body: Buffer): Buffer {
  return mutateBody(body, below, STRUCTURAL);
}

/** True when some object reached from `value` has a prototype a decoder must never give (bounded walk). */
function foreignPrototype(value: unknown, depth = 0): boolean {
  if (value === null || typeof value !== 'object' || depth > 200) return false;
  if (Buffer.isBuffer(value) || value instanceof Date) return false;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) return true;
  for (const key of Object.keys(value)) if (foreignPrototype((value as Record<string, unknown>)[key], depth + 1)) return true;
  return false;
}

function decode(item: Case, input: Buffer): unknown {
  if (item.request) {
    const request: DubboRequest = createRequest({ id: 1, serialization: item.serialization.id });
    item.serialization.decodeRequestBody(input, request);
    return [request.args, request.attachments];
  }
  const response: DubboResponse = { kind: 'response', id: 1, status: 20, serialization: item.serialization.id, event: false, attachments: {} };
  item.serialization.decodeResponseBody(input, response);
  const value = item.serialization === protobufSerialization && response.value instanceof Uint8Array ? call.decodeResponse(response.value) : response.value;
  return [value, response.attachments];
}

const counts = { decoded: 0, refused: 0, crashes: 0, prototypes: 0 };
let slowestMs = 0;
let slowest: { item: Case; input: Buffer } | undefined;
let slowestAt = 0;
const started = performance.now();
for (let i = 0; i < count; i++) {
  const item = validBody();
  const input = mutate(item.body);
  const t0 = performance.now();
  try {
    const decoded = decode(item, input);
    counts.decoded++;
    if (foreignPrototype(decoded)) {
      counts.prototypes++;
      if (counts.prototypes <= 5) console.log('foreign prototype from', input.toString('hex').slice(0, 400));
    }
  } catch (err) {
    if (isRpcError(err)) counts.refused++;
    else {
      counts.crashes++;
      if (counts.crashes <= 5) console.log(`not an RpcError (${item.serialization.name}):`, err, input.toString('hex').slice(0, 400));
    }
  }
  const ms = performance.now() - t0;
  if (ms > slowestMs) {
    slowestMs = ms;
    slowest = { item, input };
    slowestAt = i;
  }
}
const seconds = (performance.now() - started) / 1000;
console.log(
  `${count} mutated json/protobuf bodies in ${seconds.toFixed(1)} s: ${counts.decoded} decoded, ${counts.refused} refused with RpcError, ` +
    `${counts.crashes} other errors, ${counts.prototypes} with a foreign prototype`,
);
// On a shared machine one slow decode is often a pause of the process, not the input: decode the
// slowest input again and report its fastest time too.
let againMs = Number.POSITIVE_INFINITY;
for (let i = 0; i < 20 && slowest; i++) {
  const t0 = performance.now();
  try {
    decode(slowest.item, slowest.input);
  } catch {}
  againMs = Math.min(againMs, performance.now() - t0);
}
console.log(
  `slowest ${slowestMs.toFixed(2)} ms (input #${slowestAt}, ${slowest?.item.serialization.name}, ${slowest?.input.length} bytes; ` +
    `best of 20 more decodes of it ${againMs.toFixed(3)} ms): ${slowest?.input.toString('hex').slice(0, 120)}`,
);
process.exitCode = counts.crashes === 0 && counts.prototypes === 0 ? 0 : 1;
