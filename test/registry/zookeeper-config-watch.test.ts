/**
 * ZookeeperRegistry.watchConfig on a real ZooKeeper: one config-center node
 * `/dubbo/config/dubbo/<key>` watched the way dubbo-go's config center does
 * (`config_center/zookeeper/listener.go`): its text, every change, and "no
 * rule" for an absent or empty node.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import zookeeper, { type Client } from 'node-zookeeper-client';
import { createRegistry, type Registry } from '../../registry/index.js';
import { ErrorCode, isRpcError } from '../../common/rpc-error.js';
import { startServer, type TestServer } from './helpers/servers.js';
import { ZkProxy } from './helpers/zk-proxy.js';

const WAIT_MS = 20_000;
const CONFIG = '/dubbo/config/dubbo';
/** ZooKeeper's getData op code (org.apache.zookeeper.ZooDefs.OpCode). */
const GET_DATA = 4;

type AdminClient = Client & {
  setData(path: string, data: Buffer, version: number, done: (err: Error | null) => void): void;
  mkdirp(path: string, data: Buffer, done: (err: Error | null) => void): void;
};

/** Every value a config listener heard, with a way to wait for one. */
class ConfigRecorder {
  readonly values: (string | undefined)[] = [];
  private waiters: { value: string | undefined; resolve: () => void }[] = [];

  readonly listener = (value: string | undefined): void => {
    this.values.push(value);
    this.waiters = this.waiters.filter((waiter) => {
      if (waiter.value !== value) return true;
      waiter.resolve();
      return false;
    });
  };

  /** Resolves once the last value heard is `value` (now or later). */
  until(value: string | undefined): Promise<void> {
    if (this.values.length > 0 && this.values.at(-1) === value) return Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    return new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out waiting for ${String(value)}; heard ${JSON.stringify(this.values)}`)), WAIT_MS);
      this.waiters.push({ value, resolve });
    }).finally(() => clearTimeout(timer));
  }
}

function callback<T>(run: (done: (err: Error | null, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => run((err, value) => (err ? reject(err) : resolve(value as T))));
}

describe('ZookeeperRegistry.watchConfig', () => {
  let server: TestServer;
  let admin: AdminClient;
  let registry: Registry;

  const write = (key: string, text: string) => callback((done) => admin.setData(`${CONFIG}/${key}`, Buffer.from(text), -1, done));
  const create = (key: string, text?: string) =>
    callback((done) => (text === undefined ? admin.mkdirp(`${CONFIG}/${key}`, done) : admin.mkdirp(`${CONFIG}/${key}`, Buffer.from(text), done)));
  const remove = (key: string) => callback((done) => admin.remove(`${CONFIG}/${key}`, -1, done));

  before(async () => {
    server = await startServer('zookeeper', { zkTickTimeMs: 500 });
    admin = zookeeper.createClient(server.address, { sessionTimeout: 2000 }) as AdminClient;
    await new Promise<void>((resolve) => {
      admin.once('connected', resolve);
      admin.connect();
    });
    registry = createRegistry(`zookeeper://${server.address}?session.timeout=2000&timeout=3000`);
  });

  after(async () => {
    await registry?.close();
    admin?.close();
    await server?.dispose();
  });

  it("delivers the node's text at once, then every change; an empty or deleted node is undefined, and a node created again is heard", async () => {
    await create('org.example.Live.configurators', 'rule: 1');
    const recorder = new ConfigRecorder();
    await registry.watchConfig!('org.example.Live.configurators', recorder.listener);
    assert.deepEqual(recorder.values, ['rule: 1'], 'the text is delivered before watchConfig resolves');
    await write('org.example.Live.configurators', 'rule: 2');
    await recorder.until('rule: 2');
    await write('org.example.Live.configurators', '');
    await recorder.until(undefined);
    await write('org.example.Live.configurators', 'rule: 3');
    await recorder.until('rule: 3');
    await remove('org.example.Live.configurators');
    await recorder.until(undefined);
    await create('org.example.Live.configurators', 'rule: 4');
    await recorder.until('rule: 4');
    assert.deepEqual(recorder.values, ['rule: 1', 'rule: 2', undefined, 'rule: 3', undefined, 'rule: 4']);
  });

  it('delivers undefined for an absent node and for one created without data, then the text written to it', async () => {
    const absent = new ConfigRecorder();
    await registry.watchConfig!('org.example.Absent.configurators', absent.listener);
    assert.deepEqual(absent.values, [undefined]);
    await create('org.example.Bare.configurators');
    const bare = new ConfigRecorder();
    await registry.watchConfig!('org.example.Bare.configurators', bare.listener);
    assert.deepEqual(bare.values, [undefined]);
    await create('org.example.Absent.configurators', 'rule: absent');
    await absent.until('rule: absent');
  });

  it('tells an unsubscribed listener nothing more', async () => {
    await create('org.example.Quit.configurators', 'rule: 1');
    const quitter = new ConfigRecorder();
    const unsubscribe = await registry.watchConfig!('org.example.Quit.configurators', quitter.listener);
    await unsubscribe();
    // The witness watches after the quitter did: ZooKeeper fires their watches, and answers their reads, in that order.
    const witness = new ConfigRecorder();
    await registry.watchConfig!('org.example.Quit.configurators', witness.listener);
    await write('org.example.Quit.configurators', 'rule: 2');
    await witness.until('rule: 2');
    assert.deepEqual(quitter.values, ['rule: 1']);
  });

  it('fails with REGISTRY_UNAVAILABLE naming the read and its node when ZooKeeper answers the watch but not the read', async () => {
    const via = await ZkProxy.start(server.port);
    const slow = createRegistry(`zookeeper://${via.address}?session.timeout=2000&timeout=2000`);
    try {
      await create('org.example.Unread.configurators', 'rule: 1');
      const path = `${CONFIG}/org.example.Unread.configurators`;
      via.freezeOn = (request) => request.readInt32BE(8) === GET_DATA && request.includes(path);
      await assert.rejects(
        slow.watchConfig!('org.example.Unread.configurators', () => undefined),
        (err) => isRpcError(err, ErrorCode.REGISTRY_UNAVAILABLE) && (err as Error).message === `read ${path}: no answer within 2000 ms`,
      );
    } finally {
      await slow.close();
      via.close();
    }
  });
});
