/**
 * Shared set-up for the rpc tests: a demo service definition, a provider on
 * 127.0.0.1 (port picked by the OS), a raw Dubbo socket for hand-made frames,
 * and a bounded condition poll. Not a test file itself.
 */
import net from 'node:net';
import { DubboCodec } from '../../rpc/exchange/dubbo-codec.js';
import type { DubboPackage } from '../../rpc/protocol/dubbo-package.js';
import { RpcServer, type RpcServerOptions } from '../../rpc/provider/rpc-server.js';
import { defineService } from '../../rpc/service.js';

export const DemoService = defineService('org.apache.dubbo.demo.DemoService', {
  sayHello: { params: ['java.lang.String'], returns: 'java.lang.String' },
  add: { params: ['int', 'int'], returns: 'int' },
  slow: { params: ['java.lang.String'], returns: 'java.lang.String' },
  fail: { params: ['java.lang.String'], returns: 'java.lang.String' },
  notify: { params: ['java.lang.String'], returns: 'void', oneWay: true },
});

/** A gate the slow method waits on; `release()` lets every waiting call finish. */
export class Gate {
  private opened!: () => void;
  private promise = this.reset();
  entered = 0;

  wait(): Promise<void> {
    this.entered++;
    return this.promise;
  }

  release(): void {
    this.opened();
    this.promise = this.reset();
  }

  private reset(): Promise<void> {
    return new Promise((resolve) => (this.opened = resolve));
  }
}

export interface DemoProvider {
  server: RpcServer;
  url: string;
  gate: Gate;
  notified: string[];
}

/** Starts a provider of DemoService (version 1.0.0) on a free port. */
export async function startDemoProvider(options: RpcServerOptions = {}): Promise<DemoProvider> {
  const gate = new Gate();
  const notified: string[] = [];
  const server = new RpcServer({ port: 0, ...options });
  server.addService(
    DemoService,
    {
      sayHello: async (name) => `Hello ${name}`,
      add: (a, b) => a + b,
      slow: async (name) => {
        await gate.wait();
        return `slow ${name}`;
      },
      fail: async (why) => {
        throw Object.assign(new Error(`failed: ${why}`), { javaType: 'java.lang.IllegalStateException' });
      },
      notify: (what) => {
        notified.push(what ?? '');
        return undefined;
      },
    },
    { version: '1.0.0' },
  );
  await server.start();
  return { server, url: `dubbo://127.0.0.1:${server.port}`, gate, notified };
}

/** Polls `condition` every few ms until it holds; throws after `timeoutMs`. */
export async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A plain TCP socket speaking Dubbo frames through DubboCodec, for hand-made input. */
export class RawDubboSocket {
  readonly received: DubboPackage[] = [];
  /** The bytes of every frame received, in order (header included), for checks below the codec. */
  readonly frames: Buffer[] = [];
  readonly closed: Promise<void>;
  private readonly codec = new DubboCodec();
  private buffer = Buffer.alloc(0);
  private waiter: (() => void) | undefined;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk) => this.onData(chunk));
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => {});
  }

  static connect(port: number): Promise<RawDubboSocket> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(new RawDubboSocket(socket)));
      socket.once('error', reject);
    });
  }

  send(pkg: DubboPackage): void {
    for (const part of this.codec.write(null, pkg)) this.socket.write(part);
  }

  sendBytes(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Resolves with the next decoded package (rejects if the socket closes first). */
  async next(timeoutMs = 5000): Promise<DubboPackage> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length === 0) {
      if (this.socket.destroyed || Date.now() > deadline) throw new Error('no package arrived');
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, 20);
      });
    }
    return this.received.shift()!;
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const { pkg, len } = this.codec.read(null, this.buffer);
      if (!pkg) break;
      this.received.push(pkg);
      this.frames.push(Buffer.from(this.buffer.subarray(0, len)));
      this.buffer = this.buffer.subarray(len);
    }
    this.waiter?.();
  }
}
