import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../common/rpc-error.js';
import { providerUrl } from '../../registry/provider-url.js';
import { createRegistry } from '../../registry/index.js';
import { ServiceUrl } from '../../registry/service-url.js';

const consumer = (interfaceName = 'a.B') => ServiceUrl.parse(`consumer://h/${interfaceName}`);

describe('DirectRegistry', () => {
  it('gives one provider per listed address and ignores register', async () => {
    const registry = createRegistry('dubbo://127.0.0.1:20880,127.0.0.1:20881/a.B?serialization=json');
    const provider = providerUrl({ host: 'h', port: 1, interfaceName: 'a.B', methods: ['m'], application: 'x' });
    await registry.register(provider);
    await registry.unregister(provider);
    const lists: string[][] = [];
    const unsubscribe = await registry.subscribe(consumer(), (urls) => lists.push(urls.map((url) => url.address)));
    assert.deepEqual(lists, [['127.0.0.1:20880', '127.0.0.1:20881']]);
    const [first] = await registry.lookup(consumer());
    assert.equal(first!.protocol, 'dubbo');
    assert.equal(first!.params.serialization, 'json');
    assert.equal(first!.interfaceName, 'a.B');
    const unsubscribed = unsubscribe();
    assert.ok(unsubscribed instanceof Promise);
    await unsubscribed;
    await registry.close();
  });

  it('takes the interface from the consumer when the list has no path', async () => {
    const registry = createRegistry('dubbo://127.0.0.1:20880');
    const [url] = await registry.lookup(consumer('x.Y'));
    assert.equal(url!.toString(), 'dubbo://127.0.0.1:20880/x.Y?interface=x.Y');
  });

  it('gives direct:// lists as dubbo providers, blanks around entries ignored', async () => {
    const registry = createRegistry('direct://127.0.0.1:1, 127.0.0.2:2/a.B');
    const urls = await registry.lookup(consumer());
    assert.deepEqual(
      urls.map((url) => url.toString()),
      ['dubbo://127.0.0.1:1/a.B?interface=a.B', 'dubbo://127.0.0.2:2/a.B?interface=a.B'],
    );
  });

  it('refuses every call once closed, naming the call', async () => {
    const registry = createRegistry('dubbo://127.0.0.1:20880/a.B');
    await registry.close();
    await registry.close();
    const provider = providerUrl({ host: 'h', port: 1, interfaceName: 'a.B', methods: ['m'], application: 'x' });
    const closed = (what: string) => (err: unknown) => isRpcError(err, ErrorCode.REGISTRY_CLOSED) && err.message === `${what}: registry closed`;
    await assert.rejects(registry.register(provider), closed('register'));
    await assert.rejects(registry.unregister(provider), closed('unregister'));
    await assert.rejects(registry.subscribe(consumer(), () => {}), closed('subscribe'));
    await assert.rejects(registry.lookup(consumer()), closed('lookup'));
  });

  it('refuses list entries without a host or port', () => {
    for (const text of ['dubbo://127.0.0.1,127.0.0.2:1/a.B', 'direct://:1,h:2/a.B']) {
      assert.throws(
        () => createRegistry(text),
        (err) => isRpcError(err, ErrorCode.BAD_URL) && err.message === `direct provider list needs host:port entries: ${ServiceUrl.parse(text).toString()}`,
        text,
      );
    }
  });
});
