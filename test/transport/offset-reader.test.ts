import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { LengthFieldCodec } from '../../transport/length-field-codec.js';
import type { ReadWriter } from '../../transport/session-contract.js';
import { createTcpServer, type TcpServer } from '../../transport/tcp-server.js';
import { deferred, frames, rawConnect, within, writeByteByByte } from './helpers.js';

const codec = new LengthFieldCodec();

/** The same codec seen as a plain Reader: the session must hand it a view per package. */
const plainReader: ReadWriter<Buffer> = {
  read: (s, buf) => codec.read(s, buf),
  write: (s, pkg) => codec.write(s, pkg),
};

async function recordingServer(handler: ReadWriter<Buffer>, expected: number): Promise<{ server: TcpServer<Buffer>; got: Promise<string[]> }> {
  const done = deferred<string[]>();
  const messages: string[] = [];
  const server = createTcpServer<Buffer>({ host: '127.0.0.1', port: 0 });
  await server.runEventLoop((session) => {
    session.setPkgHandler(handler).setEventListener({
      onMessage: (_s, pkg) => {
        messages.push(pkg.toString());
        if (messages.length === expected) done.resolve(messages);
      },
    });
  });
  return { server, got: done.promise };
}

describe('TcpSession readers', () => {
  const servers: TcpServer<Buffer>[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  for (const [name, handler] of [
    ['an OffsetReader (readFrom)', codec],
    ['a plain Reader (read only)', plainReader],
  ] as const) {
    it(`decodes many packages from one chunk and from split bytes with ${name}`, async () => {
      const { wire, bodies } = frames(2000);
      const whole = await recordingServer(handler, bodies.length);
      const split = await recordingServer(handler, bodies.length);
      servers.push(whole.server, split.server);
      const a = await rawConnect(whole.server.address.port);
      const b = await rawConnect(split.server.address.port);
      b.setNoDelay(true);
      a.write(wire);
      await writeByteByByte(b, wire.subarray(0, 3000));
      b.write(wire.subarray(3000));
      assert.deepEqual(await within(whole.got, 10_000, 'one chunk'), bodies);
      assert.deepEqual(await within(split.got, 10_000, 'split bytes'), bodies);
      a.destroy();
      b.destroy();
    });
  }
});
