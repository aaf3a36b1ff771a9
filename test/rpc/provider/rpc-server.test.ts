import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../../common/rpc-error.js';
import { RpcClient } from '../../../rpc/consumer/rpc-client.js';
import { createRequest, type DubboResponse, ResponseStatus } from '../../../rpc/protocol/dubbo-package.js';
import { RpcServer } from '../../../rpc/provider/rpc-server.js';
import { defineService } from '../../../rpc/service.js';
import { type DemoProvider, DemoService, RawDubboSocket, startDemoProvider } from '../rpc-fixture.js';

/** A request for DemoService.sayHello as the codec would send it. */
function helloRequest(id: number, name: string) {
  return createRequest({
    id,
    path: DemoService.name,
    version: '1.0.0',
    method: 'sayHello',
    parameterTypes: ['java.lang.String'],
    args: [name],
  });
}

describe('RpcServer', () => {
  let provider: DemoProvider;
  let client: RpcClient;

  before(async () => {
    provider = await startDemoProvider();
    client = new RpcClient();
  });
  after(async () => {
    await client.close();
    await provider.server.stop({ graceMs: 0 });
  });

  it('answers a typed call', async () => {
    const demo = client.refer(DemoService, { url: provider.url, version: '1.0.0' });
    assert.equal(await demo.sayHello('world'), 'Hello world');
    assert.equal(await demo.add(2, 40), 42);
  });

  it('answers an unknown service with SERVICE_NOT_FOUND', async () => {
    const Missing = defineService('org.example.Missing', { hi: { params: [] } });
    const missing = client.refer(Missing, { url: provider.url, retries: 0 });
    await assert.rejects(missing.hi(), (e) => isRpcError(e, ErrorCode.SERVICE_NOT_FOUND));
  });

  it('answers a known service under another version with SERVICE_NOT_FOUND', async () => {
    const demo = client.refer(DemoService, { url: provider.url, version: '2.0.0', retries: 0 });
    await assert.rejects(demo.sayHello('x'), (e) => isRpcError(e, ErrorCode.SERVICE_NOT_FOUND));
  });

  it('answers an unknown method with METHOD_NOT_FOUND', async () => {
    const Stale = defineService(DemoService.name, { goodbye: { params: ['java.lang.String'] } });
    const stale = client.refer(Stale, { url: provider.url, version: '1.0.0', retries: 0 });
    await assert.rejects(stale.goodbye('x'), (e) => isRpcError(e, ErrorCode.METHOD_NOT_FOUND));
  });

  it('answers a wrong argument count with BAD_REQUEST', async () => {
    const Stale = defineService(DemoService.name, { add: { params: ['int', 'int', 'int'], returns: 'int' } });
    const stale = client.refer(Stale, { url: provider.url, version: '1.0.0', retries: 0 });
    await assert.rejects(stale.add(1, 2, 3), (e) => isRpcError(e, ErrorCode.BAD_REQUEST));
  });

  it('sends a provider exception back as SERVICE_ERROR with the remote type and message', async () => {
    const demo = client.refer(DemoService, { url: provider.url, version: '1.0.0' });
    await assert.rejects(demo.fail('boom'), (e) => {
      assert.ok(isRpcError(e, ErrorCode.SERVICE_ERROR));
      assert.equal(e.remoteType, 'java.lang.IllegalStateException');
      assert.equal(e.message, 'failed: boom');
      return true;
    });
  });

  it('answers a corrupt body in an intact frame with BAD_REQUEST and keeps the session usable', async () => {
    const raw = await RawDubboSocket.connect(provider.server.port);
    try {
      const garbage = Buffer.from([0xff, 0xfe, 0x00, 0x13, 0x37, 0x42, 0x99, 0x01]);
      const header = Buffer.alloc(16);
      header.writeUInt16BE(0xdabb, 0);
      header[2] = 0xc2; // request | two-way | hessian2
      header.writeBigInt64BE(7n, 4);
      header.writeUInt32BE(garbage.length, 12);
      raw.sendBytes(Buffer.concat([header, garbage]));
      const bad = (await raw.next()) as DubboResponse;
      assert.equal(bad.kind, 'response');
      assert.equal(Number(bad.id), 7);
      assert.equal(bad.status, ResponseStatus.BAD_REQUEST);

      raw.send(helloRequest(9, 'again'));
      const good = (await raw.next()) as DubboResponse;
      assert.equal(Number(good.id), 9);
      assert.equal(good.status, ResponseStatus.OK);
      assert.equal(good.value, 'Hello again');
    } finally {
      raw.close();
    }
  });

  it('closes a session whose header is bad, and keeps serving the others', async () => {
    const raw = await RawDubboSocket.connect(provider.server.port);
    raw.sendBytes(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await raw.closed;
    const demo = client.refer(DemoService, { url: provider.url, version: '1.0.0' });
    assert.equal(await demo.sayHello('still here'), 'Hello still here');
  });

  it('closes a session whose header announces more than maxFrameLen', async () => {
    const raw = await RawDubboSocket.connect(provider.server.port);
    const header = Buffer.alloc(16);
    header.writeUInt16BE(0xdabb, 0);
    header[2] = 0xc2;
    header.writeUInt32BE(64 * 1024 * 1024, 12);
    raw.sendBytes(header);
    await raw.closed;
  });

  it('sends nothing back for a one-way request', async () => {
    const raw = await RawDubboSocket.connect(provider.server.port);
    try {
      raw.send({ ...createRequest({ id: 11, path: DemoService.name, version: '1.0.0', method: 'notify', parameterTypes: ['java.lang.String'], args: ['ping'] }), twoWay: false });
      raw.send(helloRequest(13, 'after'));
      const first = (await raw.next()) as DubboResponse;
      assert.equal(Number(first.id), 13, 'the first response is for the two-way call');
      assert.ok(provider.notified.includes('ping'));
    } finally {
      raw.close();
    }
  });

  it('answers a heartbeat with a heartbeat response', async () => {
    const raw = await RawDubboSocket.connect(provider.server.port);
    try {
      raw.send(createRequest({ id: 21, event: true }));
      const pong = (await raw.next()) as DubboResponse;
      assert.equal(pong.event, true);
      assert.equal(Number(pong.id), 21);
      assert.equal(pong.status, ResponseStatus.OK);
    } finally {
      raw.close();
    }
  });

  it('validates its options', () => {
    assert.throws(() => new RpcServer({ port: 70000 }), (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT));
    assert.throws(() => new RpcServer({ transport: 'udp' as never }), (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT));
    const server = new RpcServer({ port: 0 });
    assert.throws(() => server.addService(DemoService, {} as never), (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT));
  });
});
