import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProviderList } from '../../registry/provider-list.js';
import { ServiceUrl } from '../../registry/service-url.js';
import { recordChannel } from './helpers/channel-recorder.js';
import { collectWarnings } from './helpers/warnings.js';

const provider = (port: number, interfaceName = 'a.B') => new ServiceUrl({ protocol: 'dubbo', host: '10.0.0.1', port, path: interfaceName });

/** Entries keyed the way registries key them: by node name. */
const entries = (...urls: ServiceUrl[]) => new Map(urls.map((url) => [`node-${url.port}`, url]));

function recordingList(interfaceName = 'a.B') {
  const lists: number[][] = [];
  const list = new ProviderList(interfaceName, (urls) => lists.push(urls.map((url) => url.port)));
  return { lists, list };
}

describe('ProviderList', () => {
  it('delivers the first snapshot even when it is empty', () => {
    const { lists, list } = recordingList();
    list.replace(new Map());
    assert.deepEqual(lists, [[]]);
  });

  it('delivers a snapshot only when the set of providers changed', () => {
    const { lists, list } = recordingList();
    list.replace(entries(provider(1)));
    list.replace(entries(provider(1)));
    list.replace(entries(provider(1), provider(2)));
    list.replace(entries(provider(1), provider(2)));
    list.replace(entries(provider(1), provider(3)));
    list.replace(entries(provider(3)));
    list.replace(new Map());
    list.replace(new Map());
    assert.deepEqual(lists, [[1], [1, 2], [1, 3], [3], []]);
  });

  it('orders providers by key, whatever order the registry listed them in', () => {
    const { lists, list } = recordingList();
    list.replace(entries(provider(3), provider(1), provider(2)));
    assert.deepEqual(lists, [[1, 2, 3]]);
    assert.deepEqual(
      list.urls.map((url) => url.port),
      [1, 2, 3],
    );
  });

  it('keeps only the providers of its own interface', () => {
    const { lists, list } = recordingList('a.B');
    const noPath = new ServiceUrl({ protocol: 'dubbo', host: '10.0.0.2', port: 4, params: { interface: 'a.B' } });
    list.replace(entries(provider(1), provider(2, 'x.Y'), noPath));
    assert.deepEqual(lists, [[1, 4]]);
  });

  it('delivers nothing after stop()', () => {
    const { lists, list } = recordingList();
    list.replace(entries(provider(1)));
    assert.equal(list.active, true);
    list.stop();
    assert.equal(list.active, false);
    list.replace(entries(provider(2)));
    assert.deepEqual(lists, [[1]]);
    assert.deepEqual(
      list.urls.map((url) => url.port),
      [1],
    );
  });

  it('hands the listener a frozen list', () => {
    let delivered: readonly ServiceUrl[] = [];
    new ProviderList('a.B', (urls) => (delivered = urls)).replace(entries(provider(1)));
    assert.ok(Object.isFrozen(delivered));
  });

  it('publishes each delivered snapshot on the registry:change channel', () => {
    const changes = recordChannel('getty-rpc:registry:change');
    try {
      const { list } = recordingList();
      list.replace(entries(provider(1)));
      list.replace(entries(provider(1)));
      assert.equal(changes.messages.length, 1);
      const [change] = changes.messages as Array<{ interfaceName: string; providers: readonly ServiceUrl[] }>;
      assert.equal(change!.interfaceName, 'a.B');
      assert.deepEqual(
        change!.providers.map((url) => url.port),
        [1],
      );
    } finally {
      changes.stop();
    }
  });

  it('turns a throwing listener into a RegistryWarning and keeps delivering', async () => {
    const warnings = collectWarnings();
    try {
      let calls = 0;
      const list = new ProviderList('a.B', () => {
        calls += 1;
        throw new Error('listener bug');
      });
      list.replace(entries(provider(1)));
      list.replace(entries(provider(2)));
      assert.equal(calls, 2);
      const seen = await warnings.settled();
      assert.deepEqual(
        seen.map((w) => [w.name, w.message]),
        [
          ['RegistryWarning', 'registry listener threw: Error: listener bug'],
          ['RegistryWarning', 'registry listener threw: Error: listener bug'],
        ],
      );
    } finally {
      warnings.stop();
    }
  });
});
