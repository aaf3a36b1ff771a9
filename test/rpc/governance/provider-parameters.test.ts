import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../../common/rpc-error.js';
import { RpcClient } from '../../../rpc/consumer/rpc-client.js';
import { referenceOf } from '../../../rpc/consumer/proxy.js';
import { RpcServer } from '../../../rpc/provider/rpc-server.js';
import { Demo } from './governance-network-fixture.js';

const impl = { whoAmI: () => 'me', nap: async () => 'me', sayHello: () => 'me', sayBye: () => 'me', getUser: () => 'me', fail: () => 'me' };

describe('provider parameters on export', () => {
  it('are written into the registered provider URL, where rules can match them', async () => {
    const server = new RpcServer({ port: 0 });
    server.addService(Demo, impl, { parameters: { region: 'hz', 'dubbo.tag': 'gray' }, token: 't' });
    await server.start();
    try {
      const [url] = server.serviceUrls();
      assert.equal(url!.params.region, 'hz');
      assert.equal(url!.params['dubbo.tag'], 'gray');
      assert.equal(url!.params.token, 't');
      assert.equal(url!.params.interface, 'com.example.DemoService');
    } finally {
      await server.stop();
    }
  });

  for (const [name, parameters] of [
    ['a param that identifies the service', { interface: 'other' }],
    ['the side', { side: 'consumer' }],
    ['a value that is not a string', { weight: 5 as unknown as string }],
  ] as const) {
    it(`refuse ${name} with INVALID_ARGUMENT`, () => {
      const server = new RpcServer({ port: 0 });
      assert.throws(() => server.addService(Demo, impl, { parameters }), { code: ErrorCode.INVALID_ARGUMENT });
    });
  }
});

describe('consumer parameters on refer', () => {
  it('are written into the consumer URL, where rules read them ($region, host = ...)', async () => {
    const client = new RpcClient();
    try {
      const demo = client.refer(Demo, { url: 'dubbo://127.0.0.1:1', parameters: { region: 'hz', zone: 'a' } });
      const url = referenceOf(demo)!.invoker.url;
      assert.equal(url.params.region, 'hz');
      assert.equal(url.params.zone, 'a');
    } finally {
      await client.close();
    }
  });

  const refused: Record<string, string>[] = [{ retries: '5' }, { cluster: 'failfast' }, { timeout: '1' }, { 'whoAmI.timeout': '1' }, { interface: 'x' }, { region: 5 as unknown as string }];
  for (const parameters of refused) {
    it(`refuse ${JSON.stringify(parameters)}: the reference's own options or identity (INVALID_ARGUMENT)`, async () => {
      const client = new RpcClient();
      try {
        assert.throws(() => client.refer(Demo, { url: 'dubbo://127.0.0.1:1', parameters }), { code: ErrorCode.INVALID_ARGUMENT });
      } finally {
        await client.close();
      }
    });
  }
});
