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

  it('counts calls in flight up and down, never below zero', () => {
    const url = ServiceUrl.parse('dubbo://127.0.0.1:20992/org.example.Status');
    RpcStatus.begin(url, 'ping');
    RpcStatus.begin(url, 'ping');
    RpcStatus.end(url, 'ping', 1, true);
    assert.equal(RpcStatus.of(url, 'ping').active, 1);
    RpcStatus.end(url, 'ping', 1, true);
    RpcStatus.end(url, 'ping', 1, true);
    assert.equal(RpcStatus.of(url, 'ping').active, 0);
    RpcStatus.forget(url);
  });

  it('counts finished and failed calls apart', () => {
    const url = ServiceUrl.parse('dubbo://127.0.0.1:20993/org.example.Status');
    for (const succeeded of [true, false, true]) {
      RpcStatus.begin(url, 'ping');
      RpcStatus.end(url, 'ping', 1, succeeded);
    }
    assert.deepEqual([RpcStatus.of(url, 'ping').total, RpcStatus.of(url, 'ping').failed], [3, 1]);
    RpcStatus.forget(url);
  });

  it('keeps a latency average that starts at the first sample and moves 30 % toward each new one', () => {
    const url = ServiceUrl.parse('dubbo://127.0.0.1:20994/org.example.Status');
    const status = RpcStatus.of(url, 'ping');
    status.record(10, true);
    assert.equal(status.latencyEwmaMs, 10);
    status.record(20, true);
    assert.ok(Math.abs(status.latencyEwmaMs - 13) < 1e-9, `${status.latencyEwmaMs}`);
    status.record(-5, true);
    assert.ok(Math.abs(status.latencyEwmaMs - 9.1) < 1e-9, `a negative time counts as 0: ${status.latencyEwmaMs}`);
    RpcStatus.forget(url);
  });

  it('keeps separate counters for services at one address, told apart by path', () => {
    const byPath = ['demoA', 'demoB'].map((path) => ServiceUrl.parse(`dubbo://127.0.0.1:20995/${path}?interface=org.example.Demo`));
    const byInterface = ['org.example.A', 'org.example.B'].map((name) => ServiceUrl.parse(`dubbo://127.0.0.1:20995/${name}`));
    for (const [first, second] of [byPath, byInterface]) {
      RpcStatus.begin(first!, 'ping');
      assert.equal(RpcStatus.of(second!, 'ping').active, 0, `${second} shares ${first}'s counters`);
      RpcStatus.forget(first!);
    }
  });
});
