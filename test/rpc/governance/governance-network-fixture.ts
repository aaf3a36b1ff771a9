/**
 * Real providers, real consumers and a rule writer for the governance tests
 * against ZooKeeper and etcd: providers of com.example.DemoService (app
 * shop-provider) on 127.0.0.1-4, consumers (app shop-web, `region=hz`) on
 * 127.0.1.9 and 127.0.1.8, and a CallFlow that keeps calling and records who
 * answered, so a test waits for the answers to change instead of sleeping.
 * `startTestBed` starts all of it on a fresh registry server.
 */
import { Etcd3 } from 'etcd3';
import zookeeper, { type Client } from 'node-zookeeper-client';
import type { RpcError } from '../../../common/rpc-error.js';
import { createRegistry } from '../../../registry/index.js';
import type { Registry } from '../../../registry/registry.js';
import { type ReferOptions, RpcClient } from '../../../rpc/consumer/rpc-client.js';
import { withCallOptions } from '../../../rpc/consumer/proxy.js';
import { governanceRulesOf } from '../../../rpc/governance/rules-of-proxy.js';
import { RpcServer } from '../../../rpc/provider/rpc-server.js';
import { defineService } from '../../../rpc/service.js';
import { type ServerKind, startServer, type TestServer } from '../../registry/helpers/servers.js';

/** Every method answers with the provider's `host:port`, except `fail`, which throws (a business error). */
export const Demo = defineService('com.example.DemoService', {
  whoAmI: { params: [], returns: 'java.lang.String' },
  /** Answers after `ms` milliseconds. */
  nap: { params: ['int'], returns: 'java.lang.String' },
  sayHello: { params: [], returns: 'java.lang.String' },
  sayBye: { params: [], returns: 'java.lang.String' },
  getUser: { params: ['int'], returns: 'java.lang.String' },
  fail: { params: [], returns: 'java.lang.String' },
});

export type DemoProxy = {
  whoAmI(): Promise<string>;
  nap(ms: number): Promise<string>;
  sayHello(): Promise<string>;
  sayBye(): Promise<string>;
  getUser(id: number): Promise<string>;
  fail(): Promise<string>;
};

export interface Providers {
  readonly servers: RpcServer[];
  /** `host:port` of each provider, in start order. */
  readonly addresses: string[];
  /** Calls answered by any provider. */
  readonly served: { count: number };
  /** Calls that reached any provider, counted when they arrive. */
  readonly arrivals: { count: number };
  stop(): Promise<void>;
}

/** Starts one provider per entry, on 127.0.0.<n>, answering with its `host:port`. */
export async function startProviders(registry: string, parameters: Record<string, string>[]): Promise<Providers> {
  const servers: RpcServer[] = [];
  const addresses: string[] = [];
  const served = { count: 0 };
  const arrivals = { count: 0 };
  try {
    for (const [index, params] of parameters.entries()) {
      const host = `127.0.0.${index + 1}`;
      const server = new RpcServer({ host, port: 0, registry, application: 'shop-provider' });
      const me = () => {
        served.count++;
        return `${host}:${server.port}`;
      };
      const nap = (ms: number) => {
        arrivals.count++;
        return new Promise<string>((resolve) => setTimeout(() => resolve(me()), Math.min(ms, 2000)));
      };
      const fail = (): string => {
        throw new Error(`${host} refuses`);
      };
      server.addService(Demo, { whoAmI: me, nap, sayHello: me, sayBye: me, getUser: me, fail }, { parameters: params });
      servers.push(server);
      await server.start();
      addresses.push(`${host}:${server.port}`);
    }
  } catch (err) {
    await Promise.allSettled(servers.map((server) => server.stop({ graceMs: 0 })));
    throw err;
  }
  return { servers, addresses, served, arrivals, stop: async () => void (await Promise.allSettled(servers.map((server) => server.stop({ graceMs: 500 })))) };
}

export interface Consumer {
  readonly client: RpcClient;
  readonly demo: DemoProxy;
  readonly ruleErrors: [string, RpcError][];
  /** Resolves at the next rejected rule. */
  nextRuleError(): Promise<[string, RpcError]>;
}

