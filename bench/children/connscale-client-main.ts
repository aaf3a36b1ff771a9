/**
 * Connection-scale client child: opens many idle TCP connections to one
 * server from the given 127.0.0.x source addresses, then (optionally) sends
 * each one the system's heartbeat frame once per period, spread
 * evenly over the period by one shared ticker — never a timer per socket.
 */
import { once } from 'node:events';
import net from 'node:net';
import type { ConnscaleClientConfig, ConnscaleClientEvent } from '../lib/connscale-messages.js';

/** Dials in flight at once: bounded so the accept queue (somaxconn) is not flooded. */
const DIAL_CONCURRENCY = 128;
const TICKS_PER_PERIOD = 20;
const FIRST_REPLY_TIMEOUT_MS = 60_000;

const sockets: net.Socket[] = [];
let dialErrors = 0;
let firstError: string | undefined;

function send(event: ConnscaleClientEvent): Promise<void> {
  return new Promise((resolve) => process.send!(event, undefined, {}, () => resolve()));
}

/**
 * A dial counts once the server answered the first heartbeat on it: that
 * proves a server process (a cluster worker, not just the kernel's backlog
 * or the primary's hand-off queue) holds the session, and it bounds the
 * connections waiting to be accepted to DIAL_CONCURRENCY per client.
 */
async function dial(host: string, port: number, localAddress: string, frame: Buffer): Promise<void> {
  const socket = net.connect({ host, port, localAddress });
  socket.on('error', (err) => {
    firstError ??= err.message;
  });
  socket.setTimeout(FIRST_REPLY_TIMEOUT_MS, () => socket.destroy(new Error('no reply to the first heartbeat')));
  try {
    await once(socket, 'connect');
    socket.write(frame);
    await once(socket, 'data');
    socket.setTimeout(0);
    socket.resume();
    sockets.push(socket);
  } catch {
    dialErrors++;
    socket.destroy();
  }
}

async function dialAll(config: ConnscaleClientConfig): Promise<void> {
  const frame = Buffer.from(config.heartbeatHex, 'hex');
  const targets = config.localAddresses.flatMap((address) => Array<string>(config.perAddress).fill(address));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < targets.length) await dial(config.host, config.port, targets[next++], frame);
  };
  await Promise.all(Array.from({ length: Math.min(DIAL_CONCURRENCY, targets.length) }, worker));
}

function startHeartbeats(periodMs: number, frame: Buffer): NodeJS.Timeout {
  let cursor = 0;
  return setInterval(() => {
    const batch = Math.ceil(sockets.length / TICKS_PER_PERIOD);
    for (let i = 0; i < batch && sockets.length > 0; i++) {
      const socket = sockets[cursor++ % sockets.length];
      if (!socket.destroyed) socket.write(frame);
    }
  }, periodMs / TICKS_PER_PERIOD);
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2]) as ConnscaleClientConfig;
  // Heartbeats start before dialling: the first sessions must not sit idle while the rest connect.
  const ticker = config.heartbeatMs > 0 ? startHeartbeats(config.heartbeatMs, Buffer.from(config.heartbeatHex, 'hex')) : undefined;
  await dialAll(config);
  const open = (): number => sockets.filter((s) => !s.destroyed).length;
  process.on('message', async (msg: { type: string }) => {
    if (msg.type === 'count') await send({ type: 'count', open: open() });
    if (msg.type !== 'stop') return;
    clearInterval(ticker);
    for (const s of sockets) s.destroy();
    process.exit(0);
  });
  await send({ type: 'connected', held: open(), dialErrors, firstError });
}

process.on('disconnect', () => process.exit(0));
void main();
