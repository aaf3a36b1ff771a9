import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { describe, it, type TestContext } from 'node:test';
import { ErrorCode, isRpcError, type RpcError } from '../../common/rpc-error.js';
import { CompressType } from '../../transport/compress-type.js';
import { LengthFieldCodec } from '../../transport/length-field-codec.js';
import type { ReadWriter, Session } from '../../transport/session-contract.js';
import { createUdpClient } from '../../transport/udp-client.js';
import { createUdpEndpoint, type UdpEndpoint } from '../../transport/udp-endpoint.js';
import type { UdpContext, UdpSession } from '../../transport/udp-session.js';
import { deferred, waitFor } from './helpers.js';

const codec = new LengthFieldCodec();

/** An unconnected endpoint that echoes each package back to its sender. */
async function echoEndpoint(): Promise<{ endpoint: UdpEndpoint<Buffer>; errors: RpcError[] }> {
  const errors: RpcError[] = [];
  const endpoint = createUdpEndpoint<Buffer>({ port: 0 });
  await endpoint.runEventLoop((s) => {
    s.setPkgHandler(codec as never).setMaxMsgLen(1024);
    s.setEventListener({
      onMessage: (x, ctx: UdpContext<Buffer>) => void x.writePkg({ pkg: ctx.pkg, peer: ctx.peer }),
      onError: (_x, err) => void errors.push(err),
    });
  });
  return { endpoint, errors };
}

interface Recorder {
  endpoint: UdpEndpoint<Buffer>;
  session: Session<UdpContext<Buffer>>;
  messages: UdpContext<Buffer>[];
  errors: RpcError[];
  /**
   * Resolves once `count` packages and errors arrived in all, or a package
   * reading `last`: datagrams from one peer are handled in order on loopback,
   * so a wrong outcome fails an assertion instead of leaving the test waiting.
   */
  settled(count: number, last?: string): Promise<void>;
}

/** An endpoint that keeps what it receives; `configure` sets it up further (handler, limits). */
async function recordingEndpoint(t: TestContext, configure: (s: Session<UdpContext<Buffer>>) => void = () => {}): Promise<Recorder> {
  const messages: UdpContext<Buffer>[] = [];
  const errors: RpcError[] = [];
  let waiter: { count: number; last: string | undefined; resolve(): void } | null = null;
  const check = () => {
    if (waiter === null) return;
    const lastArrived = waiter.last !== undefined && messages.at(-1)?.pkg.toString() === waiter.last;
    if (lastArrived || messages.length + errors.length >= waiter.count) waiter.resolve();
  };
  const opened = deferred<Session<UdpContext<Buffer>>>();
  const endpoint = createUdpEndpoint<Buffer>({ port: 0 });
  t.after(() => endpoint.close());
  await endpoint.runEventLoop((s) => {
    configure(s);
    s.setEventListener({
      onOpen: (x) => opened.resolve(x),
      onMessage: (_x, ctx) => {
        messages.push(ctx);
        check();
      },
      onError: (_x, err) => {
        errors.push(err);
        check();
      },
    });
  });
  const settled = (count: number, last?: string) => {
    const done = deferred();
    waiter = { count, last, resolve: done.resolve };
    check();
    return done.promise;
  };
  return { endpoint, session: await opened.promise, messages, errors, settled };
}

/** A plain UDP socket on 127.0.0.1 that plays the peer. */
async function rawPeer(t: TestContext): Promise<{ socket: dgram.Socket; port: number; send(text: string | Buffer, port: number): void }> {
  const socket = dgram.createSocket('udp4');
  t.after(() => socket.close());
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return { socket, port: socket.address().port, send: (text, port) => socket.send(Buffer.from(text), port, '127.0.0.1') };
}

