/**
 * Real providers, a real consumer and a rule writer for the governance tests
 * against ZooKeeper and etcd: three providers of com.example.DemoService
 * (app shop-provider) on 127.0.0.1-3, a consumer (app shop-web) on
 * 127.0.1.9, and a CallFlow that keeps calling and records who answered, so
 * a test waits for the answers to change instead of sleeping.
 */
import { Etcd3 } from 'etcd3';
import zookeeper, { type Client } from 'node-zookeeper-client';
import type { RpcError } from '../../../common/rpc-error.js';
import { RpcClient } from '../../../rpc/consumer/rpc-client.js';
import { withCallOptions } from '../../../rpc/consumer/proxy.js';
import { RpcServer } from '../../../rpc/provider/rpc-server.js';
import { defineService } from '../../../rpc/service.js';

export const Demo = defineService('com.example.DemoService', {
  whoAmI: { params: [], returns: 'java.lang.String' },
  /** Answers after `ms` milliseconds. */
  nap: { params: ['int'], returns: 'java.lang.String' },
});

export type DemoProxy = { whoAmI(): Promise<string>; nap(ms: number): Promise<string> };

export interface Providers {
  readonly servers: RpcServer[];
  /** `host:port` of each provider, in start order. */
  readonly addresses: string[];
  /** Calls that reached any provider. */
  readonly served: { count: number };
  stop(): Promise<void>;
}

/** Starts one provider per entry, on 127.0.0.<n>, answering with its `host:port`. */
export async function startProviders(registry: string, parameters: Record<string, string>[]): Promise<Providers> {
  const servers: RpcServer[] = [];
  const addresses: string[] = [];
  const served = { count: 0 };
  try {
    for (const [index, params] of parameters.entries()) {
      const host = `127.0.0.${index + 1}`;
      const server = new RpcServer({ host, port: 0, registry, application: 'shop-provider' });
      const me = () => {
        served.count++;
        return `${host}:${server.port}`;
      };
      const nap = (ms: number) => new Promise<string>((resolve) => setTimeout(() => resolve(me()), Math.min(ms, 2000)));
      server.addService(Demo, { whoAmI: me, nap }, { parameters: params });
      servers.push(server);
      await server.start();
      addresses.push(`${host}:${server.port}`);
    }
  } catch (err) {
    await Promise.allSettled(servers.map((server) => server.stop({ graceMs: 0 })));
    throw err;
  }
  return { servers, addresses, served, stop: async () => void (await Promise.allSettled(servers.map((server) => server.stop({ graceMs: 500 })))) };
}

export interface Consumer {
  readonly client: RpcClient;
  readonly demo: DemoProxy;
  readonly ruleErrors: [string, RpcError][];
  /** Resolves at the next rejected rule. */
  nextRuleError(): Promise<[string, RpcError]>;
}

export function startConsumer(registry: string): Consumer {
  const ruleErrors: [string, RpcError][] = [];
  let waiting: ((error: [string, RpcError]) => void)[] = [];
  const client = new RpcClient({
    registry,
    application: 'shop-web',
    host: '127.0.1.9',
    governance: {
      onRuleError: (source, error) => {
        ruleErrors.push([source, error]);
        for (const resolve of waiting) resolve([source, error]);
        waiting = [];
      },
    },
  });
  const demo = client.refer(Demo, { retries: 0, timeoutMs: 5000 }) as unknown as DemoProxy;
  return { client, demo, ruleErrors, nextRuleError: () => new Promise((resolve) => waiting.push(resolve)) };
}

/** Calls with a `dubbo.tag` attachment (and `dubbo.force.tag` when forced). */
export function tagged(demo: DemoProxy, tag: string, force = false): DemoProxy {
  return withCallOptions(demo, { attachments: force ? { 'dubbo.tag': tag, 'dubbo.force.tag': 'true' } : { 'dubbo.tag': tag } });
}

/** Keeps calling `whoAmI` one call after the other until stopped; records answers and failures. */
export class CallFlow {
  readonly answers: string[] = [];
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

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      try {
        this.answers.push(await this.demo.whoAmI());
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

/** A `.condition-router` document for DemoService. */
export function conditionRule(conditions: string[], force = false): string {
  return ['configVersion: v3.0', 'scope: service', 'key: com.example.DemoService', 'enabled: true', `force: ${force}`, 'conditions:', ...conditions.map((c) => `  - '${c}'`)].join('\n');
}

export const SERVICE_KEY = 'com.example.DemoService::';
