/**
 * A server whose start() fails releases what it took and lets its process
 * end; `handleSignals` turns SIGTERM into a graceful stop. Child processes
 * are real `node` processes; registries that are down are closed ports.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ErrorCode, isRpcError } from '../../common/rpc-error.js';
import { RpcClient } from '../../rpc/client.js';
import { RpcServer } from '../../rpc/server.js';
import { defineService } from '../../rpc/service.js';
import { testCert } from '../transport/tls-fixture.js';

const CHILD = fileURLToPath(new URL('./lifecycle-child.js', import.meta.url));
const Sleeper = defineService('com.example.Sleeper', { sleep: { params: ['int'], returns: 'java.lang.String' } });
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** A loopback port nobody listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Resolves once `port` can be listened on again. */
async function canListen(port: number): Promise<boolean> {
  const probe = net.createServer();
  const ok = await new Promise<boolean>((resolve) => {
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (ok) await new Promise((resolve) => probe.close(resolve));
  return ok;
}

interface Child {
  pid: number;
  events: Array<Record<string, unknown>>;
  next(): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; afterMs: number }>;
  kill(): void;
}

function startChild(registry: string, handleSignals: boolean): Child {
  const child = spawn(process.execPath, [CHILD, registry, handleSignals ? 'yes' : 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const started = performance.now();
  const events: Array<Record<string, unknown>> = [];
  const waiters: Array<(event: Record<string, unknown>) => void> = [];
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const event = JSON.parse(buffered.slice(0, nl)) as Record<string, unknown>;
      buffered = buffered.slice(nl + 1);
      events.push(event);
      waiters.shift()?.(event);
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; afterMs: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, afterMs: performance.now() - started })),
  );
  return {
    pid: child.pid!,
    events,
    next: () => (events.length > waiters.length ? Promise.resolve(events[waiters.length]!) : new Promise((resolve) => waiters.push(resolve))),
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** Fails the test if `promise` takes longer than `ms` (the child is killed by the caller's finally). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

describe('RpcServer.start() that fails', () => {
  it('closes its port and its registry connection when the registry is unreachable', async () => {
    const port = await closedPort();
    const zk = await closedPort();
    const server = new RpcServer({ port, registry: `zookeeper://127.0.0.1:${zk}?timeout=500ms`, logger: quiet });
    server.addService(Sleeper, { sleep: async () => 'never' });
    await assert.rejects(server.start(), (e) => isRpcError(e, ErrorCode.REGISTRY_UNAVAILABLE));
    assert.ok(await canListen(port), 'the port was released');
    await server.stop();
  });

  it('closes its port when a registry cannot be written to (file registry on a file)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'getty-rpc-lifecycle-'));
    try {
      await writeFile(join(dir, 'not-a-folder'), 'x');
      const port = await closedPort();
      const server = new RpcServer({ port, registry: `file://${join(dir, 'not-a-folder')}`, logger: quiet });
      server.addService(Sleeper, { sleep: async () => 'never' });
      await assert.rejects(server.start(), (e) => isRpcError(e, ErrorCode.REGISTRY_UNAVAILABLE));
      assert.ok(await canListen(port), 'the port was released');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('lets a process whose start() failed exit by itself, without stop()', async () => {
    const zk = await closedPort();
    const child = startChild(`zookeeper://127.0.0.1:${zk}?timeout=500ms`, false);
    try {
      assert.deepEqual(await within(child.next(), 20_000, 'the failed start'), { startFailed: ErrorCode.REGISTRY_UNAVAILABLE });
      const exit = await within(child.exited, 10_000, 'the exit after a failed start');
      assert.equal(exit.code, 0);
    } finally {
      child.kill();
    }
  });
});

describe('RpcServer.stop() whatever peers do', () => {
  it('ends within its grace with a TLS client stuck before its handshake', async () => {
    const cert = await testCert();
    const server = new RpcServer({ port: 0, tls: cert, logger: quiet });
    server.addService(Sleeper, { sleep: async () => 'never' });
    await server.start();
    const stuck = net.connect({ host: '127.0.0.1', port: server.port });
    stuck.on('error', () => {});
    try {
      await new Promise<void>((resolve) => stuck.once('connect', () => resolve()));
      const started = performance.now();
      await server.stop({ graceMs: 300 });
      const took = performance.now() - started;
      assert.ok(took < 300 + 2000, `stop() took ${Math.round(took)} ms`);
      assert.ok(await canListen(server.port), 'the port was released');
    } finally {
      stuck.destroy();
    }
  });
});

describe('RpcServer handleSignals', () => {
  it('stops gracefully on SIGTERM: the call in flight is answered, then the process ends by the signal', async () => {
    const child = startChild('', true);
    const client = new RpcClient({ timeoutMs: 20_000, logger: quiet });
    try {
      const { started: port } = (await within(child.next(), 20_000, 'the start')) as { started: number };
      const sleeper = client.refer(Sleeper, { url: `dubbo://127.0.0.1:${port}`, retries: 0 });
      assert.equal(await sleeper.sleep(1), 'slept 1');
      const inFlight = sleeper.sleep(500);
      await new Promise((resolve) => setTimeout(resolve, 100));
      process.kill(child.pid, 'SIGTERM');
      assert.equal(await inFlight, 'slept 500');
      const exit = await within(child.exited, 10_000, 'the exit after SIGTERM');
      assert.equal(exit.signal, 'SIGTERM');
    } finally {
      child.kill();
      await client.close({ graceMs: 0 });
    }
  });

  it('adds its signal listeners only when asked, and removes them on stop()', async () => {
    const before = process.listenerCount('SIGTERM');
    const plain = new RpcServer({ port: 0 });
    await plain.start();
    assert.equal(process.listenerCount('SIGTERM'), before);
    await plain.stop();
    const handling = new RpcServer({ port: 0, handleSignals: { graceMs: 100 } });
    await handling.start();
    assert.equal(process.listenerCount('SIGTERM'), before + 1);
    assert.equal(process.listenerCount('SIGINT') > 0, true);
    await handling.stop();
    assert.equal(process.listenerCount('SIGTERM'), before);
  });
});