describe('UDP sessions', () => {
  it('echoes packages between a connected client and an unconnected endpoint', async (t) => {
    const { endpoint } = await echoEndpoint();
    t.after(() => endpoint.close());
    const got: string[] = [];
    const all = deferred();
    const client = createUdpClient<Buffer>({ port: endpoint.address.port });
    t.after(() => client.close());
    await client.runEventLoop((s) => {
      s.setPkgHandler(codec).setEventListener({
        onMessage: (_s, pkg) => {
          got.push(pkg.toString());
          if (got.length === 20) all.resolve();
        },
      });
    });
    const [session] = client.sessions as Session<Buffer>[];
    assert.equal(session!.kind, 'udp-client');
    for (let i = 0; i < 20; i++) session!.writePkg(Buffer.from(`d${i}`));
    await all.promise;
    assert.deepEqual([...got].sort(), Array.from({ length: 20 }, (_, i) => `d${i}`).sort());
    await client.close();
    await client.close();
    await endpoint.close();
  });

  it('names its sessions and gives an endpoint its local address and no remote one', async (t) => {
    const { endpoint, session } = await recordingEndpoint(t);
    const client = createUdpClient<Buffer>({ port: endpoint.address.port });
    t.after(() => client.close());
    await client.runEventLoop(() => undefined);
    const clientSession = client.sessions[0]! as UdpSession<Buffer>;
    assert.equal(session.kind, 'udp-endpoint');
    assert.equal(session.name, 'udp-session');
    assert.equal(session.localAddress, `127.0.0.1:${endpoint.address.port}`);
    assert.equal(session.remoteAddress, '');
    assert.equal(clientSession.kind, 'udp-client');
    assert.equal(clientSession.name, 'udp-session');
    assert.equal(clientSession.localAddress, `127.0.0.1:${clientSession.socket.address().port}`);
    assert.equal(clientSession.remoteAddress, `127.0.0.1:${endpoint.address.port}`);
  });

  it('refuses compression on a UDP session', async (t) => {
    const outcomes: unknown[] = [];
    const endpoint = createUdpEndpoint<Buffer>({ port: 0 });
    t.after(() => endpoint.close());
    await endpoint.runEventLoop((s) => {
      s.setCompressType(CompressType.None);
      outcomes.push('none accepted');
      try {
        s.setCompressType(CompressType.Zip);
      } catch (err) {
        outcomes.push(err);
      }
    });
    assert.equal(outcomes.length, 2);
    assert.equal(outcomes[0], 'none accepted');
    const err = outcomes[1] as RpcError;
    assert.ok(isRpcError(err, ErrorCode.INVALID_ARGUMENT), `got ${String(err)}`);
    assert.equal(err.message, 'UDP sessions do not compress');
    assert.equal((endpoint.sessions[0] as unknown as UdpSession).compressType, CompressType.None);
  });

  it('without a package handler delivers raw datagrams, skips connect-ping and counts every datagram it reads', async (t) => {
    const rec = await recordingEndpoint(t, (s) => void s.setMaxMsgLen(12));
    const peer = await rawPeer(t);
    const target = rec.endpoint.address.port;
    const all = rec.settled(3, 'end');
    peer.send('connect-ping', target); // getty's liveness probe: 12 bytes, not a package
    peer.send('twelve bytes', target); // exactly maxMsgLen: taken
    peer.send('thirteen byte', target); // one byte over: reported
    peer.send('end', target);
    await all;
    assert.deepEqual(
      rec.messages.map((m) => m.pkg.toString()),
      ['twelve bytes', 'end'],
    );
    assert.ok(Buffer.isBuffer(rec.messages[0]!.pkg));
    assert.deepEqual(rec.messages[0]!.peer, { address: '127.0.0.1', port: peer.port });
    assert.equal(rec.errors.length, 1);
    assert.ok(isRpcError(rec.errors[0], ErrorCode.MSG_TOO_LONG));
    assert.equal(rec.errors[0]!.message, 'datagram of 13 bytes > max 12');
    assert.equal(rec.session.stats.bytesIn, 12 + 13 + 3);
    assert.equal(rec.session.stats.pkgsIn, 2);
  });

  it('takes datagrams of any length when maxMsgLen is 0', async (t) => {
    const rec = await recordingEndpoint(t, (s) => void s.setMaxMsgLen(0));
    const peer = await rawPeer(t);
    const big = Buffer.alloc(2000, 0x61);
    const arrived = rec.settled(1);
    peer.send(big, rec.endpoint.address.port);
    await arrived;
    assert.equal(rec.messages.length, 1);
    assert.deepEqual(rec.errors, []);
  });

  it('reports a datagram the package handler finds short or overrun as BAD_PACKAGE', async (t) => {
    // "short": the handler wants more bytes (no package); "overrun": it claims more bytes than the datagram holds.
    const handler: ReadWriter<Buffer> = {
      read: (_s, buf) => {
        const text = buf.toString();
        if (text === 'short') return { pkg: undefined, len: 0 };
        return { pkg: buf, len: text === 'overrun' ? buf.length + 1 : buf.length };
      },
      write: (_s, pkg) => pkg,
    };
    const rec = await recordingEndpoint(t, (s) => void s.setPkgHandler(handler as never));
    const peer = await rawPeer(t);
    const target = rec.endpoint.address.port;
    peer.send('short', target);
    peer.send('overrun', target);
    const all = rec.settled(3, 'whole');
    peer.send('whole', target);
    await all;
    assert.deepEqual(
      rec.messages.map((m) => m.pkg.toString()),
      ['whole'],
    );
    assert.equal(rec.errors.length, 2);
    for (const err of rec.errors) {
      assert.ok(isRpcError(err, ErrorCode.BAD_PACKAGE), `got ${String(err)}`);
      assert.equal(err.message, 'datagram does not hold a whole package');
    }
  });

  it('reports and skips bad and oversize datagrams, and keeps serving', async (t) => {
    const { endpoint, errors } = await echoEndpoint();
    t.after(() => endpoint.close());
    const raw = await rawPeer(t);
    const target = endpoint.address.port;
    raw.send(Buffer.from([0, 0, 0, 9, 1]), target); // announces 9 bytes, holds 1
    raw.send(Buffer.alloc(4096, 1), target); // over maxMsgLen
    const reply = once(raw.socket, 'message');
    raw.send(codec.encode(Buffer.from('fine')), target);
    const [msg] = (await reply) as [Buffer];
    assert.equal(msg.subarray(4).toString(), 'fine');
    assert.equal(errors.length, 2);
    assert.ok(isRpcError(errors[0], ErrorCode.BAD_PACKAGE));
    assert.ok(isRpcError(errors[1], ErrorCode.MSG_TOO_LONG));
    assert.equal(errors[1]!.message, 'datagram of 4096 bytes > max 1024');
    assert.equal(endpoint.sessions.length, 1);
  });

  it('counts what an endpoint sends and returns false above the high-water mark until the bytes left', async (t) => {
    const rec = await recordingEndpoint(t, (s) => void s.setWriteHighWaterMark(4));
    const peer = await rawPeer(t);
    const got: string[] = [];
    const both = deferred();
    peer.socket.on('message', (msg: Buffer) => {
      got.push(msg.toString());
      if (got.length === 2) both.resolve();
    });
    const to = { address: '127.0.0.1', port: peer.port };
    assert.equal(rec.session.writePkg({ pkg: Buffer.from('abcd'), peer: to }), true, '4 bytes in flight: at the mark');
    assert.equal(rec.session.bufferedBytes, 4);
    assert.equal(rec.session.writePkg({ pkg: Buffer.from('efgh'), peer: to }), false, '8 bytes in flight: above the mark');
    assert.equal(rec.session.bufferedBytes, 8);
    assert.equal(rec.session.stats.pkgsOut, 2);
    assert.equal(rec.session.stats.bytesOut, 8);
    await both.promise;
    assert.deepEqual(got, ['abcd', 'efgh']);
    await waitFor(() => rec.session.bufferedBytes === 0, 5000, 'sends completed');
    assert.equal(rec.session.writePkg({ pkg: Buffer.from('ijkl'), peer: to }), true);
    assert.deepEqual(rec.errors, []);
  });

  it('sends the buffers of one package as one datagram', async (t) => {
    const rec = await recordingEndpoint(t);
    const client = createUdpClient<Buffer>({ port: rec.endpoint.address.port });
    const split: ReadWriter<Buffer> = {
      read: (_s, buf) => ({ pkg: buf, len: buf.length }),
      write: (_s, pkg) => [pkg.subarray(0, 2), pkg.subarray(2)],
    };
    t.after(() => client.close());
    await client.runEventLoop((s) => void s.setPkgHandler(split));
    const session = client.sessions[0]!;
    const done = rec.settled(2);
    assert.equal(session.writePkg(Buffer.from('abcd')), true);
    assert.equal(session.writeBytesArray([Buffer.from('one')]), true);
    await done;
    assert.deepEqual(
      rec.messages.map((m) => m.pkg.toString()),
      ['abcd', 'one'],
    );
    assert.equal(session.stats.bytesOut, 7);
  });

  it('reports a send the kernel refuses as NETWORK and releases its bytes', async (t) => {
    const rec = await recordingEndpoint(t);
    // Broadcast without SO_BROADCAST: the send fails in its callback (EACCES), after the write returned.
    rec.session.writePkg({ pkg: Buffer.from('nope'), peer: { address: '255.255.255.255', port: 9 } });
    assert.equal(rec.session.bufferedBytes, 4);
    await waitFor(() => rec.errors.length === 1, 5000, 'the send error');
    assert.ok(isRpcError(rec.errors[0], ErrorCode.NETWORK), `got ${String(rec.errors[0])}`);
    assert.equal(rec.session.bufferedBytes, 0);
    assert.equal(rec.session.closed, false);
  });

  it('reports ICMP port unreachable on a connected client as NETWORK and keeps the session', async (t) => {
    const rec = await recordingEndpoint(t);
    const errors: RpcError[] = [];
    const client = createUdpClient<Buffer>({ port: rec.endpoint.address.port });
    t.after(() => client.close());
    await client.runEventLoop((s) => void s.setEventListener({ onError: (_s, err) => void errors.push(err) }));
    await rec.endpoint.close();
    const session = client.sessions[0]!;
    session.writeBytes(Buffer.from('anyone?'));
    await waitFor(() => errors.length > 0, 5000, 'the ICMP error');
    assert.ok(isRpcError(errors[0], ErrorCode.NETWORK), `got ${String(errors[0])}`);
    assert.match(errors[0]!.message, /^udp error: .*ECONNREFUSED/);
    assert.equal((errors[0]!.cause as NodeJS.ErrnoException).code, 'ECONNREFUSED');
    assert.equal(session.closed, false);
  });

  it('closes the session when its socket closes underneath it', async (t) => {
    const closedOnce = deferred();
    let closes = 0;
    const endpoint = createUdpEndpoint<Buffer>({ port: 0 });
    t.after(() => endpoint.close());
    await endpoint.runEventLoop(
      (s) =>
        void s.setEventListener({
          onClose: () => {
            closes++;
            closedOnce.resolve();
          },
        }),
    );
    const session = endpoint.sessions[0]! as unknown as UdpSession<UdpContext<Buffer>>;
    session.socket.close();
    await closedOnce.promise;
    assert.equal(session.closed, true);
    assert.equal(session.closeReason, undefined);
    assert.equal(endpoint.sessions.length, 0);
    await endpoint.close();
    assert.equal(closes, 1);
  });

  it('checks the peer of a raw sendTo before counting anything, and sends the bytes as they are', async (t) => {
    const rec = await recordingEndpoint(t, (s) => void s.setPkgHandler(codec as never));
    const endpointSession = rec.session as unknown as UdpSession<UdpContext<Buffer>>;
    const peer = await rawPeer(t);
    const client = createUdpClient<Buffer>({ port: rec.endpoint.address.port });
    t.after(() => client.close());
    await client.runEventLoop(() => undefined);
    const clientSession = client.sessions[0]! as UdpSession<Buffer>;
    const raw = Buffer.from('raw');
    const to = { address: '127.0.0.1', port: peer.port };
    assert.throws(
      () => endpointSession.sendTo(raw, null),
      (err) => isRpcError(err, ErrorCode.INVALID_ARGUMENT) && err.message === 'a UDP endpoint sends to a peer { address, port }',
    );
    assert.throws(
      () => endpointSession.sendTo(raw, { address: '127.0.0.1', port: 0 }),
      (err) => isRpcError(err, ErrorCode.INVALID_ARGUMENT) && err.message === 'a UDP endpoint sends to a peer { address, port }',
    );
    assert.throws(
      () => clientSession.sendTo(raw, to),
      (err) => isRpcError(err, ErrorCode.INVALID_ARGUMENT) && err.message === 'a UDP client sends to its own peer: sendTo(buf, null)',
    );
    assert.equal(endpointSession.bufferedBytes + clientSession.bufferedBytes, 0);
    assert.equal(endpointSession.stats.bytesOut + clientSession.stats.bytesOut, 0);
    const got = once(peer.socket, 'message');
    assert.equal(endpointSession.sendTo(raw, to), true);
    const [msg] = (await got) as [Buffer];
    assert.equal(msg.toString(), 'raw', 'not framed by the package handler');
    const arrived = rec.settled(1);
    clientSession.sendTo(codec.encode(Buffer.from('via client')), null);
    await arrived;
    assert.deepEqual(
      rec.messages.map((m) => m.pkg.toString()),
      ['via client'],
    );
  });

  it('fails a connected client to a port with no listener (ICMP port unreachable)', async (t) => {
    const probe = dgram.createSocket('udp4');
    probe.bind(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = probe.address().port;
    probe.close();
    const client = createUdpClient<Buffer>({ port, connectCheckMs: 2000 });
    t.after(() => client.close());
    await assert.rejects(client.runEventLoop(() => {}), (err) => isRpcError(err, ErrorCode.CONNECT_FAILED));
    assert.equal(client.sessions.length, 0);
    await client.close();
  });

  it('refuses endpoint writes that are not a UdpContext with a valid peer, sending and counting nothing', async (t) => {
    const rec = await recordingEndpoint(t);
    const { session } = rec;
    const notContext = (err: unknown) =>
      isRpcError(err, ErrorCode.INVALID_ARGUMENT) && err.message === 'a UDP endpoint writes UdpContext { pkg, peer }';
    assert.throws(
      () => session.writeBytes(Buffer.from('x')),
      (err) => isRpcError(err, ErrorCode.INVALID_ARGUMENT) && err.message === 'a UDP endpoint needs a peer: writePkg({ pkg, peer })',
    );
    const pkg = Buffer.from('x');
    const bad: unknown[] = [
      null,
      undefined,
      'x',
      { pkg },
      { pkg, peer: null },
      { pkg, peer: { port: 9 } },
      { pkg, peer: { address: '127.0.0.1' } },
      { pkg, peer: { address: '127.0.0.1', port: '9' } },
      { pkg, peer: { address: '127.0.0.1', port: 1.5 } },
      { pkg, peer: { address: '127.0.0.1', port: 0 } },
      { pkg, peer: { address: '127.0.0.1', port: 65536 } },
    ];
    for (const ctx of bad) assert.throws(() => session.writePkg(ctx as never), notContext, `writePkg(${JSON.stringify(ctx)})`);
    assert.throws(
      () => session.writePkg({ pkg: 'text' as unknown as Buffer, peer: { address: '127.0.0.1', port: 9 } }),
      (err) => isRpcError(err, ErrorCode.INVALID_ARGUMENT) && err.message === 'without a package handler a UDP endpoint sends Buffers only',
    );
    assert.deepEqual(session.stats, { bytesIn: 0, bytesOut: 0, pkgsIn: 0, pkgsOut: 0 });
    assert.equal(session.bufferedBytes, 0);
    assert.equal(session.writePkg({ pkg, peer: { address: '127.0.0.1', port: 65535 } }), true, 'the highest port is a peer');
    await rec.endpoint.close();
    assert.throws(
      () => session.writePkg({ pkg: Buffer.from('x'), peer: { address: '127.0.0.1', port: 9 } }),
      (err) => isRpcError(err, ErrorCode.SESSION_CLOSED),
    );
  });
});
