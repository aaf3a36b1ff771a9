import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../common/rpc-error.js';
import { nodePath } from '../../registry/registry-path.js';
import { ServiceUrl, serviceKey } from '../../registry/service-url.js';

const badUrl = (err: unknown) => isRpcError(err, ErrorCode.BAD_URL);
const badUrlSaying = (message: string) => (err: unknown) => badUrl(err) && err instanceof Error && err.message === message;

describe('ServiceUrl', () => {
  it('parses a dubbo-go provider URL', () => {
    const url = ServiceUrl.parse('dubbo://10.0.0.1:20880/org.example.Greeter?anyhost=true&group=g1&interface=org.example.Greeter&methods=a,b&side=provider&version=1.0.0');
    assert.equal(url.protocol, 'dubbo');
    assert.equal(url.address, '10.0.0.1:20880');
    assert.equal(url.path, 'org.example.Greeter');
    assert.equal(url.params.methods, 'a,b');
    assert.equal(url.serviceKey, 'g1/org.example.Greeter:1.0.0');
  });

  it('formats with sorted params and parses back to the same URL', () => {
    const text = 'dubbo://user:p%40ss@[::1]:20880/a.B?z=1&a=x%26y&m=%E4%BD%A0';
    const url = ServiceUrl.parse(text);
    assert.equal(url.password, 'p@ss');
    assert.equal(url.params.a, 'x&y');
    const again = ServiceUrl.parse(url.toString());
    assert.deepEqual(again, url);
    assert.match(url.toString(), /\?a=.*&m=.*&z=1$/);
  });

  it('keeps a host list for clustered registries', () => {
    const url = ServiceUrl.parse('zookeeper://h1:2181,h2:2181,h3:2181?timeout=5s');
    assert.equal(url.address, 'h1:2181,h2:2181,h3:2181');
    assert.equal(url.port, 0);
  });

  it('matches a URL without a path by its interface param', () => {
    const url = ServiceUrl.parse('dubbo://127.0.0.1:20880?interface=org.example.NoPath');
    assert.equal(url.interfaceName, 'org.example.NoPath');
    assert.equal(nodePath('dubbo', url).split('/')[2], 'org.example.NoPath');
  });

  it('rejects text that is no URL with BAD_URL', () => {
    for (const text of ['', 'nonsense', '://x', 'dubbo://h:99999/x', 'dubbo://h:-1', 'dubbo://h:12ab/x', '1dubbo://h:1']) {
      assert.throws(() => ServiceUrl.parse(text), badUrl, text);
    }
  });

  it('survives hostile input without throwing anything but RpcError', () => {
    const hostile = ['dubbo://h:1/%E0%A4%A', `dubbo://${'a'.repeat(100_000)}:1/x?${'k=v&'.repeat(10_000)}`, 'dubbo://h:1/x?%zz=%zz', 'dubbo://\u0000:1'];
    for (const text of hostile) {
      try {
        ServiceUrl.parse(text);
      } catch (err) {
        assert.ok(badUrl(err), `${text.slice(0, 40)} threw ${String(err)}`);
      }
    }
  });

  it('builds service keys the Dubbo way', () => {
    assert.equal(serviceKey('a.B'), 'a.B');
    assert.equal(serviceKey('a.B', 'g', '1.0'), 'g/a.B:1.0');
    assert.equal(serviceKey('a.B', undefined, '0.0.0'), 'a.B');
  });

  it('reads user and password, each optional, and writes them back', () => {
    const userOnly = ServiceUrl.parse('zookeeper://admin@h:2181');
    assert.deepEqual([userOnly.username, userOnly.password, userOnly.host, userOnly.port], ['admin', '', 'h', 2181]);
    assert.equal(userOnly.toString(), 'zookeeper://admin@h:2181');
    const both = ServiceUrl.parse('zookeeper://admin:s%3Acret@h:2181');
    assert.deepEqual([both.username, both.password], ['admin', 's:cret']);
    assert.equal(both.toString(), 'zookeeper://admin:s%3Acret@h:2181');
    const none = ServiceUrl.parse('zookeeper://h:2181');
    assert.deepEqual([none.username, none.password], ['', '']);
    assert.equal(none.toString(), 'zookeeper://h:2181');
    const built = new ServiceUrl({ protocol: 'dubbo', host: 'h', port: 1 });
    assert.deepEqual([built.username, built.password, built.path], ['', '', '']);
  });

  it('ignores blanks around the text', () => {
    assert.equal(ServiceUrl.parse('  dubbo://h:1/a.B?x=1 \n').toString(), 'dubbo://h:1/a.B?x=1');
  });

  it('writes a URL without path or query as protocol and address alone', () => {
    assert.equal(ServiceUrl.parse('dubbo://h:1').toString(), 'dubbo://h:1');
    assert.equal(ServiceUrl.parse('dubbo://h:1?x=1').toString(), 'dubbo://h:1?x=1');
    assert.equal(ServiceUrl.parse('consumer://h/a.B').toString(), 'consumer://h/a.B');
  });

  it('strips the leading slashes of a path and keeps the inner ones', () => {
    assert.equal(new ServiceUrl({ protocol: 'file', host: '', port: 0, path: '//var/reg/a.B' }).path, 'var/reg/a.B');
    assert.equal(new ServiceUrl({ protocol: 'file', host: '', port: 0, path: '/a.B' }).path, 'a.B');
    assert.equal(new ServiceUrl({ protocol: 'file', host: '', port: 0, path: 'a//b' }).path, 'a//b');
  });

  it('reads bracketed IPv6 hosts with or without a port', () => {
    const withPort = ServiceUrl.parse('dubbo://[fe80::1]:20880/a.B');
    assert.deepEqual([withPort.host, withPort.port, withPort.address], ['fe80::1', 20880, '[fe80::1]:20880']);
    const bare = ServiceUrl.parse('consumer://[::1]/a.B');
    assert.deepEqual([bare.host, bare.port, bare.address], ['::1', 0, '[::1]']);
    assert.equal(bare.toString(), 'consumer://[::1]/a.B');
    assert.deepEqual(ServiceUrl.parse(bare.toString()), bare);
    assert.equal(ServiceUrl.parse('dubbo://h[::1]:5/a.B').host, 'h[::1]');
    assert.throws(() => ServiceUrl.parse('dubbo://[::1]:5x/a.B'), badUrlSaying('bad port in dubbo://[::1]:5x/a.B'));
  });

  it('reads a port-only address as an empty host, and an empty port as none', () => {
    const portOnly = ServiceUrl.parse('zookeeper://:2181');
    assert.deepEqual([portOnly.host, portOnly.port], ['', 2181]);
    const emptyPort = ServiceUrl.parse('dubbo://h:/a.B');
    assert.deepEqual([emptyPort.host, emptyPort.port], ['h', 0]);
  });

  it('accepts ports up to 65535 and names the text of a bad one', () => {
    assert.equal(ServiceUrl.parse('dubbo://h:65535/a').port, 65535);
    assert.throws(() => ServiceUrl.parse('dubbo://h:65536/a'), badUrlSaying('bad port in dubbo://h:65536/a'));
  });

  it('refuses a fragment and says what is no URL', () => {
    assert.throws(() => ServiceUrl.parse('dubbo://h:1/a.B?x=1#top'), badUrlSaying('not a service URL: dubbo://h:1/a.B?x=1#top'));
    assert.throws(() => ServiceUrl.parse('nonsense'), badUrlSaying('not a service URL: nonsense'));
  });

  it('refuses a malformed escape with BAD_URL, quoting at most 200 characters', () => {
    assert.throws(
      () => ServiceUrl.parse('dubbo://h:1/%E0%A4%A'),
      (err) => badUrlSaying('bad escape in dubbo://h:1/%E0%A4%A')(err) && (err as Error).cause instanceof URIError,
    );
    assert.throws(() => ServiceUrl.parse('dubbo://u%zz@h:1/a'), badUrlSaying('bad escape in dubbo://u%zz@h:1/a'));
    assert.throws(() => ServiceUrl.parse('dubbo://u:p%zz@h:1/a'), badUrlSaying('bad escape in dubbo://u:p%zz@h:1/a'));
    const long = `dubbo://h:1/${'x'.repeat(300)}%zz`;
    assert.throws(() => ServiceUrl.parse(long), badUrlSaying(`bad escape in ${long.slice(0, 200)}`));
  });
});

