/**
 * TLS echo: like echo-tcp, over TLS with a self-signed certificate made at
 * start-up (the `selfsigned` dev package). Run: node dist/examples/echo-tls/main.js
 */
import { generate } from 'selfsigned';
import { createTcpClient, createTcpServer, LengthFieldCodec } from '../../transport/index.js';

async function main(): Promise<void> {
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  });
  const codec = new LengthFieldCodec();
  const server = createTcpServer<Buffer>({ port: 0, tls: { key: pems.private, cert: pems.cert } });
  await server.runEventLoop((session) => {
    session.setPkgHandler(codec).setEventListener({ onMessage: (s, pkg) => void s.writePkg(pkg) });
  });

  const reply = new Promise<string>((resolve) => {
    const client = createTcpClient<Buffer>({ port: server.address.port, tls: { ca: pems.cert } });
    void client.runEventLoop((session) => {
      session.setPkgHandler(codec).setEventListener({
        onOpen: (s) => void s.writePkg(Buffer.from('hello over TLS')),
        onMessage: (_s, pkg) => {
          resolve(pkg.toString());
          void client.close();
        },
      });
    });
  });
  console.log(`client got: ${await reply}`);
  await server.close();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
