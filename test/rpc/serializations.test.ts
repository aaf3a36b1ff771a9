import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { ErrorCode, isRpcError } from '../../common/rpc-error.js';
import { RpcClient } from '../../rpc/consumer/rpc-client.js';
import { RpcContext } from '../../rpc/context.js';
import { defineProtoService } from '../../rpc/proto-service.js';
import { protoServiceFromRoot } from '../../rpc/serialization/proto-service-loader.js';
import { RpcServer } from '../../rpc/provider/rpc-server.js';
import { defineService } from '../../rpc/service.js';
import { DemoService, startDemoProvider } from './rpc-fixture.js';

const GREETER_PROTO = `
syntax = "proto3";
package test.greeter;
option java_package = "org.example.greeter";
message HelloRequest { string name = 1; int32 times = 2; }
message HelloReply { string message = 1; repeated string echoes = 2; }
service Greeter { rpc SayHello (HelloRequest) returns (HelloReply); }
`;

interface Greeter {
  SayHello(request: { name: string; times: number }): { message: string; echoes: string[] };
}

describe('serializations end to end', () => {
  it('json: calls a Java-typed service and gets a reply in JSON', async () => {
    const provider = await startDemoProvider();
    const client = new RpcClient();
    try {
      const demo = client.refer(DemoService, { url: provider.url, version: '1.0.0', serialization: 'json', retries: 0 });
      assert.equal(await demo.sayHello('json'), 'Hello json');
      assert.equal(await demo.add(40, 2), 42);
      await assert.rejects(demo.fail('json error'), (e) => isRpcError(e, ErrorCode.SERVICE_ERROR) && e.message === 'failed: json error');
    } finally {
      await client.close();
      await provider.server.stop({ graceMs: 0 });
    }
  });

  it('json: carries nested objects, lists and attachments', async () => {
    interface Store {
      put(item: { id: number; tags: string[]; nested: { ok: boolean } }): { stored: number; tags: string[] };
    }
    const server = new RpcServer({ port: 0 });
    server.addService(defineService<Store>('test.Store'), {
      put: (item) => {
        RpcContext.current()!.setResponseAttachment('seen', String(RpcContext.current()!.attachments.who));
        return { stored: item.id, tags: item.tags.concat(String(item.nested.ok)) };
      },
    });
    await server.start();
    const client = new RpcClient();
    try {
      const store = client.refer<Store>('test.Store', { url: `dubbo://127.0.0.1:${server.port}`, serialization: 'json' });
      await RpcContext.run({ attachments: { who: 'json-client' } }, async () => {
        assert.deepEqual(await store.put({ id: 7, tags: ['a'], nested: { ok: true } }), { stored: 7, tags: ['a', 'true'] });
        assert.equal(RpcContext.current()!.responseAttachments.seen, 'json-client');
      });
    } finally {
      await client.close();
      await server.stop({ graceMs: 0 });
    }
  });

  it('protobuf: calls a service defined in a .proto with message objects', async () => {
    const Greeter = defineProtoService<Greeter>(protoServiceFromRoot(protobuf.parse(GREETER_PROTO, { keepCase: true }).root));
    assert.equal(Greeter.name, 'org.example.greeter.Greeter');
    const server = new RpcServer({ port: 0 });
    server.addService(Greeter, {
      SayHello: ({ name, times }) => ({ message: `Hello ${name}`, echoes: Array.from({ length: times }, () => name) }),
    });
    await server.start();
    const client = new RpcClient();
    try {
      const greeter = client.refer(Greeter, { url: `dubbo://127.0.0.1:${server.port}` });
      assert.deepEqual(await greeter.SayHello({ name: 'proto', times: 2 }), { message: 'Hello proto', echoes: ['proto', 'proto'] });
    } finally {
      await client.close();
      await server.stop({ graceMs: 0 });
    }
  });
});
