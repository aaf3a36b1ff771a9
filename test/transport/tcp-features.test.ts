/** Per-session features on TCP/TLS: compression, cron, idle and write timeouts, TLS client. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError, type RpcError } from '../../common/rpc-error.js';
import { CompressType } from '../../transport/compress-type.js';
import type { Session } from '../../transport/session-contract.js';
import { createTcpClient } from '../../transport/tcp-client.js';
import { createTcpServer } from '../../transport/tcp-server.js';
import { codec, deferred, rawConnect, within } from './helpers.js';
import { testCert } from './tls-fixture.js';

/** Echo server + client pair; the client collects `count` echoes. */
async function echoPair(count: number, configure: (s: Session<Buffer>) => void, tls?: { key: string; cert: string }) {
  const errors: RpcError[] = [];
  const server = createTcpServer<Buffer>({ port: 0, tls });
  await server.runEventLoop((s) => {
    s.setPkgHandler(codec).setEventListener({
      onMessage: (x, pkg) => void x.writePkg(pkg),
      onError: (_x, err) => void errors.push(err),
    });
    configure(s);
  });
  const got: Buffer[] = [];
  const done = deferred<Buffer[]>();
  const client = createTcpClient<Buffer>({ port: server.address.port, tls: tls ? { ca: tls.cert } : undefined });
  await client.runEventLoop((s) => {
    s.setPkgHandler(codec).setEventListener({
      onMessage: (_x, pkg) => {
        got.push(Buffer.from(pkg));
        if (got.length === count) done.resolve(got);
      },
    });
    configure(s);
  });
  return { server, client, errors, done: done.promise, session: client.sessions[0]! };
}

describe('TcpSession features', () => {
  for (const [name, type] of [
    ['deflate (best speed)', CompressType.BestSpeed],
    ['deflate (best compression)', CompressType.BestCompression],
    ['deflate (huffman only)', CompressType.Huffman],
    ['snappy', CompressType.Snappy],
  ] as const) {
    it(`round-trips packages with ${name} compression`, async () => {
      const pair = await echoPair(200, (s) => void s.setCompressType(type));
      const bodies = Array.from({ length: 200 }, (_, i) => Buffer.alloc(100 + i * 50, i % 251));
      for (const body of bodies) pair.session.writePkg(body);
      const echoed = await within(pair.done, 10_000, 'echo');
      assert.deepEqual(echoed, bodies);
      assert.ok(pair.session.stats.bytesOut > 0);
      await pair.client.close();
      await pair.server.close();
    });
  }

  it('closes a compressed session on a corrupt stream with a typed error', async () => {
    for (const type of [CompressType.Zip, CompressType.Snappy]) {
      const errors: RpcError[] = [];
      const server = createTcpServer<Buffer>({ port: 0 });
      await server.runEventLoop((s) => {
        s.setPkgHandler(codec).setCompressType(type).setEventListener({ onError: (_x, err) => void errors.push(err) });
      });
      const raw = await rawConnect(server.address.port);
      const closed = once(raw, 'close');
      raw.write(Buffer.from([0x00, 0x00, 0x00, 0x08, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa, 0xf9, 0xf8]));
      raw.write(Buffer.alloc(64, 0xff));
      await within(closed, 5000, 'corrupt session closed');
      assert.equal(errors.length, 1);
      assert.ok(isRpcError(errors[0], ErrorCode.BAD_PACKAGE), `got ${String(errors[0])}`);
      await server.close();
    }
  });

  it('refuses setCompressType after the session started', async () => {
    const pair = await echoPair(1, () => {});
    assert.throws(() => pair.session.setCompressType(CompressType.Zip), (err) => isRpcError(err, ErrorCode.INVALID_ARGUMENT));
    await pair.client.close();
    await pair.server.close();
  });

  it('calls onCron every cron period from the shared wheel', async () => {
    const ticks = deferred<Session<Buffer>>();
    let count = 0;
    const server = createTcpServer<Buffer>({ port: 0 });
    await server.runEventLoop((s) => {
      s.setPkgHandler(codec).setCronPeriod(15).setEventListener({
        onCron: (x) => {
          if (++count === 3) ticks.resolve(x);
        },
      });
    });
    const raw = await rawConnect(server.address.port);
    const session = await within(ticks.promise, 5000, 'three cron ticks');
    assert.equal(session.closed, false);
    raw.destroy();
    await server.close();
  });

  it('closes a session idle past its read timeout with READ_TIMEOUT', async () => {
    const failed = deferred<RpcError>();
    const server = createTcpServer<Buffer>({ port: 0 });
    await server.runEventLoop((s) => {
      s.setPkgHandler(codec).setReadTimeout(50).setEventListener({ onError: (_x, err) => failed.resolve(err) });
    });
    const raw = await rawConnect(server.address.port);
    const closed = once(raw, 'close');
    raw.resume();
    const err = await within(failed.promise, 5000, 'read timeout');
    assert.ok(isRpcError(err, ErrorCode.READ_TIMEOUT));
    await within(closed, 5000, 'peer saw the close');
    await server.close();
  });

  it('closes a session whose queued bytes do not drain within the write timeout', async () => {
    const failed = deferred<RpcError>();
    const server = createTcpServer<Buffer>({ port: 0 });
    await server.runEventLoop((s) => {
      s.setPkgHandler(codec).setWriteTimeout(100).setEventListener({
        onError: (_x, err) => failed.resolve(err),
        onOpen: (x) => {
          for (let i = 0; i < 256; i++) x.writePkg(Buffer.alloc(64 * 1024));
        },
      });
    });
    const raw = await rawConnect(server.address.port);
    raw.pause();
    const err = await within(failed.promise, 5000, 'write timeout');
    assert.ok(isRpcError(err, ErrorCode.WRITE_TIMEOUT), `got ${String(err)}`);
    raw.destroy();
    await server.close();
  });

  it('echoes through a TLS client and server with a generated certificate', async () => {
    const cert = await testCert();
    const pair = await echoPair(100, () => {}, cert);
    assert.equal(pair.session.kind, 'tls');
    for (let i = 0; i < 100; i++) pair.session.writePkg(Buffer.from(`t${i}`));
    const echoed = await within(pair.done, 10_000, 'echo');
    assert.deepEqual(echoed.map(String), Array.from({ length: 100 }, (_, i) => `t${i}`));
    await pair.client.close();
    await pair.server.close();
  });

  it('validates session settings with INVALID_ARGUMENT', async () => {
    const pair = await echoPair(1, () => {});
    const s = pair.session;
    const invalid = (err: unknown) => isRpcError(err, ErrorCode.INVALID_ARGUMENT);
    assert.throws(() => s.setCronPeriod(0), invalid);
    assert.throws(() => s.setMaxMsgLen(-1), invalid);
    assert.throws(() => s.setReadTimeout(Number.NaN), invalid);
    assert.throws(() => s.setMaxWriteBufferBytes(0), invalid);
    assert.throws(() => s.setPkgHandler({} as never), invalid);
    await pair.client.close();
    await pair.server.close();
  });
});
