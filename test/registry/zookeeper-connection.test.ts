import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { register } from 'node:module';
import { after, before, describe, it } from 'node:test';
import zookeeper, { type Client } from 'node-zookeeper-client';
import { ErrorCode, isRpcError } from '../../common/rpc-error.js';
import { type SessionChange, ZookeeperConnection } from '../../registry/zookeeper-connection.js';
import { freePort, startServer, type TestServer } from './helpers/servers.js';
import { ZkProxy } from './helpers/zk-proxy.js';

const WAIT_MS = 20_000;
const FIXTURE = new URL('./fixtures/zookeeper-connection-process.js', import.meta.url);
const ZERO_SESSION = Buffer.alloc(8);

/** Waits for a promise with a bound, so "never happened" fails instead of hanging. */
function within<T>(work: Promise<T>, what: string, timeoutMs = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

/** What a connection told its owner, with a way to wait for the next of each. */
class Observed {
  readonly changes: (SessionChange | undefined)[] = [];
  readonly links: boolean[] = [];
  /** The connection's `session` as seen from inside each onLink(false). */
  readonly sessionWhenLost: unknown[] = [];
  private waiters: { test: () => boolean; resolve: () => void }[] = [];
  connection!: ZookeeperConnection;

  readonly onChange = (change: SessionChange | undefined): void => {
    this.changes.push(change);
    this.wake();
  };

  readonly onLink = (up: boolean): void => {
    this.links.push(up);
    if (!up) this.sessionWhenLost.push(this.connection.session);
    this.wake();
  };

  until(test: () => boolean, what: string): Promise<void> {
    if (test()) return Promise.resolve();
    return within(new Promise<void>((resolve) => this.waiters.push({ test, resolve })), what);
  }

  private wake(): void {
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.test()) return true;
      waiter.resolve();
      return false;
    });
  }
}

