/**
 * A consumer calling a hostile provider: a reply header announcing an 8 MiB
 * body that never comes costs what was sent and the call times out; a reply
 * with a bad magic closes that connection and fails the call with a typed
 * error, and the client stays usable.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../common/rpc-error.js';
import { RpcClient } from '../../rpc/client.js';
import { DemoService } from './rpc-fixture.js';

const MiB = 1024 * 1024;

/** A "provider" that answers every connection's first bytes with `reply`, then stays silent. */
async function hostileProvider(reply: Buffer): Promise<{ server: net.Server; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('data', () => socket.write(reply));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  };
  return { server, close };
}

function portOf(server: net.Server): number {
  return (server.address() as net.AddressInfo).port;
}

describe('a consumer against hostile providers', () => {
  it('a reply header announcing 8 MiB costs what was sent; the calls time out', async (t) => {
    const header = Buffer.alloc(16);
    header.writeUInt16BE(0xdabb, 0);
    header[2] = 0x02; // response, hessian2
    header[3] = 20;
    header.writeUInt32BE(8 * MiB - 16, 12);
    const { server, close } = await hostileProvider(header);
    const clients: RpcClient[] = [];
    t.after(async () => {
      await Promise.all(clients.map((c) => c.close()));
      await close();
    });
    const before = process.memoryUsage().arrayBuffers;
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 50; i++) {
      const client = new RpcClient();
      clients.push(client);
      const demo = client.refer(DemoService, { url: `dubbo://127.0.0.1:${portOf(server)}`, version: '1.0.0', timeoutMs: 1000, retries: 0 });
      calls.push(demo.sayHello('x').catch((err: unknown) => err));
    }
    const outcomes = await Promise.all(calls);
    const grown = process.memoryUsage().arrayBuffers - before;
    assert.ok(grown < 32 * MiB, `buffers grew by ${(grown / MiB).toFixed(1)} MiB (announced: 400 MiB)`);
    for (const err of outcomes) assert.ok(isRpcError(err, ErrorCode.TIMEOUT), String(err));
  });

  it('a reply with a bad magic fails the call with a typed error at once', async (t) => {
    const { server, close } = await hostileProvider(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'));
    const client = new RpcClient();
    t.after(async () => {
      await client.close();
      await close();
    });
    const demo = client.refer(DemoService, { url: `dubbo://127.0.0.1:${portOf(server)}`, version: '1.0.0', timeoutMs: 5000, retries: 0 });
    const started = Date.now();
    const err = await demo.sayHello('x').catch((e: unknown) => e);
    assert.ok(isRpcError(err), String(err));
    assert.notEqual((err as { code: string }).code, ErrorCode.TIMEOUT);
    assert.ok(Date.now() - started < 2000);
  });
});