describe('ServiceUrl params', () => {
  const url = ServiceUrl.parse('dubbo://h:1/a.B?empty=&n=12&frac=0.5&word=abc&inf=Infinity&on=true&off=false&yes=yes&sayHello.timeout=100&timeout=50');

  it('gives a param, or the fallback when it is absent or empty', () => {
    assert.equal(url.getParam('word'), 'abc');
    assert.equal(url.getParam('word', 'fb'), 'abc');
    assert.equal(url.getParam('missing'), undefined);
    assert.equal(url.getParam('missing', 'fb'), 'fb');
    assert.equal(url.getParam('empty'), undefined);
    assert.equal(url.getParam('empty', 'fb'), 'fb');
  });

  it('gives a number param, or the fallback when it is absent, empty or no finite number', () => {
    assert.equal(url.getNumberParam('n', 7), 12);
    assert.equal(url.getNumberParam('frac', 7), 0.5);
    for (const key of ['missing', 'empty', 'word', 'inf']) assert.equal(url.getNumberParam(key, 7), 7, key);
  });

  it('gives a boolean param: true only for "true", the fallback when absent or empty', () => {
    assert.equal(url.getBooleanParam('on', false), true);
    assert.equal(url.getBooleanParam('off', true), false);
    assert.equal(url.getBooleanParam('yes', true), false);
    assert.equal(url.getBooleanParam('missing', true), true);
    assert.equal(url.getBooleanParam('missing', false), false);
    assert.equal(url.getBooleanParam('empty', true), true);
  });

  it('gives a method param before the plain one, and the fallback after both', () => {
    assert.equal(url.getMethodParam('sayHello', 'timeout', 3000), 100);
    assert.equal(url.getMethodParam('sayBye', 'timeout', 3000), 50);
    assert.equal(url.getMethodParam('sayHello', 'retries', 2), 2);
  });

  it('copies with params replaced or removed, leaving the original as it was', () => {
    const original = ServiceUrl.parse('dubbo://user:pw@h:1/a.B?keep=1&drop=2&change=3');
    const copy = original.with({ params: { drop: undefined, change: '4', add: '5' } });
    assert.deepEqual(copy.params, { keep: '1', change: '4', add: '5' });
    assert.deepEqual([copy.protocol, copy.host, copy.port, copy.path, copy.username, copy.password], ['dubbo', 'h', 1, 'a.B', 'user', 'pw']);
    assert.deepEqual(original.params, { keep: '1', drop: '2', change: '3' });
    const moved = original.with({ host: 'h2', port: 2 });
    assert.equal(moved.toString(), 'dubbo://user:pw@h2:2/a.B?change=3&drop=2&keep=1');
  });
});
