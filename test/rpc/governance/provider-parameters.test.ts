import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../../common/rpc-error.js';
import { RpcServer } from '../../../rpc/provider/rpc-server.js';
import { Demo } from './governance-network-fixture.js';

describe('provider parameters on export', () => {
  it('are written into the registered provider URL, where rules can match them', async () => {
    const server = new RpcServer({ port: 0 });
    server.addService(Demo, { whoAmI: () => 'me', nap: async () => 'me' }, { parameters: { region: 'hz', 'dubbo.tag': 'gray' }, token: 't' });
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
      assert.throws(() => server.addService(Demo, { whoAmI: () => 'me', nap: async () => 'me' }, { parameters }), { code: ErrorCode.INVALID_ARGUMENT });
    });
  }
});
