/**
 * Fuzzes the hessian2 body decoder (not run in CI): valid request and
 * response bodies are generated from random values, mutated (bytes flipped,
 * set to length-like extremes, ranges cut, duplicated or inserted) and
 * decoded. Every failure must be an RpcError; the report gives the counts, the
 * slowest input and its time.
 *
 *   node dist/bench/fuzz-hessian2.js [count=1000000] [seed=1]
 */
import { isRpcError } from '../common/rpc-error.js';
import { seededRandom } from './lib/seeded-random.js';
import { createRequest, createResponse, type DubboResponse } from '../rpc/protocol/dubbo-package.js';
import { javaObject } from '../rpc/protocol/java-object.js';
import { hessian2Serialization as hessian2 } from '../rpc/serialization/hessian2.js';
import { mutateBody } from './lib/body-mutation.js';

const count = Number(process.argv[2] ?? 1_000_000);

/** Seeded, so a failing input can be found again. */
const random = seededRandom(Number(process.argv[3] ?? 1));

function below(n: number): number {
  return Math.floor(random() * n);
}

function randomValue(depth: number, shared: object[]): unknown {
  switch (below(depth > 3 ? 8 : 13)) {
    case 0:
      return 'sé中\u{1F600}'.repeat(below(6)) + 'x'.repeat(below(3) === 0 ? 2000 : below(40));
    case 1:
      return [0, -1, 47, 2047, 262143, 2 ** 31 - 1, -(2 ** 31)][below(7)];
    case 2:
      return [2 ** 40, 2n ** 60n, -(2n ** 63n)][below(3)];
    case 3:
      return [0.5, Number.NaN, 1e300, -0.001][below(4)];
    case 4:
      return below(2) === 0 ? null : true;
    case 5:
      return new Date(below(2 ** 40));
    case 6:
      return Buffer.alloc(below(3) === 0 ? 5000 : below(20), 0xab);
    case 7:
      return 2n ** 80n;
    case 8:
      return Array.from({ length: below(6) }, () => randomValue(depth + 1, shared));
    case 9:
      return new Map<unknown, unknown>([[below(5), randomValue(depth + 1, shared)], ['k', 1]]);
    case 10:
      return javaObject(`com.example.C${below(3)}`, { a: randomValue(depth + 1, shared), b: 'x' });
    case 11: {
      if (shared.length > 0 && below(2) === 0) return shared[below(shared.length)];
      const item = { id: below(100) };
      shared.push(item);
      return item;
    }
    default:
      return { $class: 'java.math.BigDecimal', $: '12.50' };
  }
}

function validBody(): { body: Buffer; request: boolean } {
  const shared: object[] = [];
  if (below(2) === 0) {
    const args = Array.from({ length: below(3) + 1 }, () => randomValue(0, shared));
    const request = createRequest({ id: 1, path: 'org.example.S', method: 'm', parameterTypes: args.map(() => 'java.lang.Object'), args, attachments: { k: 'v', n: 1 } });
    return { body: Buffer.from(hessian2.encodeRequestBody(request)), request: true };
  }
  const response = createResponse({ id: 1, value: randomValue(0, shared), attachments: { k: 'v' } });
  return { body: Buffer.from(hessian2.encodeResponseBody(response)), request: false };
}

const EXTREMES = [0x00, 0xff, 0x7f, 0x80, 0x49, 0x51, 0x43, 0x4f, 0x56, 0x58, 0x42, 0x53, 0x52, 0x41, 0x5a, 0x4e];

function mutate(body: Buffer): Buffer {
  return mutateBody(body, below, EXTREMES);
}

let decoded = 0;
let refused = 0;
let crashes = 0;
let slowestMs = 0;
let slowest: Buffer | undefined;
const started = performance.now();
for (let i = 0; i < count; i++) {
  const { body, request } = validBody();
  const input = mutate(body);
  const t0 = performance.now();
  try {
    if (request) hessian2.decodeRequestBody(input, createRequest({ id: 1 }));
    else {
      const response: DubboResponse = { kind: 'response', id: 1, status: 20, serialization: 2, event: false, attachments: {} };
      hessian2.decodeResponseBody(input, response);
    }
    decoded++;
  } catch (err) {
    if (isRpcError(err)) refused++;
    else {
      crashes++;
      if (crashes <= 5) console.log('not an RpcError:', err, input.toString('hex').slice(0, 400));
    }
  }
  const ms = performance.now() - t0;
  if (ms > slowestMs) {
    slowestMs = ms;
    slowest = input;
  }
}
const seconds = (performance.now() - started) / 1000;
console.log(`${count} mutated bodies in ${seconds.toFixed(1)} s: ${decoded} decoded, ${refused} refused with RpcError, ${crashes} other errors`);
console.log(`slowest ${slowestMs.toFixed(2)} ms (${slowest?.length} bytes): ${slowest?.toString('hex').slice(0, 120)}`);
process.exitCode = crashes === 0 ? 0 : 1;
