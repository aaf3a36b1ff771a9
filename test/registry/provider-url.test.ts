import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DUBBO_VERSION } from '../../common/dubbo-version.js';
import { ErrorCode, isRpcError } from '../../common/rpc-error.js';
import { consumerUrl, providerUrl, RELEASE } from '../../registry/provider-url.js';

const invalid = (message: string) => (err: unknown) => isRpcError(err, ErrorCode.INVALID_ARGUMENT) && err.message === message;
const base = { host: '10.0.0.1', port: 20880, interfaceName: 'a.B', methods: ['z', 'a'], application: 'app' };

/** Unix seconds now, for bounding a `timestamp` param written between two readings. */
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('providerUrl', () => {
  it('names this package and its version in release, as dubbo-go writes dubbo-golang-<version>', () => {
    const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    assert.equal(RELEASE, `getty-rpc-${version}`);
  });

  it('publishes the params dubbo-go providers publish', () => {
    const before = nowSeconds();
    const url = providerUrl(base);
    const after = nowSeconds();
    const { timestamp, ...params } = url.params;
    assert.deepEqual(params, {
      anyhost: 'true',
      application: 'app',
      dubbo: DUBBO_VERSION,
      interface: 'a.B',
      methods: 'a,z',
      pid: String(process.pid),
      'registry.role': '3',
      release: RELEASE,
      serialization: 'hessian2',
      side: 'provider',
      weight: '100',
    });
    assert.ok(Number(timestamp) >= before && Number(timestamp) <= after, `timestamp ${timestamp} is unix seconds`);
    assert.equal(url.toString().split('?')[0], 'dubbo://10.0.0.1:20880/a.B');
  });

  it('takes protocol, version, group, weight, serialization and further params when given', () => {
    const url = providerUrl({ ...base, protocol: 'tri', version: '1.0.0', group: 'g', weight: 5, serialization: 'json', params: { retries: '0', weight: '7' } });
    assert.equal(url.protocol, 'tri');
    assert.equal(url.params.version, '1.0.0');
    assert.equal(url.params.group, 'g');
    assert.equal(url.params.serialization, 'json');
    assert.equal(url.params.retries, '0');
    assert.equal(url.params.weight, '7');
    assert.equal(providerUrl({ ...base, weight: 5 }).params.weight, '5');
    assert.equal(providerUrl({ ...base, weight: 0 }).params.weight, '0');
  });

  it('leaves out an empty version or group', () => {
    const url = providerUrl({ ...base, version: '', group: '' });
    assert.equal('version' in url.params, false);
    assert.equal('group' in url.params, false);
  });

  it('refuses a provider without interface or methods', () => {
    assert.throws(() => providerUrl({ ...base, interfaceName: '' }), invalid('providerUrl needs an interfaceName'));
    assert.throws(() => providerUrl({ ...base, methods: [] }), invalid('provider a.B has no methods'));
  });

  it('accepts ports 1 to 65535 only', () => {
    assert.equal(providerUrl({ ...base, port: 1 }).port, 1);
    assert.equal(providerUrl({ ...base, port: 65535 }).port, 65535);
    for (const port of [0, -1, 65536, 1.5, Number.NaN]) {
      assert.throws(() => providerUrl({ ...base, port }), invalid(`bad provider port ${port}`), String(port));
    }
  });
});

describe('consumerUrl', () => {
  it('publishes the params dubbo-go consumers publish', () => {
    const before = nowSeconds();
    const url = consumerUrl({ host: '10.0.0.9', interfaceName: 'a.B', application: 'app' });
    const after = nowSeconds();
    const { timestamp, ...params } = url.params;
    assert.deepEqual(params, {
      application: 'app',
      category: 'consumers',
      dubbo: DUBBO_VERSION,
      interface: 'a.B',
      pid: String(process.pid),
      protocol: 'dubbo',
      'registry.role': '0',
      release: RELEASE,
      side: 'consumer',
    });
    assert.ok(Number(timestamp) >= before && Number(timestamp) <= after, `timestamp ${timestamp} is unix seconds`);
    assert.equal(url.toString().split('?')[0], 'consumer://10.0.0.9/a.B');
  });

  it('adds version, group, methods, protocol and further params when given', () => {
    const url = consumerUrl({ host: 'h', interfaceName: 'a.B', application: 'app', version: '2.0', group: 'g', methods: ['b', 'a'], protocol: 'tri', params: { check: 'false' } });
    assert.equal(url.params.version, '2.0');
    assert.equal(url.params.group, 'g');
    assert.equal(url.params.methods, 'b,a');
    assert.equal(url.params.protocol, 'tri');
    assert.equal(url.params.check, 'false');
  });

  it('refuses a consumer without interface', () => {
    assert.throws(() => consumerUrl({ host: 'h', interfaceName: '', application: 'app' }), invalid('consumerUrl needs an interfaceName'));
  });
});
