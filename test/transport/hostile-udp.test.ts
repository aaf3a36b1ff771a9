/**
 * UDP peers: garbage that makes the Reader throw a plain Error becomes a
 * typed BAD_PACKAGE, an oversize datagram MSG_TOO_LONG, and datagrams past
 * maxInflight are dropped with LIMIT_EXCEEDED; the endpoint keeps serving.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError, type RpcError } from '../../common/rpc-error.js';
import type { ReadWriter, Session } from '../../transport/session-contract.js';
import { createUdpEndpoint } from '../../transport/udp-endpoint.js';
import type { UdpContext } from '../../transport/udp-session.js';
import { deferred, waitFor } from './helpers.js';

/** One datagram = "ok:<text>"; anything else throws a plain RangeError (as a careless decoder does). */
const strictCodec: ReadWriter<Buffer> = {
  read(_s, buf) {
    if (buf.toString('latin1', 0, 3) !== 'ok:') buf.readUInt32BE(buf.length); // throws RangeError
    return { pkg: buf.subarray(3), len: buf.length };
  },
  write: (_s, pkg) => Buffer.concat([Buffer.from('ok:'), pkg]),
};

describe('hostile peers: UDP datagrams', () => {
  it('turns garbage and oversize datagrams into typed errors and drops datagrams past maxInflight', async (t) => {
    const errors: RpcError[] = [];
    const gate = deferred();
    const endpoint = createUdpEndpoint<Buffer>({ port: 0 });
    t.after(() => endpoint.close());
    await endpoint.runEventLoop((s) => {
      s.setPkgHandler(strictCodec as never)
        .setMaxMsgLen(512)
        .setMaxInflight(2);
      s.setEventListener({
        onMessage: async (x, ctx: UdpContext<Buffer>) => {
          if (ctx.pkg.toString() === 'wait') await gate.promise;
          else x.writePkg({ pkg: ctx.pkg, peer: ctx.peer });
        },
        onError: (_x, err) => void errors.push(err),
      });
    });
    const raw = dgram.createSocket('udp4');
    t.after(() => raw.close());
    raw.bind(0, '127.0.0.1');
    await once(raw, 'listening');
    const send = (text: string | Buffer) => raw.send(Buffer.from(text), endpoint.address.port, '127.0.0.1');
    send('garbage');
    send(Buffer.alloc(2048, 0x41));
    await waitFor(() => errors.length === 2, 5000, 'two errors');
    assert.deepEqual(
      errors.map((e) => e.code),
      [ErrorCode.BAD_PACKAGE, ErrorCode.MSG_TOO_LONG],
    );
    send('ok:wait');
    send('ok:wait');
    send('ok:dropped');
    await waitFor(() => errors.length === 3, 5000, 'third error');
    assert.equal(errors[2]!.code, ErrorCode.LIMIT_EXCEEDED);
    assert.equal(errors[2]!.message, 'task pool full or maxInflight reached: datagram dropped');
    gate.resolve();
    await waitFor(() => endpoint.sessions[0]!.inflight === 0, 5000, 'calls settled');
    const reply = once(raw, 'message');
    send('ok:fine');
    const [msg] = (await reply) as [Buffer];
    assert.equal(msg.toString(), 'ok:fine');
  });

  it('turns a package handler that throws on write into BAD_PACKAGE, and nothing is sent', async (t) => {
    const opened = deferred<Session<UdpContext<Buffer>>>();
    const endpoint = createUdpEndpoint<Buffer>({ port: 0 });
    t.after(() => endpoint.close());
    await endpoint.runEventLoop((s) => {
      s.setPkgHandler(strictCodec as never).setEventListener({ onOpen: (x) => opened.resolve(x) });
    });
    const session = await opened.promise;
    // Buffer.concat throws a plain TypeError on a string: the careless encoder.
    const pkg = 'not a Buffer' as unknown as Buffer;
    assert.throws(
      () => session.writePkg({ pkg, peer: { address: '127.0.0.1', port: 9 } }),
      (err) => isRpcError(err, ErrorCode.BAD_PACKAGE) && err.cause instanceof TypeError,
    );
    assert.equal(session.stats.pkgsOut, 0);
    assert.equal(session.bufferedBytes, 0);
  });
});