/** A consumer of app shop-web on `host`, with consumer param `region=hz`, retries 0 and a 5 s budget unless `options` say otherwise. */
export function startConsumer(registry: string, host = '127.0.1.9', options: ReferOptions = {}): Consumer {
  const ruleErrors: [string, RpcError][] = [];
  let waiting: ((error: [string, RpcError]) => void)[] = [];
  const client = new RpcClient({
    registry,
    application: 'shop-web',
    host,
    governance: {
      onRuleError: (source, error) => {
        ruleErrors.push([source, error]);
        for (const resolve of waiting) resolve([source, error]);
        waiting = [];
      },
    },
  });
  const demo = client.refer(Demo, { retries: 0, timeoutMs: 5000, parameters: { region: 'hz' }, ...options }) as unknown as DemoProxy;
  return { client, demo, ruleErrors, nextRuleError: () => new Promise((resolve) => waiting.push(resolve)) };
}

/** Calls with a `dubbo.tag` attachment (and `dubbo.force.tag` when forced). */
export function tagged(demo: DemoProxy, tag: string, force = false): DemoProxy {
  return withCallOptions(demo, { attachments: force ? { 'dubbo.tag': tag, 'dubbo.force.tag': 'true' } : { 'dubbo.tag': tag } });
}

/** Keeps calling `whoAmI` one call after the other until stopped; records answers and failures. */
export class CallFlow {
  readonly answers: string[] = [];
  /** performance.now() of each answer. */
  readonly answeredAt: number[] = [];
  readonly failures: unknown[] = [];
  private running = true;
  private readonly done: Promise<void>;
  private waiters: (() => void)[] = [];

  constructor(private readonly demo: DemoProxy) {
    this.done = this.loop();
  }

