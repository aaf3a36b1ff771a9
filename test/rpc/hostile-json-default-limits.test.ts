/**
 * The json body limits at their default sizes, over real loopback: a provider
 * answers a request building more than 131 072 arrays or 524 288 values with
 * BAD_REQUEST before JSON.parse builds them, promptly, and takes brackets and
 * commas inside a long string as text. Megabyte bodies: in no mutation group
 * (the boundaries are pinned with small configured limits in
 * test/rpc/serialization/json-shape-limits.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DubboResponse } from '../../rpc/protocol/dubbo-package.js';
import { RpcServer } from '../../rpc/provider/rpc-server.js';
import { defineService } from '../../rpc/service.js';
import { timeBoundMs } from '../time-bound.js';
import { RawDubboSocket } from './rpc-fixture.js';

const Store = defineService('com.example.Store', {
  put: { params: ['java.util.Map'], returns: 'java.util.Map' },
});

const JSON_ID = 6;
const OK = 20;
const BAD_REQUEST = 40;

/** A request frame with a hand-made json body (flag: request, two-way). */
function requestFrame(id: number, body: Buffer): Buffer {
  const header = Buffer.alloc(16);
  header.writeUInt16BE(0xdabb, 0);
  header[2] = 0xc0 | JSON_ID;
  header.writeBigInt64BE(BigInt(id), 4);
  header.writeUInt32BE(body.length, 12);
  return Buffer.concat([header, body]);
}

const jsonBody = (argument: string) =>
  Buffer.from(['"2.0.2"', '"com.example.Store"', '""', '"put"', '"Ljava/util/Map;"', argument, '{}'].map((line) => `${line}\n`).join(''), 'utf8');

describe('json body limits at their defaults', () => {
  it('a body building more than 131 072 arrays or 524 288 values is BAD_REQUEST before it is parsed', async () => {
    const server = new RpcServer({ port: 0 });
    server.addService(Store, { put: (arg) => ({ size: Object.keys(arg ?? {}).length }) });
    await server.start();
    const raw = await RawDubboSocket.connect(server.port);
    let nextId = 1;
    const answer = async (body: Buffer) => {
      raw.sendBytes(requestFrame(nextId++, body));
      return (await raw.next(5000)) as DubboResponse;
    };
    try {
      for (const [body, reason] of [
        [jsonBody(`{"a":[${'[],'.repeat(140_000)}[]]}`), /: JSON body holding more than 131072 arrays and objects$/],
        [jsonBody(`{"a":[${'0,'.repeat(600_000)}0]}`), /: JSON body holding more than 524288 values$/],
      ] as const) {
        const started = performance.now();
        const response = await answer(body);
        assert.equal(response.status, BAD_REQUEST);
        assert.match(response.errorMessage ?? '', reason);
        assert.ok(performance.now() - started < timeBoundMs(2000), 'answered within 2 s');
      }
      const fine = await answer(jsonBody(`{"a":[${'[],'.repeat(130_000)}[]]}`));
      assert.equal(fine.status, OK, `130 001 arrays pass (${fine.errorMessage ?? ''})`);
      const text = await answer(jsonBody(`{"a":"${'[0,'.repeat(400_000)}"}`));
      assert.equal(text.status, OK, 'brackets and commas inside a 1.2 MB string do not count');
    } finally {
      raw.close();
      await server.stop({ graceMs: 0 });
    }
  });
});
