/**
 * Secure WebSocket echo with permessage-deflate, over a self-signed
 * certificate made at start-up. Run: node dist/examples/echo-wss/main.js
 */
import { generate } from 'selfsigned';
import { CompressType, createWsClient, createWsServer } from '../../transport/index.js';

async function main(): Promise<void> {
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  });
  const tls = { key: pems.private, cert: pems.cert };
  const server = createWsServer<Buffer>({ port: 0, path: '/echo', tls, perMessageDeflate: true });
  await server.runEventLoop((session) => {
    session.setCompressType(CompressType.BestSpeed);
    session.setEventListener({ onMessage: (s, pkg) => void s.writeBytes(pkg) });
  });

  let gotReply!: (pkg: Buffer) => void;
  const reply = new Promise<Buffer>((resolve) => {
    gotReply = resolve;
  });
  const client = createWsClient<Buffer>({ url: server.url, tls: { ca: pems.cert }, perMessageDeflate: true });
  try {
    await client.runEventLoop((session) => {
      session.setCompressType(CompressType.BestSpeed);
      session.setEventListener({ onMessage: (_s, pkg) => gotReply(pkg) });
    });
    client.sessions[0]!.writeBytes(Buffer.alloc(100_000, 'z'));
    console.log(`client got ${(await reply).length} bytes back over ${server.url}`);
  } finally {
    await client.close();
    await server.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
