import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../common/rpc-error.js';
import { consumerUrl, providerUrl } from '../../registry/provider-url.js';
import { decodeNodeName, nodePath, queryEscape, queryUnescape, rawUrlString } from '../../registry/registry-path.js';
import { createRegistry } from '../../registry/index.js';
import { ServiceUrl, serviceKey } from '../../registry/service-url.js';

const badUrl = (err: unknown) => isRpcError(err, ErrorCode.BAD_URL);

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
});

describe('registry paths', () => {
  it('escapes like Go url.QueryEscape', () => {
    assert.equal(queryEscape("a b!'()*~$/:,"), "a+b%21%27%28%29%2A~%24%2F%3A%2C");
    assert.equal(queryUnescape('a+b%21'), 'a b!');
    assert.throws(() => queryUnescape('%E0%A4%A'), badUrl);
  });

  it('writes node names with readable, sorted params and drops empty ones', () => {
    const url = new ServiceUrl({ protocol: 'dubbo', host: '1.2.3.4', port: 5, path: 'a.B', params: { methods: 'x,y', empty: '', interface: 'a.B', odd: 'p&q=r+s' } });
    assert.equal(rawUrlString(url), 'dubbo://1.2.3.4:5/a.B?interface=a.B&methods=x,y&odd=p%26q%3Dr%2Bs');
    assert.equal(nodePath('dubbo', url), `/dubbo/a.B/providers/${queryEscape(rawUrlString(url))}`);
    const back = decodeNodeName(nodePath('dubbo', url).split('/')[4]!);
    assert.equal(back.params.odd, 'p&q=r+s');
    assert.equal(back.params.methods, 'x,y');
  });

  it('decodes a node name written by dubbo-go', () => {
    const name = 'dubbo%3A%2F%2F192.168.1.2%3A20000%2Fcom.ikurento.user.UserProvider%3Fanyhost%3Dtrue%26application%3DBDTService%26interface%3Dcom.ikurento.user.UserProvider%26methods%3DGetUser%2CGetUsers%26side%3Dprovider';
    const url = decodeNodeName(name);
    assert.equal(url.interfaceName, 'com.ikurento.user.UserProvider');
    assert.equal(url.params.methods, 'GetUser,GetUsers');
    assert.equal(url.params.side, 'provider');
  });

  it('files consumer URLs under consumers', () => {
    const url = consumerUrl({ host: '10.0.0.9', interfaceName: 'a.B', application: 'app' });
    assert.match(nodePath('dubbo', url), /^\/dubbo\/a\.B\/consumers\/consumer%3A%2F%2F10\.0\.0\.9%2Fa\.B%3F/);
  });

  it('refuses a URL without an interface', () => {
    assert.throws(() => nodePath('dubbo', ServiceUrl.parse('dubbo://1.2.3.4:5')), badUrl);
  });
});

describe('providerUrl', () => {
  it('adds the params Dubbo consumers expect', () => {
    const url = providerUrl({ host: '10.0.0.1', port: 20880, interfaceName: 'a.B', methods: ['z', 'a'], application: 'app', version: '1.0.0' });
    for (const key of ['anyhost', 'application', 'dubbo', 'interface', 'methods', 'pid', 'release', 'side', 'timestamp', 'version', 'weight']) {
      assert.ok(url.params[key], key);
    }
    assert.equal(url.params.methods, 'a,z');
    assert.equal(url.params.side, 'provider');
    assert.equal(url.params.group, undefined);
  });

  it('rejects a provider without methods or with a bad port', () => {
    const invalid = (err: unknown) => isRpcError(err, ErrorCode.INVALID_ARGUMENT);
    assert.throws(() => providerUrl({ host: 'h', port: 1, interfaceName: 'a.B', methods: [], application: 'x' }), invalid);
    assert.throws(() => providerUrl({ host: 'h', port: 0, interfaceName: 'a.B', methods: ['m'], application: 'x' }), invalid);
  });
});

describe('DirectRegistry', () => {
  it('gives one provider per listed address and ignores register', async () => {
    const registry = createRegistry('dubbo://127.0.0.1:20880,127.0.0.1:20881/a.B?serialization=json');
    await registry.register(providerUrl({ host: 'h', port: 1, interfaceName: 'a.B', methods: ['m'], application: 'x' }));
    const lists: string[][] = [];
    const unsubscribe = await registry.subscribe(ServiceUrl.parse('consumer://h/a.B'), (urls) => lists.push(urls.map((url) => url.address)));
    assert.deepEqual(lists, [['127.0.0.1:20880', '127.0.0.1:20881']]);
    const [first] = await registry.lookup(ServiceUrl.parse('consumer://h/a.B'));
    assert.equal(first!.params.serialization, 'json');
    assert.equal(first!.interfaceName, 'a.B');
    await unsubscribe();
    await registry.close();
    await assert.rejects(registry.lookup(ServiceUrl.parse('consumer://h/a.B')), (err) => isRpcError(err, ErrorCode.REGISTRY_CLOSED));
  });

  it('takes the interface from the consumer when the list has no path', async () => {
    const registry = createRegistry('dubbo://127.0.0.1:20880');
    const [url] = await registry.lookup(ServiceUrl.parse('consumer://h/x.Y'));
    assert.equal(url!.toString(), 'dubbo://127.0.0.1:20880/x.Y?interface=x.Y');
  });

  it('rejects list entries without a port', () => {
    assert.throws(() => createRegistry('dubbo://127.0.0.1,127.0.0.2:1/a.B'), badUrl);
  });

  it('rejects unknown registry types', () => {
    assert.throws(() => createRegistry('nacos://127.0.0.1:8848'), (err) => isRpcError(err, ErrorCode.INVALID_ARGUMENT));
  });
});
