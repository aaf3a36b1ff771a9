/**
 * One quickstart provider in its own process:
 *
 *   node provider-process.js <registryUrl> <name>
 *
 * It exports Greeter on a free loopback port, registers it in the registry,
 * and reports `{ ready: port }` to its parent over IPC. A `stop` message makes
 * it stop gracefully (unregister first, then drain) and exit; the parent may
 * also SIGKILL it to play a crash.
 */
import { RpcServer } from '../../rpc/server.js';
import { Greeter } from './greeter.js';

const [registryUrl, name] = process.argv.slice(2);
if (!registryUrl || !name || !process.send) {
  console.error('usage (forked with IPC): node provider-process.js <registryUrl> <name>');
  process.exit(2);
}

const server = new RpcServer({ host: '127.0.0.1', port: 0, registry: registryUrl, application: 'quickstart-provider' });
server.addService(Greeter, { sayHello: (who) => `Hello ${who}, from ${name}` });

async function stopAndExit(): Promise<void> {
  await server.stop({ graceMs: 2000 });
  process.disconnect();
}

process.on('message', (message) => {
  if (message === 'stop') void stopAndExit();
});
// The parent went away without asking: leave the registry clean anyway.
process.on('disconnect', () => void server.stop({ graceMs: 0 }));

server.start().then(
  () => process.send?.({ ready: server.port }),
  (err: unknown) => {
    process.send?.({ error: err instanceof Error ? err.message : String(err) });
    process.exit(1);
  },
);
