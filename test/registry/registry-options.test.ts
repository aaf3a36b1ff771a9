import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../common/rpc-error.js';
import { closedError, readRegistryOptions, serverList, unlessClosed, whileOpen } from '../../registry/registry-options.js';
import { ServiceUrl } from '../../registry/service-url.js';

const badUrl = (message: string) => (err: unknown) => isRpcError(err, ErrorCode.BAD_URL) && err.message === message;

describe('readRegistryOptions', () => {
  it('defaults to root dubbo, a 5 s timeout and a 1 s retry delay', () => {
    assert.deepEqual(readRegistryOptions(ServiceUrl.parse('zookeeper://127.0.0.1:2181')), { root: 'dubbo', timeoutMs: 5000, retryDelayMs: 1000 });
  });

  it('reads group, timeout and retry.delay from the URL', () => {
    const url = ServiceUrl.parse('etcd://127.0.0.1:2379?group=prod&timeout=2s&retry.delay=250ms');
    assert.deepEqual(readRegistryOptions(url), { root: 'prod', timeoutMs: 2000, retryDelayMs: 250 });
  });

  it('refuses a group that is not one path segment', () => {
    for (const group of ['a/b', 'a/', '/b', '/']) {
      const url = ServiceUrl.parse(`zookeeper://127.0.0.1:2181?group=${encodeURIComponent(group)}`);
      assert.throws(() => readRegistryOptions(url), badUrl(`bad registry group '${group}' in ${url.toString()}`), group);
    }
  });

  it('names the param whose duration is bad', () => {
    assert.throws(() => readRegistryOptions(ServiceUrl.parse('zookeeper://h:1?timeout=soon')), badUrl("bad duration for 'timeout': soon"));
    assert.throws(() => readRegistryOptions(ServiceUrl.parse('zookeeper://h:1?retry.delay=later')), badUrl("bad duration for 'retry.delay': later"));
  });
});

describe('serverList', () => {
  const servers = (text: string) => serverList(ServiceUrl.parse(text), 2181);

  it('keeps given ports and fills in the default one', () => {
    assert.deepEqual(servers('zookeeper://h1:2182'), ['h1:2182']);
    assert.deepEqual(servers('zookeeper://h1'), ['h1:2181']);
    assert.deepEqual(servers('zookeeper://h1:1,h2,h3:3'), ['h1:1', 'h2:2181', 'h3:3']);
  });

  it('skips blanks and empty entries of a host list', () => {
    assert.deepEqual(servers('zookeeper://h1:1, h2 ,,h3:3,'), ['h1:1', 'h2:2181', 'h3:3']);
  });

  it('keeps a bracketed IPv6 address with its port and gives a bare one the default port after it', () => {
    assert.deepEqual(servers('zookeeper://[::1]:2182'), ['[::1]:2182']);
    assert.deepEqual(servers('zookeeper://[::1]:2182,[::2]:2183'), ['[::1]:2182', '[::2]:2183']);
    assert.deepEqual(servers('zookeeper://[::1]'), ['[::1]:2181']);
    assert.deepEqual(servers('zookeeper://h1:1,[fe80::1]'), ['h1:1', '[fe80::1]:2181']);
    assert.deepEqual(servers('zookeeper://h1:1,fe80::1,2001:db8:0:1'), ['h1:1', 'fe80::1:2181', '2001:db8:0:1:2181']);
  });

  it('refuses a URL that names no server', () => {
    for (const text of ['zookeeper://', 'zookeeper://:2181', 'zookeeper://h1:1,:2', 'zookeeper://,']) {
      assert.throws(() => servers(text), badUrl(`registry URL names no server: ${ServiceUrl.parse(text).toString()}`), text);
    }
  });
});

describe('closedError', () => {
  it('is REGISTRY_CLOSED naming the refused call', () => {
    const err = closedError('subscribe');
    assert.ok(isRpcError(err, ErrorCode.REGISTRY_CLOSED));
    assert.equal(err.message, 'subscribe: registry closed');
  });
});

describe('unlessClosed', () => {
  const closedAs = (what: string) => (err: unknown) => isRpcError(err, ErrorCode.REGISTRY_CLOSED) && err.message === `${what}: registry closed`;

  it('passes the result or the failure through while the registry is open', async () => {
    assert.equal(await unlessClosed(() => false, 'subscribe', Promise.resolve(7), () => assert.fail('nothing to stop')), 7);
    const failure = new Error('boom');
    await assert.rejects(unlessClosed(() => false, 'subscribe', Promise.reject(failure)), (err) => err === failure);
  });

  it('stops what the call started and fails it as closed once the registry closed meanwhile', async () => {
    const stopped: number[] = [];
    await assert.rejects(unlessClosed(() => true, 'watchConfig', Promise.resolve(7), (started) => stopped.push(started)), closedAs('watchConfig'));
    assert.deepEqual(stopped, [7]);
    await assert.rejects(unlessClosed(() => true, 'lookup', Promise.reject(new Error('connection lost'))), closedAs('lookup'));
  });
});

describe('whileOpen', () => {
  it('forwards to the listener only while the registry is open', () => {
    let closed = false;
    const heard: string[] = [];
    const listener = whileOpen(() => closed, (text: string) => heard.push(text));
    listener('a');
    closed = true;
    listener('b');
    assert.deepEqual(heard, ['a']);
  });
});