function callback<T>(run: (done: (err: Error | null, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => run((err, value) => (err ? reject(err) : resolve(value as T))));
}

describe('ZookeeperConnection', () => {
  let server: TestServer;
  const connections: ZookeeperConnection[] = [];
  const clients: Client[] = [];
  const proxies: ZkProxy[] = [];

  function connect(servers: string, options: { timeoutMs?: number; sessionTimeoutMs?: number } = {}): Observed {
    const observed = new Observed();
    observed.connection = new ZookeeperConnection({ servers, timeoutMs: options.timeoutMs ?? 5000, sessionTimeoutMs: options.sessionTimeoutMs ?? 2000 }, observed.onChange, observed.onLink);
    connections.push(observed.connection);
    return observed;
  }

  async function proxy(): Promise<ZkProxy> {
    const started = await ZkProxy.start(server.port);
    proxies.push(started);
    return started;
  }

  async function raw(options: { sessionId?: Buffer; sessionPassword?: Buffer } = {}, address = server.address): Promise<Client> {
    const client = zookeeper.createClient(address, { sessionTimeout: 2000, spinDelay: 100, ...options });
    clients.push(client);
    await within(new Promise<void>((resolve) => {
      client.once('connected', resolve);
      client.connect();
    }), 'a raw ZooKeeper session');
    return client;
  }

  /** Ends a session from outside: a second client joins it and closes it (ZooKeeper then expires it for its owner). */
  async function endSession(session: { id: Buffer; password: Buffer }, address = server.address): Promise<void> {
    const intruder = await raw({ sessionId: session.id, sessionPassword: session.password }, address);
    await new Promise<void>((resolve) => {
      intruder.once('disconnected', resolve);
      intruder.close();
    });
  }

  before(async () => {
    // tick 200 ms and a 4 s ceiling: sessions negotiate between 400 ms and 4 s
    // (scripts/services/zookeeper.sh reads the ceiling from the environment the server starts with).
    process.env.ZK_MAX_SESSION_TIMEOUT = '4000';
    try {
      server = await startServer('zookeeper', { zkTickTimeMs: 200 });
    } finally {
      delete process.env.ZK_MAX_SESSION_TIMEOUT;
    }
  });

  after(async () => {
    for (const connection of connections) connection.close();
    for (const client of clients) client.close();
    for (const started of proxies) started.close();
    await server?.dispose();
  });

  it('tells no session change on the first connect, "reconnected" after a lost connection, and has no session while away', async () => {
    const via = await proxy();
    const observed = connect(via.address);
    await observed.connection.ready();
    const first = observed.connection.session!;
    assert.ok(first, 'a session once ready');
    assert.deepEqual([observed.changes, observed.links], [[], [true]]);
    via.cut();
    await observed.until(() => observed.changes.length === 1, 'a reconnect');
    assert.deepEqual([observed.changes, observed.links], [['reconnected'], [true, false, true]]);
    assert.deepEqual(observed.sessionWhenLost, [undefined], 'no session while the connection is lost');
    assert.ok(observed.connection.session!.id.equals(first.id), 'the same session');
  });

  it('opens a new session when ZooKeeper says the old one expired, has none until it connects, and tells "renewed"', async () => {
    const via = await proxy();
    const observed = connect(via.address, { sessionTimeoutMs: 2000 });
    await observed.connection.ready();
    const old = observed.connection.session!;
    via.admit('refuse');
    via.cut();
    await observed.until(() => observed.links.length === 2, 'the connection lost');
    await endSession(old);
    // The old client learns of the expiry from the server; the fresh client it opens is held unanswered,
    // so it must be given up after its session timeout and replaced by one that gets through.
    const freshHeld = via.untilHeld((id) => id.equals(ZERO_SESSION));
    via.admit((id) => (id.equals(ZERO_SESSION) ? 'hold' : 'forward'));
    await within(freshHeld, 'a fresh client after the expiry');
    assert.equal(observed.connection.session, undefined, 'no session before the new client connects');
    via.admit('forward');
    await observed.until(() => observed.changes.includes('renewed'), 'a renewed session');
    assert.deepEqual(observed.changes, ['renewed']);
    assert.ok(!observed.connection.session!.id.equals(old.id), 'a new session id');
    await observed.connection.mkdirp('/connection/renewed');
  });

  it('opens a new session as soon as ZooKeeper says the old one expired, not a session timeout later', async () => {
    // A server granting 30 s sessions: giving the old session up only when the away timer
    // fires would take longer than this test waits.
    const roomy = await startServer('zookeeper', { zkTickTimeMs: 200 });
    try {
      const via = await ZkProxy.start(roomy.port);
      proxies.push(via);
      const observed = connect(via.address, { sessionTimeoutMs: 30_000 });
      await observed.connection.ready();
      const old = observed.connection.session!;
      assert.equal(old.timeoutMs, 30_000);
      via.admit('refuse');
      via.cut();
      await observed.until(() => observed.links.length === 2, 'the connection lost');
      await endSession(old, roomy.address);
      via.admit('forward');
      await observed.until(() => observed.changes.includes('renewed'), 'a renewed session');
      assert.ok(!observed.connection.session!.id.equals(old.id), 'a new session id');
    } finally {
      await roomy.dispose();
    }
  });

  it('gives a silent server up after the session timeout the server granted, not the one asked for', async () => {
    const via = await proxy();
    // Asks for a minute; ZooKeeper grants at most its 4 s ceiling.
    const observed = connect(via.address, { sessionTimeoutMs: 60_000 });
    await observed.connection.ready();
    const old = observed.connection.session!;
    assert.equal(old.timeoutMs, 4000);
    const resumeHeld = via.untilHeld((id) => id.equals(old.id));
    via.admit('hold');
    via.cut();
    await within(resumeHeld, 'the client resuming its session at a silent server');
    via.admit('forward');
    await observed.until(() => observed.changes.includes('renewed'), 'a new session after 4 s away');
    assert.ok(!observed.connection.session!.id.equals(old.id));
  });

  it('tells which nodes are ephemeral nodes of its own session', async () => {
    const observed = connect(server.address);
    const connection = observed.connection;
    await connection.mkdirp('/owns');
    await connection.createEphemeral('/owns/mine');
    const other = await raw();
    await callback((done) => other.create('/owns/theirs', null, zookeeper.CreateMode.EPHEMERAL, done));
    await callback((done) => other.create('/owns/persistent', null, zookeeper.CreateMode.PERSISTENT, done));
    assert.deepEqual(
      await Promise.all(['/owns/mine', '/owns/theirs', '/owns/persistent', '/owns/missing'].map((path) => connection.ownsNode(path))),
      [true, false, false, false],
    );
  });

  it('fails a wait for a session, and any later call, as closed once close() runs', async () => {
    const via = await proxy();
    via.admit('hold');
    const { connection } = connect(via.address, { timeoutMs: 60_000 });
    const waiting = connection.ready();
    const held = via.untilHeld(() => true);
    await within(held, 'the connection attempt');
    connection.close();
    const closed = (err: unknown) => isRpcError(err, ErrorCode.REGISTRY_CLOSED) && (err as Error).message === 'registry closed';
    await assert.rejects(within(waiting, 'the waiting call to fail', 5000), closed);
    await assert.rejects(connection.ready(), closed);
  });

  it('closes without throwing right after its first call, before the client has picked a server', async () => {
    await connect(server.address).connection.ready(); // node-zookeeper-client is loaded from now on
    const { connection } = connect(server.address);
    const waiting = connection.ready(); // opens the client in the next promise job
    await Promise.resolve();
    connection.close();
    await assert.rejects(waiting, (err) => isRpcError(err, ErrorCode.REGISTRY_CLOSED));
  });

  it('names the server list, or the call and its path, when ZooKeeper does not answer in time', async () => {
    const port = await freePort();
    const unreachable = connect(`127.0.0.1:${port}`, { timeoutMs: 300 }).connection;
    await assert.rejects(unreachable.ready(), (err) => isRpcError(err, ErrorCode.REGISTRY_UNAVAILABLE) && (err as Error).message === `connect to ZooKeeper 127.0.0.1:${port}: no answer within 300 ms`);
    unreachable.close();

    const via = await proxy();
    const { connection } = connect(via.address, { timeoutMs: 2000 });
    await connection.ready();
    via.freeze();
    const calls: [string, Promise<unknown>][] = [
      ['mkdirp /frozen', connection.mkdirp('/frozen')],
      ['list /frozen', connection.getChildren('/frozen', () => undefined)],
      ['create /frozen/node', connection.createEphemeral('/frozen/node')],
      ['watch /frozen', connection.watchNode('/frozen', () => undefined)],
      ['remove /frozen', connection.remove('/frozen')],
    ];
    for (const [what, call] of calls) {
      await assert.rejects(call, (err) => isRpcError(err, ErrorCode.REGISTRY_UNAVAILABLE) && (err as Error).message === `${what}: no answer within 2000 ms`, what);
    }
  });

  it('fails with REGISTRY_UNAVAILABLE naming the cause when node-zookeeper-client cannot be loaded, and loads it on a later call', async () => {
    // A fresh copy of the module (its own URL, so its own "not loaded yet" state), whose first
    // import of node-zookeeper-client a module hook refuses; every other module stays shared.
    const refuseOnce = `let refused = false;
    export async function resolve(specifier, context, next) {
      if (specifier === 'node-zookeeper-client' && context.parentURL?.endsWith('?without-zookeeper') && !refused) {
        refused = true;
        throw new Error('refused by the test');
      }
      return next(specifier, context);
    }`;
    register(`data:text/javascript,${encodeURIComponent(refuseOnce)}`);
    const isolated = (await import(new URL('../../registry/zookeeper-connection.js?without-zookeeper', import.meta.url).href)) as typeof import('../../registry/zookeeper-connection.js');
    const connection = new isolated.ZookeeperConnection({ servers: server.address, timeoutMs: 5000, sessionTimeoutMs: 2000 }, () => undefined);
    connections.push(connection);
    await assert.rejects(
      connection.ready(),
      (err) =>
        isRpcError(err, ErrorCode.REGISTRY_UNAVAILABLE) &&
        (err as Error).message === 'cannot load node-zookeeper-client: refused by the test' &&
        ((err as Error).cause as Error | undefined)?.message === 'refused by the test',
    );
    await connection.ready();
    assert.ok(connection.session, 'connected on the second call');
  });

  it('lets its process exit once closed while its only server accepts and never answers', async () => {
    const via = await proxy();
    via.admit('hold');
    const held = via.untilHeld(() => true);
    const child = fork(FIXTURE, ['close-unanswered', via.address], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await within(held, 'the connection attempt');
      child.send('close');
      await within(exited, 'the process to exit by itself');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
