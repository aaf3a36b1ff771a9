import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../../common/rpc-error.js';
import { RpcClient } from '../../../rpc/consumer/rpc-client.js';
import { createRequest, type DubboResponse } from '../../../rpc/protocol/dubbo-package.js';
import { RpcServer } from '../../../rpc/provider/rpc-server.js';
import { defineService } from '../../../rpc/service.js';
import { type DemoProvider, DemoService, RawDubboSocket, startDemoProvider } from '../rpc-fixture.js';

/** The response flag of a hessian2 response frame: the compact int (0x90 + flag) that opens the body. */
function responseFlag(frame: Buffer): number {
  return frame[16]! - 0x90;
}

/** Java Dubbo's RESPONSE_VALUE, RESPONSE_WITH_EXCEPTION and their _WITH_ATTACHMENTS forms (DubboCodec). */
const FLAG = { exception: 0, value: 1, exceptionWithAttachments: 3, valueWithAttachments: 4 } as const;

describe('RpcServer replies to old and new consumers', () => {
  let provider: DemoProvider;

  before(async () => {
    provider = await startDemoProvider();
  });
  after(async () => {
    await provider.server.stop({ graceMs: 0 });
  });

  /** Sends `method(arg)` with `dubboVersion` in the body and returns the response and its raw frame. */
  async function callAs(raw: RawDubboSocket, id: number, dubboVersion: string, method: 'sayHello' | 'fail'): Promise<[DubboResponse, Buffer]> {
    raw.send(createRequest({ id, dubboVersion, path: DemoService.name, version: '1.0.0', method, parameterTypes: ['java.lang.String'], args: ['x'] }));
    const response = (await raw.next()) as DubboResponse;
    assert.equal(Number(response.id), id);
    return [response, raw.frames[raw.frames.length - 1]!];
  }

  it('answers consumers 2.0.10 to 2.6.2 with flags 0-2 (no attachments), 2.0.2 and 2.6.3+ with flags 3-5', async () => {
    // Java's Version.isSupportResponseAttachment: from 2.0.2, except 2.0.10 up to 2.6.2.
    const cases: Array<[string, number, number]> = [
      ['2.5.3', FLAG.value, FLAG.exception],
      ['2.6.2', FLAG.value, FLAG.exception],
      ['2.0.10', FLAG.value, FLAG.exception],
      ['2.0.2', FLAG.valueWithAttachments, FLAG.exceptionWithAttachments],
      ['2.6.3', FLAG.valueWithAttachments, FLAG.exceptionWithAttachments],
      ['2.7.8', FLAG.valueWithAttachments, FLAG.exceptionWithAttachments],
      ['3.2.0', FLAG.valueWithAttachments, FLAG.exceptionWithAttachments],
    ];
    const raw = await RawDubboSocket.connect(provider.server.port);
    try {
      let id = 100;
      for (const [version, valueFlag, exceptionFlag] of cases) {
        const [hello, helloFrame] = await callAs(raw, (id += 2), version, 'sayHello');
        assert.equal(hello.value, 'Hello x');
        assert.equal(responseFlag(helloFrame), valueFlag, `value flag for a ${version} consumer`);
        const [failed, failFrame] = await callAs(raw, (id += 2), version, 'fail');
        assert.equal(failed.exception?.type, 'java.lang.IllegalStateException');
        assert.equal(responseFlag(failFrame), exceptionFlag, `exception flag for a ${version} consumer`);
      }
    } finally {
      raw.close();
    }
  });
});

describe('RpcServer replies when the result cannot be encoded', () => {
  const Broken = defineService('test.Broken', {
    count: { params: [], returns: 'int' },
    name: { params: [], returns: 'java.lang.String' },
  });
  let server: RpcServer;
  let client: RpcClient;

  before(async () => {
    server = new RpcServer({ port: 0 });
    // A JS string is no Java int: the response cannot be written as declared.
    server.addService(Broken, { count: () => 'not a number' as unknown as number, name: () => 'fine' });
    await server.start();
    client = new RpcClient({ timeoutMs: 10_000 });
  });
  after(async () => {
    await client.close();
    await server.stop({ graceMs: 0 });
  });

  it('sends SERVER_ERROR at once instead of leaving the caller to its timeout, and keeps the connection', async () => {
    const broken = client.refer(Broken, { url: `dubbo://127.0.0.1:${server.port}`, retries: 0 });
    assert.equal(await broken.name(), 'fine');
    const started = performance.now();
    await assert.rejects(broken.count(), (e) => isRpcError(e, ErrorCode.SERVER_ERROR) && /cannot encode the result/.test(e.message));
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 5000, `answered after ${elapsed.toFixed(0)} ms, the caller's timeout is 10 s`);
    assert.equal(await broken.name(), 'fine', 'the same connection still serves calls');
    assert.equal(server.activeCalls, 0);
  });
});
