/**
 * ZookeeperRegistry edges on a real ZooKeeper: node ownership and churn, calls
 * racing each other, ACL refusals (a NoAuth error is neither "no node" nor
 * "node exists"), retries, session expiry with a failed registration, outage
 * reports and close() when its close-session request is lost.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import zookeeper, { type Client, type Stat } from 'node-zookeeper-client';
import { ErrorCode, isRpcError } from '../../common/rpc-error.js';
import { providerUrl } from '../../registry/provider-url.js';
import { createRegistry, type Registry } from '../../registry/index.js';
import { nodePath } from '../../registry/registry-path.js';
import { ServiceUrl } from '../../registry/service-url.js';
import type { ZookeeperRegistry } from '../../registry/zookeeper.js';
import { recordingLogger } from './helpers/recording-logger.js';
import { freePort, startServer, type TestServer } from './helpers/servers.js';
import { ListRecorder, pollUntil } from './helpers/wait.js';
import { ZkProxy } from './helpers/zk-proxy.js';

const WAIT_MS = 20_000;
/** The parts of node-zookeeper-client the registry never uses (so its typings leave them out). */
interface AclApi {
  Id: new (scheme: string, id: string) => unknown;
  ACL: new (permission: number, id: unknown) => unknown;
  Permission: Record<'READ' | 'WRITE' | 'CREATE' | 'DELETE' | 'ADMIN', number>;
}
type AdminClient = Client & {
  setACL(path: string, acls: unknown[], version: number, done: (err: Error | null) => void): void;
  setData(path: string, data: Buffer, version: number, done: (err: Error | null) => void): void;
};
type FullStat = Stat & { cversion: number };
const zk = zookeeper as unknown as AclApi;
const ANYONE = new zk.Id('world', 'anyone');
const { READ, WRITE, CREATE, DELETE, ADMIN } = zk.Permission;

function provider(port: number, interfaceName: string, params: Record<string, string> = {}): ServiceUrl {
  return providerUrl({ host: '127.0.0.1', port, interfaceName, methods: ['sayHello'], application: 'zk-edges', params });
}

function consumerOf(interfaceName: string): ServiceUrl {
  return ServiceUrl.parse(`consumer://127.0.0.1/${interfaceName}?side=consumer`);
}

function folderOf(interfaceName: string): string {
  return `/dubbo/${interfaceName}/providers`;
}

/** The node's name inside its folder, as it travels in a request. */
function nodeName(url: ServiceUrl): string {
  const path = nodePath('dubbo', url);
  return path.slice(path.lastIndexOf('/') + 1);
}