  /**
   * Resolves with the ms it took until `window` answers in a row came only
   * from `expected` (counted from the call), rejects after `timeoutMs`.
   */
  async until(expected: readonly string[], timeoutMs: number, window = 20): Promise<number> {
    const startedAt = performance.now();
    const from = this.answers.length;
    const wanted = new Set(expected);
    const deadline = startedAt + timeoutMs;
    for (;;) {
      let run = 0;
      let runStart = -1;
      for (let i = from; i < this.answers.length; i++) {
        if (wanted.has(this.answers[i]!)) {
          if (run === 0) runStart = i;
          run++;
        } else run = 0;
      }
      const seen = new Set(this.answers.slice(runStart < 0 ? this.answers.length : runStart));
      if (run >= window && [...wanted].every((address) => seen.has(address))) return performance.now() - startedAt;
      if (performance.now() > deadline) {
        throw new Error(`answers never settled on ${expected.join(', ')} within ${timeoutMs} ms; last: ${this.answers.slice(-10).join(', ')}`);
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** When the last run of answers from `expected` (after index `from`) began; call after `until` resolved. */
  settledAt(from: number, expected: readonly string[]): number {
    const wanted = new Set(expected);
    let start = this.answers.length;
    while (start > from && wanted.has(this.answers[start - 1]!)) start--;
    return this.answeredAt[start] ?? performance.now();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      try {
        this.answers.push(await this.demo.whoAmI());
        this.answeredAt.push(performance.now());
      } catch (err) {
        this.failures.push(err);
        // A call refused locally (no provider) settles without I/O; let watch events in.
        await new Promise((resolve) => setImmediate(resolve));
      }
      const waiters = this.waiters;
      this.waiters = [];
      for (const wake of waiters) wake();
    }
  }
}

/** Writes and deletes config-center documents the way an operator or dubbo-admin does. */
export interface ConfigWriter {
  put(key: string, text: string): Promise<void>;
  remove(key: string): Promise<void>;
  close(): Promise<void>;
}

const CONFIG_ROOT = '/dubbo/config/dubbo';

export async function zookeeperWriter(address: string): Promise<ConfigWriter> {
  const client = zookeeper.createClient(address, { sessionTimeout: 5000, spinDelay: 100 });
  await new Promise<void>((resolve) => {
    client.once('connected', () => resolve());
    client.connect();
  });
  const call = <T>(run: (done: (err: Error | null, value?: T) => void) => void) =>
    new Promise<T | undefined>((resolve, reject) => run((err, value) => (err ? reject(err) : resolve(value))));
  return {
    async put(key, text) {
      const path = `${CONFIG_ROOT}/${key}`;
      await call((done) => client.mkdirp(CONFIG_ROOT, done));
      const exists = await call<unknown>((done) => client.exists(path, done));
      if (exists) await call((done) => (client as ZkWrite).setData(path, Buffer.from(text), -1, done));
      else await call((done) => client.create(path, Buffer.from(text), zookeeper.CreateMode.PERSISTENT, done));
    },
    async remove(key) {
      await call((done) => client.remove(`${CONFIG_ROOT}/${key}`, -1, (err) => done(err)));
    },
    async close() {
      client.close();
    },
  };
}

type ZkWrite = Client & { setData(path: string, data: Buffer, version: number, done: (err: Error | null) => void): void };

export function etcdWriter(address: string): ConfigWriter {
  const client = new Etcd3({ hosts: `http://${address}` });
  return {
    async put(key, text) {
      await client.put(`${CONFIG_ROOT}/${key}`).value(text);
    },
    async remove(key) {
      await client.delete().key(`${CONFIG_ROOT}/${key}`);
    },
    async close() {
      client.close();
    },
  };
}

/** A `.condition-router` document for DemoService, as the scenarios write it. */
export function conditionRule(conditions: string[], force = false): string {
  return [
    'configVersion: v3.0',
    'scope: service',
    'key: com.example.DemoService',
    'enabled: true',
    'runtime: true',
    `force: ${force}`,
    'conditions:',
    ...conditions.map((c) => `  - '${c}'`),
  ].join('\n');
}

export const SERVICE_KEY = 'com.example.DemoService::';

/** Generous: the machine is shared; measured times are printed by the tests that measure. */
export const SETTLE_MS = 5000;

/** Repeats `attempt` (every 10 ms) until it gives a value, within `timeoutMs`. */
export async function until<T>(attempt: () => Promise<T | undefined> | T | undefined, what = 'the change', timeoutMs = SETTLE_MS): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Waits until the consumers obey the config-center document `key` as `text` (undefined: deleted). */
export async function inEffect(consumers: readonly Consumer[], key: string, text: string | undefined): Promise<void> {
  for (const consumer of consumers) {
    await until(() => (governanceRulesOf(consumer.demo)?.documents[key] === text ? true : undefined), `${key} in effect`);
  }
}

/** Waits until the registry-form configurator URLs the consumers obey satisfy `wanted`. */
export async function configuratorsInEffect(consumers: readonly Consumer[], wanted: (urls: readonly string[]) => boolean): Promise<void> {
  for (const consumer of consumers) {
    await until(() => (wanted(governanceRulesOf(consumer.demo)?.registryConfigurators ?? []) ? true : undefined), 'the configurators');
  }
}

/** Who answers `call` over `n` calls (random balancing: 40 calls miss one of three providers with odds near 1e-5), sorted. */
export async function answering(call: () => Promise<string>, n = 40): Promise<string[]> {
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) seen.add(await call());
  return [...seen].sort();
}

/**
 * A registry server with four providers — P1 `region=hz`, P2 `region=sh`,
 * P3 without region, P4 `dubbo.tag=gray`, all `warmup=0` so weights apply
 * in full — two consumers (127.0.1.9 and 127.0.1.8), a config-center writer
 * and an operator registry for registry-form rules.
 */
export interface TestBed {
  readonly server: TestServer;
  readonly registryUrl: string;
  readonly providers: Providers;
  readonly hz: string;
  readonly sh: string;
  readonly plain: string;
  readonly gray: string;
  readonly consumer: Consumer;
  /** The consumer on 127.0.1.8. */
  readonly other: Consumer;
  readonly writer: ConfigWriter;
  readonly operator: Registry;
  stop(): Promise<void>;
}

export async function startTestBed(kind: ServerKind): Promise<TestBed> {
  const server = await startServer(kind);
  const registryUrl = `${kind}://${server.address}`;
  const providers = await startProviders(registryUrl, [{ region: 'hz', warmup: '0' }, { region: 'sh', warmup: '0' }, { warmup: '0' }, { 'dubbo.tag': 'gray', warmup: '0' }]);
  const [hz, sh, plain, gray] = providers.addresses as [string, string, string, string];
  const consumer = startConsumer(registryUrl);
  const other = startConsumer(registryUrl, '127.0.1.8');
  const writer = kind === 'zookeeper' ? await zookeeperWriter(server.address) : etcdWriter(server.address);
  const operator = createRegistry(registryUrl);
  const stop = async () => {
    await Promise.allSettled([consumer.client.close(), other.client.close()]);
    await providers.stop();
    await operator.close();
    await writer.close();
    await server.dispose();
  };
  return { server, registryUrl, providers, hz, sh, plain, gray, consumer, other, writer, operator, stop };
}
