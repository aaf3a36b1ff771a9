import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServiceUrl } from '../../../registry/service-url.js';
import { RpcStatus } from '../../../rpc/load-balance/rpc-status.js';

describe('RpcStatus', () => {
  it('gives one status per provider and method, shared by URL objects of the same provider', () => {
    const url = ServiceUrl.parse('dubbo://127.0.0.1:20990/org.example.Status?timestamp=1');
    const sameProvider = ServiceUrl.parse('dubbo://127.0.0.1:20990/org.example.Status?timestamp=2');
    RpcStatus.begin(url, 'ping');
    assert.equal(RpcStatus.of(url, 'ping'), RpcStatus.of(sameProvider, 'ping'));
    assert.equal(RpcStatus.of(sameProvider, 'ping').active, 1);
    assert.notEqual(RpcStatus.of(url, 'ping'), RpcStatus.of(url, 'other'));
    RpcStatus.forget(url);
  });

  it('starts from zero after forget, even for a URL object looked up before', () => {
    const url = ServiceUrl.parse('dubbo://127.0.0.1:20991/org.example.Status');
    RpcStatus.begin(url, 'ping');
    RpcStatus.end(url, 'ping', 5, false);
    const before = RpcStatus.of(url, 'ping');
    assert.equal(before.total, 1);
    assert.equal(before.failed, 1);
    RpcStatus.forget(url);
    const after = RpcStatus.of(url, 'ping');
    assert.notEqual(after, before);
    assert.equal(after.total, 0);
    RpcStatus.forget(url);
  });
});
