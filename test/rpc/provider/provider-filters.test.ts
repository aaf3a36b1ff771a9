import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { ErrorCode, isRpcError } from '../../../common/rpc-error.js';
import { RpcClient } from '../../../rpc/consumer/rpc-client.js';
import type { Filter } from '../../../rpc/filter.js';
import { type AccessLogEntry, metricsFilter } from '../../../rpc/filters/index.js';
import { RpcServer } from '../../../rpc/provider/rpc-server.js';
import { defineService } from '../../../rpc/service.js';
import { Gate, until } from '../rpc-fixture.js';

const Guarded = defineService('test.Guarded', {
  hello: { params: ['java.lang.String'], returns: 'java.lang.String' },
  hold: { params: [], returns: 'java.lang.String' },
});

describe('filters on a running server and client', () => {
  const gate = new Gate();
  const log: AccessLogEntry[] = [];
  const seenByServerFilter: string[] = [];
  let server: RpcServer;
  let client: RpcClient;
  let url: string;

  before(async () => {
    const recordMethod: Filter = async (invocation, next) => {
      seenByServerFilter.push(invocation.methodName);
      return next(invocation);
    };
    server = new RpcServer({ port: 0, filters: [recordMethod] });
    const impl = {
      hello: async (name: string | null) => `hi ${name}`,
      hold: async () => {
        await gate.wait();
        return 'released';
      },
    };
    server.addService(Guarded, impl, { token: 'open-sesame', accessLog: (e) => log.push(e), executeLimit: 1 });
    server.addService(Guarded, impl, { group: 'limited', tpsLimit: { rate: 2, intervalMs: 60_000 } });
    await server.start();
    client = new RpcClient();
    url = `dubbo://127.0.0.1:${server.port}`;
  });
  after(async () => {
    gate.release();
    await client.close();
    await server.stop({ graceMs: 0 });
  });

  it('token: admits a caller with the token and refuses one without (UNAUTHORIZED)', async () => {
    const good = client.refer(Guarded, { url, token: 'open-sesame' });
    const bad = client.refer(Guarded, { url, retries: 0 });
    assert.equal(await good.hello('a'), 'hi a');
    await assert.rejects(bad.hello('b'), (e) => isRpcError(e, ErrorCode.UNAUTHORIZED));
  });

  it('accesslog: records each call with its outcome', async () => {
    const good = client.refer(Guarded, { url, token: 'open-sesame' });
    log.length = 0;
    await good.hello('logged');
    assert.deepEqual(log.map((e) => [e.service, e.method, e.outcome]), [['test.Guarded', 'hello', 'OK']]);
  });

  it('execute: refuses a second call in flight with LIMIT_EXCEEDED', async () => {
    const good = client.refer(Guarded, { url, token: 'open-sesame', retries: 0 });
    const held = good.hold();
    await until(() => gate.entered === 1, 'the first call to be in flight');
    await assert.rejects(good.hold(), (e) => isRpcError(e, ErrorCode.LIMIT_EXCEEDED));
    gate.release();
    assert.equal(await held, 'released');
  });

  it('tps: refuses calls over the rate with LIMIT_EXCEEDED', async () => {
    const limited = client.refer(Guarded, { url, group: 'limited', retries: 0 });
    assert.equal(await limited.hello('1'), 'hi 1');
    assert.equal(await limited.hello('2'), 'hi 2');
    await assert.rejects(limited.hello('3'), (e) => isRpcError(e, ErrorCode.LIMIT_EXCEEDED));
  });

  it('echo: answers $echo on a token-protected service without the token', async () => {
    // dubbo-go's default provider filters put echo before token (common/constant/default.go), so health checks need no secret.
    const tokenless = client.refer(Guarded, { url, retries: 0 });
    assert.equal(await tokenless.$echo('ping'), 'ping');
    await assert.rejects(tokenless.hello('still guarded'), (e) => isRpcError(e, ErrorCode.UNAUTHORIZED));
  });

  it('metrics: counts calls on a running client and server', async () => {
    const registry = new Registry();
    const metricsServer = new RpcServer({ port: 0, filters: [metricsFilter({ registry, side: 'provider' })] });
    metricsServer.addService(Guarded, { hello: async (name) => `hi ${name}`, hold: async () => 'x' });
    await metricsServer.start();
    const metricsClient = new RpcClient({ filters: [metricsFilter({ registry, side: 'consumer' })] });
    try {
      const proxy = metricsClient.refer(Guarded, { url: `dubbo://127.0.0.1:${metricsServer.port}` });
      await proxy.hello('a');
      await proxy.hello('b');
      const text = await registry.metrics();
      assert.match(text, /rpc_calls_total\{side="provider",service="test.Guarded",method="hello",outcome="OK"\} 2/);
      assert.match(text, /rpc_calls_total\{side="consumer",service="test.Guarded",method="hello",outcome="OK"\} 2/);
    } finally {
      await metricsClient.close();
      await metricsServer.stop({ graceMs: 0 });
    }
  });

  it('server and client filters see every call', async () => {
    const seenByClient: string[] = [];
    const local = new RpcClient({
      filters: [
        async (invocation, next) => {
          seenByClient.push(invocation.methodName);
          return next(invocation);
        },
      ],
    });
    try {
      seenByServerFilter.length = 0;
      await local.refer(Guarded, { url, token: 'open-sesame' }).hello('x');
      assert.deepEqual(seenByClient, ['hello']);
      assert.deepEqual(seenByServerFilter, ['hello']);
    } finally {
      await local.close();
    }
  });
});
