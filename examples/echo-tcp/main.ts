/**
 * TCP echo: a server and a client in one process exchange length-prefixed
 * messages over 127.0.0.1, then both close. Run: node dist/examples/echo-tcp/main.js
 */
import { createTcpClient, createTcpServer, LengthFieldCodec, type Session } from '../../transport/index.js';

const MESSAGES = 5;

async function main(): Promise<void> {
  const codec = new LengthFieldCodec();
  const server = createTcpServer<Buffer>({ host: '127.0.0.1', port: 0 });
  await server.runEventLoop((session) => {
    session.setPkgHandler(codec).setMaxMsgLen(64 * 1024);
    session.setEventListener({ onMessage: (s, pkg) => void s.writePkg(pkg) });
  });
  console.log(`server listening on ${server.address.host}:${server.address.port}`);

  const replies: string[] = [];
  let allReplied!: () => void;
  const done = new Promise<void>((resolve) => {
    allReplied = resolve;
  });
  const client = createTcpClient<Buffer>({ host: '127.0.0.1', port: server.address.port, connectionNumber: 1 });
  await client.runEventLoop((session: Session<Buffer>) => {
    session.setPkgHandler(codec).setEventListener({
      onMessage: (_s, pkg) => {
        replies.push(pkg.toString());
        console.log(`client got: ${pkg.toString()}`);
        if (replies.length === MESSAGES) allReplied();
      },
    });
  });

  const [session] = client.sessions;
  for (let i = 1; i <= MESSAGES; i++) session!.writePkg(Buffer.from(`hello #${i}`));
  await done;
  await client.close();
  await server.close();
  console.log(`echo-tcp: ${replies.length} messages echoed`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
