import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError, type RpcError } from '../../common/rpc-error.js';
import { LengthFieldCodec } from '../../transport/length-field-codec.js';
import type { Session } from '../../transport/session-contract.js';
import { createUdpClient } from '../../transport/udp-client.js';
import { createUdpEndpoint, type UdpEndpoint } from '../../transport/udp-endpoint.js';
import type { UdpContext } from '../../transport/udp-session.js';
import { deferred, within } from './helpers.js';

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

describe('UDP sessions', () => {
  it('echoes packages between a connected client and an unconnected endpoint', async () => {
    const { endpoint } = await echoEndpoint();
    const got: string[] = [];
    const all = deferred();
    const client = createUdpClient<Buffer>({ port: endpoint.address.port });
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
    await within(all.promise, 5000, 'echoes');
    assert.deepEqual([...got].sort(), Array.from({ length: 20 }, (_, i) => `d${i}`).sort());
    await client.close();
    await client.close();
    await endpoint.close();
  });

  it('reports and skips bad and oversize datagrams, and keeps serving', async () => {
    const { endpoint, errors } = await echoEndpoint();
    const raw = dgram.createSocket('udp4');
    raw.bind(0, '127.0.0.1');
    await once(raw, 'listening');
    const target = endpoint.address.port;
    raw.send(Buffer.from([0, 0, 0, 9, 1]), target, '127.0.0.1'); // announces 9 bytes, holds 1
    raw.send(Buffer.alloc(4096, 1), target, '127.0.0.1'); // over maxMsgLen
    const reply = once(raw, 'message');
    raw.send(codec.encode(Buffer.from('fine')), target, '127.0.0.1');
    const [msg] = (await within(reply, 5000, 'reply')) as [Buffer];
    assert.equal(msg.subarray(4).toString(), 'fine');
    assert.equal(errors.length, 2);
    assert.ok(isRpcError(errors[0], ErrorCode.BAD_PACKAGE));
    assert.ok(isRpcError(errors[1], ErrorCode.MSG_TOO_LONG));
    assert.equal(endpoint.sessions.length, 1);
    raw.close();
    await endpoint.close();
  });

  it('fails a connected client to a port with no listener (ICMP port unreachable)', async () => {
    const probe = dgram.createSocket('udp4');
    probe.bind(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = probe.address().port;
    probe.close();
    const client = createUdpClient<Buffer>({ port, connectCheckMs: 2000 });
    await assert.rejects(
      within(client.runEventLoop(() => {}), 5000, 'connect check'),
      (err) => isRpcError(err, ErrorCode.CONNECT_FAILED),
    );
    assert.equal(client.sessions.length, 0);
    await client.close();
  });

  it('rejects an endpoint write without a peer with INVALID_ARGUMENT', async () => {
    const opened = deferred<Session<UdpContext<Buffer>>>();
    const endpoint = createUdpEndpoint<Buffer>({ port: 0 });
    await endpoint.runEventLoop((s) => void s.setEventListener({ onOpen: (x) => opened.resolve(x) }));
    const session = await opened.promise;
    assert.throws(() => session.writeBytes(Buffer.from('x')), (err) => isRpcError(err, ErrorCode.INVALID_ARGUMENT));
    assert.throws(() => session.writePkg({ pkg: Buffer.from('x') } as never), (err) => isRpcError(err, ErrorCode.INVALID_ARGUMENT));
    await endpoint.close();
    assert.throws(
      () => session.writePkg({ pkg: Buffer.from('x'), peer: { address: '127.0.0.1', port: 9 } }),
      (err) => isRpcError(err, ErrorCode.SESSION_CLOSED),
    );
  });
});
