/**
 * Load child: connects to one server with one system's client, warms up, then
 * measures `windows` back-to-back windows, reporting each to the runner.
 * Closed loop by default; open loop (rate-limited) when `ratePerSec` is set.
 * Timers here are per window, never per call.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { ClosedLoop } from '../lib/closed-loop.js';
import { OpenLoop } from '../lib/open-loop.js';
import type { ClientCpuSample, LoadConfig, LoadEvent } from '../lib/ipc-messages.js';
import { loadSystem } from '../systems/all-systems.js';

function send(event: LoadEvent): Promise<void> {
  return new Promise((resolve) => process.send!(event, undefined, {}, () => resolve()));
}

function cpuNow(): ClientCpuSample {
  const cpu = process.cpuUsage();
  return { clientCpuMicros: cpu.user + cpu.system, clientAtMs: performance.now() };
}

/** An open loop's slot pool per connection: room for a queue 16× the closed loop's depth. */
function openLoopSlots(inFlight: number): number {
  return Math.max(64, inFlight * 16);
}

function makeLoop(config: LoadConfig): ClosedLoop | OpenLoop {
  if (config.ratePerSec === undefined) return new ClosedLoop(config.connections, config.inFlight, config.payloadBytes);
  return new OpenLoop(config.connections, openLoopSlots(config.inFlight), config.payloadBytes, config.ratePerSec);
}

async function measure(config: LoadConfig): Promise<void> {
  const system = await loadSystem(config.system);
  const loop = makeLoop(config);
  const client = await system.createClient({ ...config, onReply: loop.onReply, onFailure: loop.onFailure });
  loop.start(client);
  await sleep(config.warmupMs + (system.extraWarmupMs ?? 0));
  for (let index = 0; index < config.windows; index++) {
    void send({ type: 'window-open', index, ...cpuNow() });
    loop.openWindow();
    await sleep(config.windowMs);
    const figures = loop.closeWindow();
    void send({ type: 'window-closed', index, figures, ...cpuNow() });
  }
  loop.stop();
  await client.close();
}

/** Some peers (sofa-rpc-node, grpc-js) keep handles after close: exit explicitly once reported. */
async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2]) as LoadConfig;
  try {
    await measure(config);
    await send({ type: 'done' });
  } catch (err) {
    await send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  }
  process.exit(0);
}

process.on('disconnect', () => process.exit(0));
void main();
