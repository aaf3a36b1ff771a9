/**
 * `generateProtoTypes` (and so `getty-rpc gen`): the TypeScript it writes for
 * a .proto with nested messages, enums, repeated, map, 64-bit, bytes, oneof
 * and optional fields, and that this output compiles under strict settings
 * and types `defineProtoService<Service>` proxies precisely (wrong shapes fail
 * to compile: checked with @ts-expect-error, which itself fails when unused).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isRpcError } from '../../common/rpc-error.js';
import { generateProtoTypes } from '../../rpc/proto-type-generator.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SHOP_PROTO = path.join(ROOT, 'test', 'package', 'fixtures', 'shop.proto');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

const USAGE = `
import type { AsyncProxy, ServiceImpl } from '${path.join(ROOT, 'dist', 'index.js')}';
import type { Currency, GetOrderRequest, Order, Order_Line, Order_State, OrderService } from './shop.js';

const line: Order_Line = { sku: 'a-1', quantity: 2, priceCents: 1999n };
export const order: Order = {
  orderId: 'o-1', state: 'OPEN', lines: [line], linesBySku: { 'a-1': line }, notes: { '7': 'fragile' },
  currency: 'EUR', signature: new Uint8Array(4), createdAtMs: 1_700_000_000_000, firstLine: null, weights: [0.5],
  cardToken: 'tok',
};
export const states: Order_State[] = ['STATE_UNSPECIFIED', 'OPEN', 'SHIPPED'];
export const currency: Currency = 'USD';
// @ts-expect-error enum fields take their value names only
export const badState: Order['state'] = 'CLOSED';
// @ts-expect-error repeated fields are arrays
export const badLines: Order['lines'] = line;
// @ts-expect-error map values are the value message
export const badMap: Order['linesBySku'] = { x: 1 };
// @ts-expect-error 64-bit integers are number | bigint, not strings
export const badLong: Order_Line['priceCents'] = '1999';
// @ts-expect-error nested message fields are the message or null
export const badNested: Order['firstLine'] = { sku: 1 };

declare const proxy: AsyncProxy<OrderService>;
export const got: Promise<Order> = proxy.GetOrder({ orderId: 'o-1' });
// @ts-expect-error the request is a GetOrderRequest
export const wrongRequest = proxy.GetOrder({ id: 'o-1' });
export const impl: ServiceImpl<OrderService> = {
  GetOrder: async (request: GetOrderRequest) => ({ ...order, orderId: request.orderId }),
  PutOrder: (request: Order) => ({ orderId: request.orderId }),
};
`;

function compile(dir: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [TSC, '-p', dir], { timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, output: stdout + stderr });
    });
  });
}

describe('generateProtoTypes', () => {
  it('types messages, nested messages and enums, repeated, map, 64-bit, bytes, oneof and optional fields', () => {
    const source = generateProtoTypes(SHOP_PROTO);
    const expected = [
      "export type Currency = 'CURRENCY_UNSPECIFIED' | 'EUR' | 'USD';",
      "export type Order_State = 'STATE_UNSPECIFIED' | 'OPEN' | 'SHIPPED';",
      'export interface Order {',
      '  orderId: string;',
      '  state: Order_State;',
      '  lines: Array<Order_Line>;',
      '  linesBySku: Record<string, Order_Line>;',
      '  notes: Record<string, string>;',
      '  currency: Currency;',
      '  signature: Uint8Array;',
      '  createdAtMs: number | bigint;',
      '  firstLine: Order_Line | null;',
      '  cardToken?: string;',
      '  invoiceId?: string;',
      '  coupon?: string;',
      '  weights: Array<number>;',
      'export interface Order_Line {',
      '  priceCents: number | bigint;',
      'export interface OrderService {',
      '  GetOrder(request: GetOrderRequest): Order;',
      '  PutOrder(request: Order): GetOrderRequest;',
    ];
    for (const line of expected) assert.ok(source.split('\n').includes(line), `output has: ${line}\n${source}`);
  });

  it('keeps the .proto field names with keepCase', () => {
    const source = generateProtoTypes(SHOP_PROTO, { keepCase: true });
    assert.ok(source.includes('  order_id: string;'));
    assert.ok(source.includes('  lines_by_sku: Record<string, Order_Line>;'));
    assert.ok(!source.includes('orderId'));
  });

  it('writes types that compile under strict settings and type proxies and implementations precisely', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'getty-rpc-gen-'));
    try {
      await writeFile(path.join(dir, 'shop.ts'), generateProtoTypes(SHOP_PROTO));
      await writeFile(path.join(dir, 'usage.ts'), USAGE);
      const compilerOptions = { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, exactOptionalPropertyTypes: true, noEmit: true, types: ['node'], typeRoots: [path.join(ROOT, 'node_modules', '@types')] };
      await writeFile(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['shop.ts', 'usage.ts'] }));
      const { code, output } = await compile(dir);
      assert.equal(code, 0, output);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails with INVALID_ARGUMENT on a file it cannot read or parse', async () => {
    assert.throws(() => generateProtoTypes(path.join(ROOT, 'no-such.proto')), (err) => isRpcError(err, 'INVALID_ARGUMENT'));
    const dir = await mkdtemp(path.join(tmpdir(), 'getty-rpc-gen-'));
    try {
      await writeFile(path.join(dir, 'broken.proto'), 'syntax = "proto3"; message {');
      assert.throws(() => generateProtoTypes(path.join(dir, 'broken.proto')), (err) => isRpcError(err, 'INVALID_ARGUMENT'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('matches the committed types of examples/protobuf (run `getty-rpc gen` again when greeter.proto changes)', async () => {
    const committed = await readFile(path.join(ROOT, 'examples', 'protobuf', 'greeter.ts'), 'utf8');
    assert.equal(committed, generateProtoTypes(path.join(ROOT, 'examples', 'protobuf', 'greeter.proto')));
  });
});
