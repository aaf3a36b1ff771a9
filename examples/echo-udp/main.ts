/**
 * UDP echo: an unconnected endpoint answers each datagram to its sender
 * (UdpContext { pkg, peer }); a connected client sends and reads replies.
 * Run: node dist/examples/echo-udp/main.js
 */
import { createUdpClient, createUdpEndpoint, LengthFieldCodec, type UdpContext } from '../../transport/index.js';

const MESSAGES = 5;

async function main(): Promise<void> {
  const codec = new LengthFieldCodec();
  const endpoint = createUdpEndpoint<Buffer>({ port: 0 });
  await endpoint.runEventLoop((session) => {
    session.setPkgHandler(codec as never);
    session.setEventListener({
      onMessage: (s, ctx: UdpContext<Buffer>) => void s.writePkg({ pkg: ctx.pkg, peer: ctx.peer }),
    });
  });
  console.log(`endpoint bound to ${endpoint.address.host}:${endpoint.address.port}`);

  let count = 0;
  let finished!: () => void;
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const client = createUdpClient<Buffer>({ port: endpoint.address.port });
  await client.runEventLoop((session) => {
    session.setPkgHandler(codec).setEventListener({
      onMessage: (_s, pkg) => {
        console.log(`client got: ${pkg.toString()}`);
        if (++count === MESSAGES) finished();
      },
    });
  });
  for (let i = 1; i <= MESSAGES; i++) client.sessions[0]!.writePkg(Buffer.from(`datagram #${i}`));
  await done;
  await client.close();
  await endpoint.close();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
