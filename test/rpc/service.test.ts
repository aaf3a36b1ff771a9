import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../common/rpc-error.js';
import { RpcClient } from '../../rpc/consumer/rpc-client.js';
import { withCallOptions } from '../../rpc/consumer/proxy.js';
import { defineService, findMethod } from '../../rpc/service.js';

const invalid = (e: unknown) => isRpcError(e, ErrorCode.INVALID_ARGUMENT);

describe('defineService', () => {
  it('describes Java-typed methods', () => {
    const Svc = defineService('a.B', { m: { params: ['int', 'java.lang.String'], returns: 'long' }, n: { params: [], oneWay: true } });
    assert.equal(Svc.kind, 'java');
    assert.deepEqual(findMethod(Svc, 'm'), { name: 'm', parameterTypes: ['int', 'java.lang.String'], returnType: 'long', oneWay: false });
    assert.equal(findMethod(Svc, 'n')?.oneWay, true);
    assert.equal(findMethod(Svc, 'missing'), undefined);
  });
  it('makes an inferred definition from a name alone', () => {
    const Svc = defineService<{ hi(): string }>('a.Inferred');
    assert.equal(Svc.kind, 'inferred');
    assert.equal(Svc.methods, undefined);
  });
  it('rejects bad names, reserved method names and bad params with INVALID_ARGUMENT', () => {
    assert.throws(() => defineService('has space', {}), invalid);
    assert.throws(() => defineService('', {}), invalid);
    assert.throws(() => defineService('a.B', { $echo: { params: [] } }), invalid);
    assert.throws(() => defineService('a.B', { m: { params: 'int' as never } }), invalid);
    assert.throws(() => defineService('a.B', { m: { params: [''] } }), invalid);
  });
});

describe('proxies', () => {
  const client = new RpcClient();
  const Svc = defineService('a.B', { hi: { params: [] } });
  const proxy = client.refer(Svc, { url: 'dubbo://127.0.0.1:1' });

  it('are not thenables, so awaiting one does not make a call', async () => {
    assert.equal(await Promise.resolve(proxy), proxy);
    assert.equal((proxy as unknown as { then?: unknown }).then, undefined);
  });
  it('expose declared methods, $invoke and $echo only', () => {
    assert.equal(typeof proxy.hi, 'function');
    assert.equal(typeof proxy.$invoke, 'function');
    assert.equal(typeof proxy.$echo, 'function');
    assert.equal((proxy as unknown as Record<string, unknown>).other, undefined);
    assert.ok('hi' in proxy);
  });
  it('reject a non-proxy in withCallOptions and bad references with INVALID_ARGUMENT', () => {
    assert.throws(() => withCallOptions({}, { timeoutMs: 1 }), invalid);
    assert.throws(() => client.refer(Svc, { url: 'http://127.0.0.1:80' }), invalid);
    assert.throws(() => client.refer(Svc, { url: 'dubbo://127.0.0.1' }), invalid);
    assert.throws(() => client.refer(Svc, { url: 'dubbo://127.0.0.1:1', timeoutMs: -1 }), invalid);
    assert.throws(() => client.refer(Svc, { url: 'dubbo://127.0.0.1:1', serialization: 'xml' }), invalid);
    assert.throws(() => client.refer(Svc, {}), invalid);
  });
  it('validate client options', () => {
    assert.throws(() => new RpcClient({ connections: 0 }), invalid);
    assert.throws(() => new RpcClient({ heartbeatPeriodMs: Number.NaN }), invalid);
  });
  it('closes a client that never called', async () => {
    await client.close();
  });
});
