/**
 * Fuzz targets over real loopback sockets: mutated Dubbo frames sent as
 * WebSocket messages to an RpcServer({ transport: 'ws' }), and as UDP
 * datagrams to a UdpEndpoint with the Dubbo codec. After every 100 inputs
 * a valid request must be answered (within 5 s, else a hang is reported);
 * its round trip is the time measured. An uncaught exception is a crash.
 */
import dgram from 'node:dgram';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { RpcServer } from '../../rpc/server.js';
import { defineService } from '../../rpc/service.js';
import { DubboCodec } from '../../rpc/protocol/dubbo-codec.js';
import { createRequest, createResponse, type DubboPackage } from '../../rpc/protocol/dubbo-package.js';
import type { Session } from '../../transport/session.js';
import { createUdpEndpoint } from '../../transport/udp-endpoint.js';
import type { UdpContext } from '../../transport/udp-session.js';
import { count, emptyReport, type TargetReport } from './fuzz-report.js';
import { dubboCorpus } from './fuzz-targets.js';
import { Mutator } from './mutator.js';

const DEMO = 'org.apache.dubbo.demo.DemoService';
const PROBE_EVERY = 100;
const PROBE_TIMEOUT_MS = 5000;
const BUDGET_MS = 50;
const codec = new DubboCodec();

function probeFrame(id: number): Buffer {
  const request = createRequest({ id, path: DEMO, version: '1.0.0', method: 'sayHello', parameterTypes: ['java.lang.String'], args: ['probe'] });
  return Buffer.concat(codec.write(null, request));
}

function fixUp(mutator: Mutator, input: Buffer): Buffer {
  if (input.length < 16 || mutator.random() < 0.2) return input;
  input[0] = 0xda;
  input[1] = 0xbb;
  input.writeUInt32BE(input.length - 16, 12);
  return input;
}

/** Inputs whose round-trip probe came back; the probe's time is the figure kept. */
async function drive(
  report: TargetReport,
  inputs: number,
  seed: number,
  send: (input: Buffer) => void,
  probe: (id: number) => Promise<void>,
): Promise<void> {
  const mutator = new Mutator(seed);
  const corpus = [...dubboCorpus(2), ...dubboCorpus(6)];
  const crashes: Error[] = [];
  const onCrash = (err: Error) => void crashes.push(err);
  process.on('uncaughtException', onCrash);
  const started = performance.now();
  try {
    for (let i = 0; i < inputs; i++) {
      const input = fixUp(mutator, mutator.mutate(mutator.pick(corpus), corpus));
      send(input.length > 60_000 ? input.subarray(0, 60_000) : input);
      if (i % PROBE_EVERY !== PROBE_EVERY - 1) continue;
      const t0 = performance.now();
      try {
        await probe(1_000_000 + i);
      } catch (err) {
        report.hang = { index: i, error: String(err), input: input.toString('hex').slice(0, 1024) };
        break;
      }
      const ms = performance.now() - t0;
      if (ms > report.slowestMs) {
        report.slowestMs = ms;
        report.slowestInput = input.toString('hex').slice(0, 1024);
      }
      if (ms > BUDGET_MS) report.overBudget++;
      report.inputs = i + 1;
    }
  } finally {
    process.off('uncaughtException', onCrash);
  }
  report.seconds = (performance.now() - started) / 1000;
  for (const err of crashes.slice(0, 20)) report.crashes.push({ index: -1, error: String(err.stack).slice(0, 400), input: '' });
}

/** Mutated frames as binary WebSocket messages to a ws RpcServer. */
export async function fuzzWsSession(inputs: number, seed: number): Promise<TargetReport> {
  const report = emptyReport('ws-session (RpcServer)');
  const server = new RpcServer({ port: 0, transport: 'ws', path: '/fuzz' });
  server.addService(defineService(DEMO, { sayHello: { params: ['java.lang.String'], returns: 'java.lang.String' } }), {
    sayHello: async (name: string | null) => `Hello ${name}`,
  }, { version: '1.0.0' });
  await server.start();
  const url = `ws://127.0.0.1:${server.port}/fuzz`;
  const waiting = new Map<number, () => void>();
  let ws = await openWs(url, report, waiting);
  try {
    await drive(
      report,
      inputs,
      seed,
      (input) => {
        if (ws.readyState === ws.OPEN) ws.send(input);
      },
      async (id) => {
        if (ws.readyState !== ws.OPEN) {
          count(report.outcomes, 'session closed (reconnected)');
          ws = await openWs(url, report, waiting);
        }
        await answered(waiting, id, () => ws.send(probeFrame(id)));
      },
    );
  } finally {
    ws.terminate();
    const stats = server.stats();
    for (const [code, n] of Object.entries(stats.dropped)) count(report.outcomes, `session dropped ${code}`, n);
    await server.stop({ graceMs: 0 });
  }
  return report;
}

async function openWs(url: string, report: TargetReport, waiting: Map<number, () => void>): Promise<WebSocket> {
  const ws = new WebSocket(url);
  ws.on('error', () => {});
  ws.on('message', (data: Buffer) => {
    let pkg: DubboPackage | undefined;
    try {
      pkg = codec.read(null, data).pkg;
    } catch {
      count(report.outcomes, 'unreadable reply');
      return;
    }
    if (pkg?.kind !== 'response') return;
    count(report.outcomes, `reply status ${pkg.status}`);
    waiting.get(Number(pkg.id))?.();
  });
  await once(ws, 'open');
  return ws;
}

function answered(waiting: Map<number, () => void>, id: number, send: () => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      waiting.delete(id);
      reject(new Error(`probe ${id} not answered within ${PROBE_TIMEOUT_MS} ms`));
    }, PROBE_TIMEOUT_MS);
    waiting.set(id, () => {
      clearTimeout(timer);
      waiting.delete(id);
      resolve();
    });
    send();
  });
}

/** Mutated frames as UDP datagrams to an endpoint decoding them with the Dubbo codec. */
export async function fuzzUdpSession(inputs: number, seed: number): Promise<TargetReport> {
  const report = emptyReport('udp-session (DubboCodec)');
  const endpoint = createUdpEndpoint<DubboPackage>({ port: 0 });
  await endpoint.runEventLoop((s) => {
    s.setPkgHandler(new DubboCodec() as never).setMaxMsgLen(64 * 1024);
    s.setEventListener({
      onMessage: (x: Session<UdpContext<DubboPackage>>, ctx: UdpContext<DubboPackage>) => {
        const pkg = ctx.pkg;
        count(report.outcomes, pkg.error === undefined ? 'decoded' : `rejected ${pkg.error.code}`);
        if (pkg.kind === 'request' && pkg.twoWay && pkg.error === undefined) {
          x.writePkg({ pkg: createResponse({ id: pkg.id, value: 'ack' }), peer: ctx.peer });
        }
      },
      onError: (_x, err) => count(report.outcomes, `error ${err.code}`),
    });
  });
  const socket = dgram.createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const waiting = new Map<number, () => void>();
  socket.on('message', (data: Buffer) => {
    const pkg = codec.read(null, data).pkg;
    if (pkg !== undefined) waiting.get(Number(pkg.id))?.();
  });
  const port = endpoint.address.port;
  try {
    await drive(
      report,
      inputs,
      seed,
      (input) => socket.send(input, port, '127.0.0.1'),
      (id) => answered(waiting, id, () => socket.send(probeFrame(id), port, '127.0.0.1')),
    );
  } finally {
    socket.close();
    await endpoint.close();
  }
  return report;
}
