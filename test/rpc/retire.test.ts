/**
 * A provider that leaves the registry keeps its connection until the calls in
 * flight on it are answered; then the client closes it (on the pending table's
 * idle event, not a poll). A counting TCP relay in front of the provider shows
 * when the consumer's connection opens and closes.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../common/rpc-error.js';
import { providerUrl } from '../../registry/provider-url.js';
import { createRegistry } from '../../registry/index.js';
import { RpcClient } from '../../rpc/client.js';
import { DemoService, type DemoProvider, startDemoProvider, until } from './rpc-fixture.js';

/** Relays every connection to `targetPort` and counts the open ones. */
class CountingRelay {
  open = 0;
  private readonly sockets = new Set<net.Socket>();
  private readonly server = net.createServer((inbound) => this.relay(inbound));

  constructor(private readonly targetPort: number) {}

  listen(): Promise<number> {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => resolve((this.server.address() as net.AddressInfo).port)));
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private relay(inbound: net.Socket): void {
    const outbound = net.connect({ host: '127.0.0.1', port: this.targetPort });
    this.open++;
    for (const socket of [inbound, outbound]) {
      this.sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        this.sockets.delete(socket);
        inbound.destroy();
        outbound.destroy();
      });
    }
    inbound.once('close', () => this.open--);
    inbound.pipe(outbound).pipe(inbound);
  }
}

describe('RpcClient: a removed provider', () => {
  let dir: string;
  let registryUrl: string;
  let provider: DemoProvider;
  let relay: CountingRelay;
  let relayPort: number;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'getty-rpc-retire-'));
    registryUrl = `file://${dir}?pollMs=100`;
    provider = await startDemoProvider();
    relay = new CountingRelay(provider.server.port);
    relayPort = await relay.listen();
  });
  after(async () => {
    await relay.close();
    await provider.server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps its connection until the call in flight is answered, then closes it', async () => {
    const registry = createRegistry(registryUrl);
    const url = providerUrl({
      host: '127.0.0.1',
      port: relayPort,
      interfaceName: DemoService.name,
      methods: ['sayHello', 'slow'],
      application: 'retire',
      version: '1.0.0',
    });
    await registry.register(url);
    const client = new RpcClient({ registry: registryUrl, application: 'retire-consumer' });
    try {
      const demo = client.refer(DemoService, { version: '1.0.0', retries: 0 });
      assert.equal(await demo.sayHello('a'), 'Hello a');
      assert.equal(relay.open, 1);
      const held = demo.slow('held');
      await until(() => provider.gate.entered === 1, 'the slow call to reach the provider');
      await registry.unregister(url);
      await untilNoProvider(() => demo.sayHello('b'));
      assert.equal(relay.open, 1, 'the connection stays open while a call is in flight');
      provider.gate.release();
      assert.equal(await held, 'slow held');
      await until(() => relay.open === 0, 'the retired connection to close');
      assert.equal(client.pendingCalls, 0);
    } finally {
      provider.gate.release();
      await client.close();
      await registry.close();
    }
  });
});

/** Calls until the consumer has dropped the provider (NO_PROVIDER), within a bounded deadline. */
async function untilNoProvider(call: () => Promise<unknown>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await call();
    } catch (err) {
      if (isRpcError(err, ErrorCode.NO_PROVIDER)) return;
      throw err;
    }
    if (Date.now() > deadline) throw new Error('the provider was never removed');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
