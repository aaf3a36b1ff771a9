/**
 * WebSocket echo: one binary message is one package. Run: node dist/examples/echo-ws/main.js
 */
import { createWsClient, createWsServer } from '../../transport/index.js';

const MESSAGES = 5;

async function main(): Promise<void> {
  const server = createWsServer<Buffer>({ port: 0, path: '/echo' });
  await server.runEventLoop((session) => {
    // No package handler: a WS package is the raw message Buffer.
    session.setEventListener({ onMessage: (s, pkg) => void s.writeBytes(pkg) });
  });
  console.log(`server listening on ${server.url}`);

  let count = 0;
  let finished!: () => void;
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const client = createWsClient<Buffer>({ url: server.url });
  await client.runEventLoop((session) => {
    session.setEventListener({
      onMessage: (_s, pkg) => {
        console.log(`client got: ${pkg.toString()}`);
        if (++count === MESSAGES) finished();
      },
    });
  });
  for (let i = 1; i <= MESSAGES; i++) client.sessions[0]!.writeBytes(Buffer.from(`ws hello #${i}`));
  await done;
  await client.close();
  await server.close();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
