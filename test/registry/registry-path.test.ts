import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../common/rpc-error.js';
import { consumerUrl } from '../../registry/provider-url.js';
import {
  CONSUMERS,
  categoryOf,
  categoryPath,
  DEFAULT_ROOT,
  decodeNodeName,
  decodeNodeNames,
  nodePath,
  PROVIDERS,
  queryEscape,
  queryUnescape,
  rawUrlString,
  registrationKey,
} from '../../registry/registry-path.js';
import { ServiceUrl } from '../../registry/service-url.js';

const badUrl = (err: unknown) => isRpcError(err, ErrorCode.BAD_URL);

describe('registry paths', () => {
  it('uses the dubbo-go root and category names', () => {
    assert.deepEqual([DEFAULT_ROOT, PROVIDERS, CONSUMERS], ['dubbo', 'providers', 'consumers']);
  });

  it('escapes like Go url.QueryEscape', () => {
    assert.equal(queryEscape("a b!'()*~$/:,"), 'a+b%21%27%28%29%2A~%24%2F%3A%2C');
    assert.equal(queryUnescape('a+b%21'), 'a b!');
  });

  it('refuses a malformed escape with BAD_URL, quoting at most 200 characters of the name', () => {
    assert.throws(
      () => queryUnescape('%E0%A4%A'),
      (err) => badUrl(err) && err instanceof Error && err.message === 'bad escape in registry node name: %E0%A4%A' && err.cause instanceof URIError,
    );
    const long = `${'x'.repeat(300)}%zz`;
    assert.throws(() => queryUnescape(long), (err) => badUrl(err) && err instanceof Error && err.message === `bad escape in registry node name: ${'x'.repeat(200)}`);
  });

  it('writes node names with readable, sorted params and drops empty ones', () => {
    const url = new ServiceUrl({ protocol: 'dubbo', host: '1.2.3.4', port: 5, path: 'a.B', params: { methods: 'x,y', empty: '', interface: 'a.B', odd: 'p&q=r+s' } });
    assert.equal(rawUrlString(url), 'dubbo://1.2.3.4:5/a.B?interface=a.B&methods=x,y&odd=p%26q%3Dr%2Bs');
    assert.equal(nodePath('dubbo', url), `/dubbo/a.B/providers/${queryEscape(rawUrlString(url))}`);
    const back = decodeNodeName(nodePath('dubbo', url).split('/')[4]!);
    assert.equal(back.params.odd, 'p&q=r+s');
    assert.equal(back.params.methods, 'x,y');
  });

  it('escapes whitespace and the query separators with two hex digits, and parses them back', () => {
    const url = new ServiceUrl({ protocol: 'dubbo', host: 'h', port: 1, path: 'a.B', params: { k: 'tab\there', 'a#b': '50%' } });
    assert.equal(rawUrlString(url), 'dubbo://h:1/a.B?a%23b=50%25&k=tab%09here');
    assert.deepEqual(decodeNodeName(queryEscape(rawUrlString(url))).params, { 'a#b': '50%', k: 'tab\there' });
  });

  it('writes a URL without path or params as protocol and address alone', () => {
    assert.equal(rawUrlString(new ServiceUrl({ protocol: 'dubbo', host: 'h', port: 1 })), 'dubbo://h:1');
    assert.equal(rawUrlString(new ServiceUrl({ protocol: 'dubbo', host: 'h', port: 1, params: { interface: 'a.B' } })), 'dubbo://h:1?interface=a.B');
  });

  it('keys a registration without its timestamp, so a URL rebuilt later finds it', () => {
    const built = (timestamp: string, weight = '100') =>
      new ServiceUrl({ protocol: 'dubbo', host: 'h', port: 1, path: 'a.B', params: { interface: 'a.B', timestamp, weight } });
    assert.equal(registrationKey(built('1700000000')), 'dubbo://h:1/a.B?interface=a.B&weight=100');
    assert.equal(registrationKey(built('1700000000')), registrationKey(built('1700000009')));
    assert.notEqual(registrationKey(built('1700000000')), registrationKey(built('1700000000', '50')));
    assert.match(rawUrlString(built('1700000000')), /timestamp=1700000000/);
  });

  it('decodes a node name written by dubbo-go', () => {
    const name =
      'dubbo%3A%2F%2F192.168.1.2%3A20000%2Fcom.ikurento.user.UserProvider%3Fanyhost%3Dtrue%26application%3DBDTService%26interface%3Dcom.ikurento.user.UserProvider%26methods%3DGetUser%2CGetUsers%26side%3Dprovider';
    const url = decodeNodeName(name);
    assert.equal(url.interfaceName, 'com.ikurento.user.UserProvider');
    assert.equal(url.params.methods, 'GetUser,GetUsers');
    assert.equal(url.params.side, 'provider');
  });

  it('skips the node names that are no URL and decodes the others', () => {
    const good = queryEscape('dubbo://h:1/a.B?interface=a.B');
    const other = queryEscape('dubbo://h:2/a.B');
    const urls = decodeNodeNames([good, 'junk', '%E0%A4%A', other]);
    assert.deepEqual([...urls.keys()], [good, other]);
    assert.equal(urls.get(other)!.port, 2);
  });

  it('writes the node of a consumer on an IPv6 host so that it decodes to the same host', () => {
    const url = consumerUrl({ host: '::1', interfaceName: 'a.B', application: 'app' });
    const back = decodeNodeName(nodePath('dubbo', url).split('/')[4]!);
    assert.deepEqual([back.host, back.port, back.interfaceName], ['::1', 0, 'a.B']);
  });

  it('files consumer URLs under consumers', () => {
    const url = consumerUrl({ host: '10.0.0.9', interfaceName: 'a.B', application: 'app' });
    assert.match(nodePath('dubbo', url), /^\/dubbo\/a\.B\/consumers\/consumer%3A%2F%2F10\.0\.0\.9%2Fa\.B%3F/);
  });

  it('takes the category from the category param, else from side or protocol', () => {
    const url = (text: string) => ServiceUrl.parse(text);
    assert.equal(categoryOf(url('dubbo://h:1/a.B?category=routers&side=consumer')), 'routers');
    assert.equal(categoryOf(url('dubbo://h:1/a.B?side=consumer')), 'consumers');
    assert.equal(categoryOf(url('consumer://h/a.B')), 'consumers');
    assert.equal(categoryOf(url('dubbo://h:1/a.B?side=provider')), 'providers');
    assert.equal(categoryOf(url('dubbo://h:1/a.B')), 'providers');
  });

  it('builds the category path with the service name escaped', () => {
    const url = ServiceUrl.parse('dubbo://h:1/a.B$Inner?side=consumer');
    assert.equal(categoryPath('dubbo', url), '/dubbo/a.B%24Inner/consumers');
    assert.equal(categoryPath('prod', url, 'configurators'), '/prod/a.B%24Inner/configurators');
  });

  it('refuses a URL without an interface', () => {
    assert.throws(
      () => nodePath('dubbo', ServiceUrl.parse('dubbo://1.2.3.4:5')),
      (err) => badUrl(err) && err instanceof Error && err.message === 'URL names no interface: dubbo://1.2.3.4:5',
    );
  });
});
