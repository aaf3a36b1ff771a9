/**
 * The stream tests, run against every stream transport with raw
 * peers: sticky and split packets, an oversize header, random bytes.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, isRpcError, type RpcError } from '../../common/rpc-error.js';
import { LengthFieldCodec } from '../../transport/length-field-codec.js';
import type { Session } from '../../transport/session-contract.js';
import { createTcpServer } from '../../transport/tcp-server.js';
import { createWsServer } from '../../transport/ws-server.js';
import { connectRaw, type RawKind, writeOneByteAtATime } from './raw-peers.js';
import { within } from './helpers.js';
import { type TestCert, testCert } from './tls-fixture.js';

interface EchoServer {
  port: number;
  errors: RpcError[];
  messages: string[];
  close(): Promise<void>;
}

function configureEcho(kind: RawKind, session: Session<Buffer>, server: EchoServer): void {
  if (kind !== 'ws') session.setPkgHandler(new LengthFieldCodec()).setMaxMsgLen(64 * 1024);
  session.setEventListener({
    onMessage: (s, pkg) => {
      server.messages.push(pkg.toString());
      if (kind === 'ws') s.writeBytes(pkg);
      else s.writePkg(pkg);
    },
    onError: (_s, err) => void server.errors.push(err),
  });
}

async function startEcho(kind: RawKind, cert: TestCert): Promise<EchoServer> {
  const state = { errors: [] as RpcError[], messages: [] as string[] };
  if (kind === 'ws') {
    const server = createWsServer<Buffer>({ port: 0, path: '/' });
    const echo: EchoServer = { port: 0, ...state, close: () => server.close() };
    await server.runEventLoop((s) => configureEcho(kind, s, echo));
    echo.port = server.address.port;
    return echo;
  }
  const server = createTcpServer<Buffer>({ port: 0, tls: kind === 'tls' ? cert : undefined });
  const echo: EchoServer = { port: 0, ...state, close: () => server.close() };
  await server.runEventLoop((s) => configureEcho(kind, s, echo));
  echo.port = server.address.port;
  return echo;
}

function bodies(count: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => Buffer.from(`msg-${i}`));
}

/** A header that announces a 2 GiB body on this transport. */
function hugeHeader(kind: RawKind): Buffer {
  if (kind !== 'ws') {
    const header = Buffer.alloc(4);
    header.writeUInt32BE(2 ** 31, 0);
    return header;
  }
  const header = Buffer.from([0x82, 0x80 | 127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  header.writeUInt32BE(2 ** 31, 6);
  return header;
}

for (const kind of ['tcp', 'tls', 'ws'] as const) {
  describe(`stream transport: ${kind}`, () => {
    let cert: TestCert;
    let server: EchoServer;
    before(async () => {
      cert = await testCert();
      server = await startEcho(kind, cert);
    });
    after(() => server.close());

    it('decodes 10 000 packages sent as one buffer, in order', async () => {
      const peer = await connectRaw(kind, server.port, cert.cert);
      const sent = bodies(10_000);
      const echoed = peer.collect(sent.length);
      peer.socket.write(Buffer.concat(sent.map((b) => peer.frame(b))));
      assert.deepEqual(await within(echoed, 20_000, 'echo'), sent.map(String));
      peer.socket.destroy();
    });

    it('decodes the same stream delivered one byte at a time', async () => {
      const peer = await connectRaw(kind, server.port, cert.cert);
      const sent = bodies(10_000);
      const echoed = peer.collect(sent.length);
      await writeOneByteAtATime(peer.socket, Buffer.concat(sent.map((b) => peer.frame(b))));
      assert.deepEqual(await within(echoed, 60_000, 'echo'), sent.map(String));
      peer.socket.destroy();
    });

    it('closes a session whose header announces 2 GiB, before the body, and serves a second client meanwhile', async () => {
      const errorsBefore = server.errors.length;
      const bad = await connectRaw(kind, server.port, cert.cert);
      const good = await connectRaw(kind, server.port, cert.cert);
      bad.socket.on('error', () => {});
      bad.socket.resume();
      const closed = once(bad.socket, 'close');
      bad.socket.write(Buffer.concat([hugeHeader(kind), Buffer.alloc(512)]));
      const echoed = good.collect(1);
      good.socket.write(good.frame(Buffer.from('meanwhile')));
      assert.deepEqual(await within(echoed, 5000, 'second client'), ['meanwhile']);
      await within(closed, 5000, 'oversize session closed');
      // Earlier peers that vanished may add their own errors; look for ours.
      const fresh = server.errors.slice(errorsBefore);
      assert.ok(
        fresh.some((err) => isRpcError(err, ErrorCode.MSG_TOO_LONG)),
        `got ${fresh.map(String).join(', ')}`,
      );
      good.socket.destroy();
    });

    it('answers random bytes with a typed error, no crash, and keeps serving', async () => {
      for (let round = 0; round < 3; round++) {
        const errorsBefore = server.errors.length;
        const bad = await connectRaw(kind, server.port, cert.cert);
        bad.socket.on('error', () => {});
        bad.socket.resume();
        const closed = once(bad.socket, 'close');
        const junk = Buffer.alloc(2048);
        for (let i = 0; i < junk.length; i++) junk[i] = (i * 131 + round * 17 + 0xf3) & 0xff;
        junk[0] = 0xff;
        bad.socket.write(junk);
        await within(closed, 5000, 'junk session closed');
        const fresh = server.errors.slice(errorsBefore);
        assert.ok(fresh.length > 0, 'an error was reported');
        assert.ok(fresh.every((err) => isRpcError(err)), 'typed errors');
      }
      const good = await connectRaw(kind, server.port, cert.cert);
      const echoed = good.collect(1);
      good.socket.write(good.frame(Buffer.from('alive')));
      assert.deepEqual(await within(echoed, 5000, 'echo after junk'), ['alive']);
      good.socket.destroy();
    });
  });
}
