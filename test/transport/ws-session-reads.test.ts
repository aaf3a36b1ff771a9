/**
 * The read path of a WebSocket session, against a `ws` peer on 127.0.0.1:
 * maxMsgLen at its boundary, what a package reader may answer and how a bad
 * answer ends the message it came in, and maxInflight on sessions without a
 * reader.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import type { ReadWriter } from '../../transport/session-contract.js';
import { type Deferred, deferred, waitFor } from './helpers.js';
import { connectTcp, upgradeWs, wsClientFrame } from './raw-peers.js';
import { openPeer, serveWs } from './ws-fixture.js';

/** One byte of length, then the body. */
function frame(body: string): Buffer {
  return Buffer.concat([Buffer.from([body.length]), Buffer.from(body)]);
}

/** A masked binary frame carrying `body` compressed with permessage-deflate (RFC 7692 §7.2.1). */
function deflatedClientFrame(body: Buffer): Buffer {
  const deflated = zlib.deflateRawSync(body, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  const frame = wsClientFrame(deflated.subarray(0, deflated.length - 4));
  frame[0] = 0xc2; // FIN, RSV1 (compressed), binary
  return frame;
}

/**
 * Reads `frame`s; some bodies make it misbehave: "throw" throws, "zero"
 * claims 0 bytes (the first time), "past-end" one byte more than the message
 * holds, "half" 1.5 bytes.
 */
function misbehavingReader(): ReadWriter<Buffer> {
  let zeroSeen = 0;
  return {
    read(_session, buf) {
      if (buf.length === 0) return { len: 0 };
      const end = 1 + buf[0]!;
      if (buf.length < end) return { len: end };
      const body = buf.subarray(1, end);
      switch (body.toString()) {
        case 'throw':
          throw new RpcError(ErrorCode.BAD_PACKAGE, 'the reader refused "throw"');
        case 'zero':
          return { pkg: body, len: zeroSeen++ === 0 ? 0 : end };
        case 'past-end':
          return { pkg: body, len: buf.length + 1 };
        case 'half':
          return { pkg: body, len: 1.5 };
        default:
          return { pkg: body, len: end };
      }
    },
    write: (_session, pkg) => pkg,
  };
}

describe('WebSocket session reads', () => {
  it('takes a message of exactly maxMsgLen bytes, reports one a byte longer, and keeps the session', async (t) => {
    const lengths: number[] = [];
    const { server, errors } = await serveWs({
      configure: (s) => s.setMaxMsgLen(100),
      listener: { onMessage: (_s, pkg) => void lengths.push(pkg.length) },
    });
    t.after(() => server.close());
    const peer = await openPeer(server.url);
    t.after(() => peer.terminate());
    peer.send(Buffer.alloc(100));
    peer.send(Buffer.alloc(101));
    peer.send(Buffer.from('end'));
    await waitFor(() => lengths.length === 2, 10_000, 'the last message');
    assert.deepEqual(lengths, [100, 3]);
    assert.deepEqual(
      errors.map((e) => [e.code, e.message]),
      [[ErrorCode.MSG_TOO_LONG, 'message of 101 bytes > max 100']],
    );
  });

  it('takes messages of any length when maxMsgLen is 0', async (t) => {
    const lengths: number[] = [];
    const { server, errors } = await serveWs({
      configure: (s) => s.setMaxMsgLen(0),
      listener: { onMessage: (_s, pkg) => void lengths.push(pkg.length) },
    });
    t.after(() => server.close());
    const peer = await openPeer(server.url);
    t.after(() => peer.terminate());
    peer.send(Buffer.alloc(2000));
    await waitFor(() => lengths.length === 1, 10_000, 'the message');
    assert.deepEqual(lengths, [2000]);
    assert.deepEqual(errors, []);
  });

  it('delivers the packages before a bad one, reports it once, and drops the rest of its message', async (t) => {
    const got: string[] = [];
    const { server, errors } = await serveWs({
      configure: (s) => s.setPkgHandler(misbehavingReader()),
      listener: { onMessage: (_s, pkg) => void got.push(pkg.toString()) },
    });
    t.after(() => server.close());
    const peer = await openPeer(server.url);
    t.after(() => peer.terminate());
    const messages = [
      ['six', 'seven'],
      ['one', 'throw', 'lost'],
      ['two', 'zero', 'lost'],
      ['three', 'past-end', 'lost'],
      ['four', 'half', 'lost'],
    ];
    for (const bodies of messages) peer.send(Buffer.concat(bodies.map(frame)));
    // A package cut short: its header announces 9 bytes, 3 follow.
    peer.send(Buffer.concat([frame('five'), Buffer.from([9]), Buffer.from('cut')]));
    peer.send(frame('end'));
    await waitFor(() => got.includes('end'), 10_000, 'the last message');
    assert.deepEqual(got, ['six', 'seven', 'one', 'two', 'three', 'four', 'five', 'end']);
    assert.deepEqual(
      errors.map((e) => [e.code, e.message]),
      [
        [ErrorCode.BAD_PACKAGE, 'the reader refused "throw"'],
        // `from` counts the bytes left in the message at the bad package.
        [ErrorCode.BAD_PACKAGE, 'reader returned a package of 0 bytes from 10'],
        [ErrorCode.BAD_PACKAGE, 'reader returned a package of 15 bytes from 14'],
        [ErrorCode.BAD_PACKAGE, 'reader returned a package of 1.5 bytes from 10'],
        [ErrorCode.BAD_PACKAGE, 'message ends inside a package (4 bytes left)'],
      ],
    );
  });

  it('without a reader, holds whole messages at maxInflight and reads on as calls settle', async (t) => {
    const got: string[] = [];
    const calls: Deferred<void>[] = [];
    const { server, session } = await serveWs({
      configure: (s) => s.setMaxInflight(1),
      listener: {
        onMessage: (_s, pkg) => {
          got.push(pkg.toString());
          const call = deferred();
          calls.push(call);
          return call.promise;
        },
      },
    });
    t.after(() => server.close());
    const peer = await openPeer(server.url);
    t.after(() => peer.terminate());
    const s = await session;
    for (const m of ['m0', 'm1', 'm2']) peer.send(Buffer.from(m));
    await waitFor(() => s.stats.bytesIn === 6, 10_000, 'three messages read');
    assert.deepEqual(got, ['m0'], 'one call unsettled: the next messages wait');
    calls[0]!.resolve();
    await waitFor(() => got.length === 2, 10_000, 'm1');
    calls[1]!.resolve();
    await waitFor(() => got.length === 3, 10_000, 'm2');
    calls[2]!.resolve();
    await waitFor(() => s.inflight === 0, 10_000, 'calls settled');
    // The socket was paused while messages waited: it reads again.
    peer.send(Buffer.from('m3'));
    await waitFor(() => got.length === 4, 10_000, 'm3');
    assert.deepEqual(got, ['m0', 'm1', 'm2', 'm3']);
  });

  it('keeps a compressed message behind the ones waiting at maxInflight, though a call settled while it was inflated', async (t) => {
    const got: string[] = [];
    const calls: Deferred<void>[] = [];
    const { server, session } = await serveWs({
      configure: (s) => s.setMaxInflight(4),
      listener: {
        onMessage: (_s, pkg) => {
          got.push(pkg.length > 100 ? `big-${pkg.length}` : pkg.toString());
          const call = deferred();
          calls.push(call);
          // One call settles while m4 waits and the compressed message is inflated:
          // 3 unsettled calls leave room, but reading resumes only at 2.
          if (got.length === 4) calls[0]!.resolve();
          return call.promise;
        },
      },
      server: { perMessageDeflate: true },
    });
    t.after(() => server.close());
    const raw = await upgradeWs(await connectTcp(server.address.port), 'Sec-WebSocket-Extensions: permessage-deflate\r\n');
    t.after(() => raw.destroy());
    const s = await session;
    const small = ['m0', 'm1', 'm2', 'm3', 'm4'].map((m) => wsClientFrame(Buffer.from(m)));
    // One write: ws reads the plain messages at once and inflates the last one afterwards.
    raw.write(Buffer.concat([...small, deflatedClientFrame(Buffer.alloc(2000, 'a'))]));
    await waitFor(() => s.stats.bytesIn === 10 + 2000, 10_000, 'all six messages read');
    assert.deepEqual(got, ['m0', 'm1', 'm2', 'm3']);
    calls[1]!.resolve();
    await waitFor(() => got.length === 6, 10_000, 'the waiting messages');
    assert.deepEqual(got, ['m0', 'm1', 'm2', 'm3', 'm4', 'big-2000']);
    for (const call of calls) call.resolve();
    raw.destroy();
  });
});