function callback<T>(run: (done: (err: Error | null, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => run((err, value) => (err ? reject(err) : resolve(value as T))));
}

function within<T>(work: Promise<T>, what: string, timeoutMs = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

describe('ZookeeperRegistry edges', () => {
  let server: TestServer;
  let admin: AdminClient;
  const opened: Registry[] = [];
  const clients: Client[] = [];
  const proxies: ZkProxy[] = [];

  function open(address: string, extra = '', logger = recordingLogger()): ZookeeperRegistry {
    const timeout = extra.includes('&timeout=') ? '' : '&timeout=3000';
    const registry = createRegistry(`zookeeper://${address}?session.timeout=2000${timeout}${extra}`, { logger }) as ZookeeperRegistry;
    opened.push(registry);
    return registry;
  }

  async function proxy(): Promise<ZkProxy> {
    const started = await ZkProxy.start(server.port);
    proxies.push(started);
    return started;
  }

  async function raw(options: { sessionId?: Buffer; sessionPassword?: Buffer } = {}): Promise<Client> {
    const client = zookeeper.createClient(server.address, { sessionTimeout: 2000, spinDelay: 100, ...options });
    clients.push(client);
    await within(new Promise<void>((resolve) => {
      client.once('connected', resolve);
      client.connect();
    }), 'a raw ZooKeeper session');
    return client;
  }

  function stat(path: string): Promise<FullStat | undefined> {
    return callback<FullStat | undefined>((done) => admin.exists(path, (err, found) => done(err, (found as FullStat | null) ?? undefined)));
  }

  function children(path: string): Promise<string[]> {
    return callback((done) => admin.getChildren(path, done));
  }

  function allow(path: string, ...permissions: number[]): Promise<unknown> {
    const perms = permissions.reduce((all, one) => all | one, 0);
    return callback((done) => admin.setACL(path, [new zk.ACL(perms, ANYONE)], -1, done));
  }

  function remove(path: string): Promise<unknown> {
    return callback((done) => admin.remove(path, -1, done));
  }

  /**
   * Lets a registry finish what a watch event started: ZooKeeper answers a
   * session's requests in order, so two lookups (eight round trips) outlast
   * a reaction of a few round trips begun before them.
   */
  async function settle(registry: Registry): Promise<void> {
    await registry.lookup(consumerOf('org.example.Settle'));
    await registry.lookup(consumerOf('org.example.Settle'));
  }

  /** Ends a session from outside: a second client joins it and closes it. */
  async function endSession(session: { id: Buffer; password: Buffer }): Promise<void> {
    const intruder = await raw({ sessionId: session.id, sessionPassword: session.password });
    await new Promise<void>((resolve) => {
      intruder.once('disconnected', resolve);
      intruder.close();
    });
  }

  before(async () => {
    server = await startServer('zookeeper', { zkTickTimeMs: 500 });
    admin = (await raw()) as AdminClient;
  });

  after(async () => {
    for (const registry of opened) await registry.close();
    for (const client of clients) client.close();
    for (const started of proxies) started.close();
    await server?.dispose();
  });

  it('fails every call after close() as closed, naming the call', async () => {
    const registry = open(server.address);
    await registry.close();
    const calls: [string, () => Promise<unknown>][] = [
      ['register', () => registry.register(provider(21001, 'org.example.Closed'))],
      ['unregister', () => registry.unregister(provider(21001, 'org.example.Closed'))],
      ['subscribe', () => registry.subscribe(consumerOf('org.example.Closed'), () => undefined)],
      ['watchConfig', () => registry.watchConfig('org.example.Closed.configurators', () => undefined)],
      ['lookup', () => registry.lookup(consumerOf('org.example.Closed'))],
    ];
    for (const [what, call] of calls) {
      await assert.rejects(call(), (err) => isRpcError(err, ErrorCode.REGISTRY_CLOSED) && (err as Error).message === `${what}: registry closed`, what);
    }
  });

  it('connects through a server list whose first server is down', async () => {
    const registry = open(`127.0.0.1:${await freePort()},${server.address}`);
    await registry.register(provider(21002, 'org.example.ServerList'));
    assert.equal((await children(folderOf('org.example.ServerList'))).length, 1);
  });

  it('resolves unregister of a URL it never registered', async () => {
    const registry = open(server.address);
    await registry.unregister(provider(21003, 'org.example.NeverRegistered'));
  });

  it('keeps its node when the same URL is registered again (no delete and create)', async () => {
    const registry = open(server.address);
    const url = provider(21004, 'org.example.Again');
    await registry.register(url);
    const before = await stat(folderOf('org.example.Again'));
    await registry.register(url);
    const after = await stat(folderOf('org.example.Again'));
    assert.equal(after!.cversion, before!.cversion, 'the folder saw no child created or deleted');
    assert.deepEqual((await stat(nodePath('dubbo', url)))!.ephemeralOwner, registry.session!.id);
  });

  it('creates the node once when the same URL is registered twice at once', async () => {
    const registry = open(server.address);
    const url = provider(21005, 'org.example.Twice');
    await registry.register(provider(21099, 'org.example.Twice'));
    const before = await stat(folderOf('org.example.Twice'));
    await Promise.all([registry.register(url), registry.register(url)]);
    const after = await stat(folderOf('org.example.Twice'));
    assert.equal(after!.cversion, before!.cversion + 1, 'one child created, none deleted');
    assert.deepEqual((await stat(nodePath('dubbo', url)))!.ephemeralOwner, registry.session!.id);
  });

  it('leaves no node when unregister runs while its register is still creating it', async () => {
    const registry = open(server.address);
    const url = provider(21006, 'org.example.Undone');
    const other = provider(21098, 'org.example.Undone'); // another registration, at another path
    await registry.register(other);
    await Promise.all([registry.register(url), registry.unregister(url)]);
    assert.deepEqual(await children(folderOf('org.example.Undone')), [nodeName(other)]);
  });

  it('creates its node again when it is deleted after its data changed (the watch fires on any change)', async () => {
    const registry = open(server.address);
    const url = provider(21007, 'org.example.Touched');
    const path = nodePath('dubbo', url);
    await registry.register(url);
    await callback((done) => admin.setData(path, Buffer.from('touched'), -1, done));
    await remove(path);
    await pollUntil(async () => (await stat(path))?.ephemeralOwner.equals(registry.session!.id) === true, WAIT_MS, 'the node created again');
  });

  it('leaves alone a node another session created in place of its own', async () => {
    const registry = open(server.address);
    const url = provider(21018, 'org.example.Taken');
    const path = nodePath('dubbo', url);
    await registry.register(url);
    const other = await raw();
    await remove(path);
    await callback((done) => other.create(path, null, zookeeper.CreateMode.EPHEMERAL, done));
    await settle(registry);
    assert.deepEqual((await stat(path))!.ephemeralOwner, other.getSessionId());
  });

  it('does not create again a node it unregistered', async () => {
    const registry = open(server.address);
    const url = provider(21019, 'org.example.Gone');
    await registry.register(url);
    const before = await stat(folderOf('org.example.Gone'));
    await registry.unregister(url);
    await settle(registry);
    const after = await stat(folderOf('org.example.Gone'));
    assert.equal(after!.cversion, before!.cversion + 1, 'one child deleted, none created');
  });

  it('keeps a newer registration of the same URL when the older one, still in flight, fails', async () => {
    const registry = open(server.address);
    const older = provider(21020, 'org.example.Newer', { timestamp: '1700000000' });
    const newer = provider(21020, 'org.example.Newer', { timestamp: '1700000001' });
    // The older URL's node is held by another session and cannot be deleted: its register fails.
    const other = await raw();
    await callback((done) => admin.mkdirp(folderOf('org.example.Newer'), done));
    await callback((done) => other.create(nodePath('dubbo', older), null, zookeeper.CreateMode.EPHEMERAL, done));
    await allow(folderOf('org.example.Newer'), READ, WRITE, CREATE, ADMIN);
    const [olderOutcome, newerOutcome] = await Promise.allSettled([registry.register(older), registry.register(newer)]);
    assert.equal(olderOutcome.status, 'rejected');
    assert.equal(newerOutcome.status, 'fulfilled');
    await allow(folderOf('org.example.Newer'), READ, WRITE, CREATE, DELETE, ADMIN);
    await registry.unregister(newer);
    assert.deepEqual(await children(folderOf('org.example.Newer')), [nodeName(older)], 'the newer node is removed by unregister');
  });

  it('skips, when it re-checks its nodes after a reconnect, a registration dropped meanwhile', async () => {
    const via = await proxy();
    const registry = open(via.address);
    const first = provider(21021, 'org.example.CheckedFirst');
    const dropped = provider(21022, 'org.example.Dropped');
    await registry.register(first);
    await registry.register(dropped);
    await registry.subscribe(consumerOf('org.example.CheckedLast'), () => undefined);
    const before = await stat(folderOf('org.example.Dropped'));
    // Counted from here: the reconnect's SetWatches names every watched path once, then the
    // re-check creates `first`'s node, ..., and re-reads the subscription last.
    via.watchRequests(nodeName(first));
    via.watchRequests(folderOf('org.example.CheckedLast'));
    via.cut();
    await within(via.untilRequests(nodeName(first), 2), 'the re-check reaching the first registration');
    await registry.unregister(dropped);
    await within(via.untilRequests(folderOf('org.example.CheckedLast'), 2), 'the re-check re-reading the subscription');
    const after = await stat(folderOf('org.example.Dropped'));
    assert.equal(after!.cversion, before!.cversion + 1, 'one child deleted (by unregister), none created');
  });

  it('retries creating a deleted node until ZooKeeper allows it', async () => {
    const via = await proxy();
    const registry = open(via.address, '&retry.delay=50');
    const url = provider(21008, 'org.example.Denied');
    const path = nodePath('dubbo', url);
    via.watchRequests(nodeName(url));
    await registry.register(url); // a create and an exists (the deletion watch) name the node
    await allow(folderOf('org.example.Denied'), READ, WRITE, DELETE, ADMIN);
    await remove(path);
    // The refused create after the deletion, then two refused retries at least.
    await within(via.untilRequests(nodeName(url), 5), 'three refused creates');
    await allow(folderOf('org.example.Denied'), READ, WRITE, CREATE, DELETE, ADMIN);
    await pollUntil(async () => (await stat(path))?.ephemeralOwner.equals(registry.session!.id) === true, WAIT_MS, 'the node created again');
  });

  it('reports a refused register, subscribe, watchConfig and unregister as REGISTRY_UNAVAILABLE naming the call, to the logger it was given', async () => {
    const logger = recordingLogger();
    const registry = open(server.address, '', logger);
    await callback((done) => admin.mkdirp(folderOf('org.example.NoCreate'), done));
    await allow(folderOf('org.example.NoCreate'), READ, WRITE, DELETE, ADMIN);
    const unavailable = (prefix: string) => (err: unknown) => isRpcError(err, ErrorCode.REGISTRY_UNAVAILABLE) && (err as Error).message.startsWith(prefix) && /NO_AUTH/.test((err as Error).message);
    await assert.rejects(registry.register(provider(21009, 'org.example.NoCreate')), unavailable('register org.example.NoCreate: '));
    assert.equal(logger.warnings.length, 1);
    assert.match(logger.warnings[0]!, /unreachable \(register\): register org\.example\.NoCreate: /);

    await callback((done) => admin.mkdirp(folderOf('org.example.NoRead'), done));
    await allow(folderOf('org.example.NoRead'), WRITE, CREATE, DELETE, ADMIN);
    await assert.rejects(registry.subscribe(consumerOf('org.example.NoRead'), () => undefined), unavailable('subscribe org.example.NoRead: '));

    await callback((done) => admin.mkdirp('/dubbo/config/dubbo/org.example.NoRead.configurators', done));
    await allow('/dubbo/config/dubbo/org.example.NoRead.configurators', WRITE, CREATE, DELETE, ADMIN);
    await assert.rejects(registry.watchConfig('org.example.NoRead.configurators', () => undefined), unavailable('watch org.example.NoRead.configurators: '));

    const url = provider(21010, 'org.example.NoDelete');
    await registry.register(url);
    await allow(folderOf('org.example.NoDelete'), READ, WRITE, CREATE, ADMIN);
    await assert.rejects(registry.unregister(url), unavailable(`remove ${nodePath('dubbo', url)}: `));
  });

  it('reports a timed-out unregister as REGISTRY_UNAVAILABLE naming the node', async () => {
    const via = await proxy();
    const registry = open(via.address, '&timeout=2000');
    const url = provider(21011, 'org.example.Frozen');
    await registry.register(url);
    via.freeze();
    await assert.rejects(registry.unregister(url), (err) => isRpcError(err, ErrorCode.REGISTRY_UNAVAILABLE) && (err as Error).message === `remove ${nodePath('dubbo', url)}: no answer within 2000 ms`);
  });

  it('tells its logger when every server is lost and when one is back', async () => {
    const via = await proxy();
    const logger = recordingLogger();
    const registry = open(via.address, '', logger);
    await registry.register(provider(21012, 'org.example.Outage'));
    via.admit('refuse');
    via.cut();
    await pollUntil(() => logger.warnings.length > 0, WAIT_MS, 'an outage warning');
    assert.match(logger.warnings[0]!, /unreachable \(disconnected\): connection to every server lost$/);
    via.admit('forward');
    await pollUntil(() => logger.infos.length > 0, WAIT_MS, 'a restored line');
    assert.match(logger.infos[0]!, /reachable again$/);
  });

  it('watches a providers folder again after someone deletes it', async () => {
    const registry = open(server.address);
    const recorder = new ListRecorder();
    await registry.subscribe(consumerOf('org.example.Refolded'), recorder.listener);
    await remove(folderOf('org.example.Refolded'));
    await pollUntil(async () => (await stat(folderOf('org.example.Refolded'))) !== undefined, WAIT_MS, 'the folder created again');
    const other = open(server.address);
    await other.register(provider(21013, 'org.example.Refolded'));
    await recorder.untilPorts([21013], WAIT_MS);
  });

  it('removes its nodes on close() even when its close-session request is lost', async () => {
    const via = await proxy();
    const registry = open(via.address);
    const url = provider(21014, 'org.example.LostClose');
    await registry.register(url);
    via.dropCloseSession = true;
    await registry.close();
    assert.equal(await stat(nodePath('dubbo', url)), undefined);
  });

  it('after a session expiry, retries until its registrations are back, then re-reads its subscriptions; a registration that failed stays away', async () => {
    const via = await proxy();
    const registry = open(via.address, '&retry.delay=50');
    const kept = provider(21015, 'org.example.Kept');
    await registry.register(kept);
    const recorder = new ListRecorder();
    await registry.subscribe(consumerOf('org.example.Watched'), recorder.listener);
    await callback((done) => admin.mkdirp(folderOf('org.example.Failed'), done));
    await allow(folderOf('org.example.Failed'), READ, WRITE, DELETE, ADMIN);
    await assert.rejects(registry.register(provider(21016, 'org.example.Failed')));
    await allow(folderOf('org.example.Failed'), READ, WRITE, CREATE, DELETE, ADMIN);

    const old = registry.session!;
    via.admit('refuse');
    via.cut();
    await endSession(old);
    // While the registry is away: its kept node cannot be created again yet, and a provider joins the watched folder.
    await allow(folderOf('org.example.Kept'), READ, WRITE, DELETE, ADMIN);
    const joined = provider(21017, 'org.example.Watched');
    await callback((done) => admin.create(nodePath('dubbo', joined), null, zookeeper.CreateMode.PERSISTENT, done));
    via.watchRequests(nodeName(kept));
    via.admit('forward');
    await within(via.untilRequests(nodeName(kept), 3), 'three refused creates of the kept node');
    await allow(folderOf('org.example.Kept'), READ, WRITE, CREATE, DELETE, ADMIN);
    await recorder.untilPorts([21017], WAIT_MS);
    assert.ok(!registry.session!.id.equals(old.id), 'a new session');
    assert.deepEqual((await stat(nodePath('dubbo', kept)))!.ephemeralOwner, registry.session!.id);
    assert.deepEqual(await children(folderOf('org.example.Failed')), [], 'the failed registration is not created');
  });
});
