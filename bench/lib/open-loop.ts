/**
 * The open-loop (rate-limited) load generator, for "p99 at half of peak
 * throughput" (docs/performance.md "Method"): calls leave on a fixed schedule of `ratePerSec`,
 * whether or not earlier ones have come back, so a slow server builds a
 * queue instead of slowing the load down (no coordinated omission from the
 * generator waiting on replies).
 *
 * One shared ticker (1 ms, never a timer per call) sends every call that is
 * due by now, round-robin over the connections; calls of one tick leave
 * together, as a client's batched writes would. Latency runs from the
 * hand-off to the client to the reply. Each connection has a bounded pool
 * of slots; a due call that finds none free is shed and counted.
 */
import { performance } from 'node:perf_hooks';
import type { EchoClient } from '../systems/bench-system.js';
import { makePayload, type WindowFigures, windowFigures } from './closed-loop.js';
import { LatencyHistogram } from './latency-histogram.js';

const TICK_MS = 1;

export class OpenLoop {
  private readonly sentAtMs: Float64Array;
  private readonly payloads: Buffer[] = [];
  /** Free slots of each connection, as a stack. */
  private readonly free: number[][] = [];
  private readonly histogram = new LatencyHistogram();
  private client: EchoClient | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private startMs = 0;
  private issued = 0;
  private nextConnection = 0;
  private recording = false;
  private windowStartMs = 0;
  private errors = 0;
  private shed = 0;

  readonly onReply = (slot: number): void => this.replied(slot);
  readonly onFailure = (slot: number, _err: unknown): void => {
    this.errors++;
    if (slot >= 0) this.release(slot);
  };

  constructor(
    private readonly connections: number,
    private readonly slotsPerConnection: number,
    payloadBytes: number,
    private readonly ratePerSec: number,
  ) {
    this.sentAtMs = new Float64Array(connections * slotsPerConnection);
    for (let slot = 0; slot < this.sentAtMs.length; slot++) this.payloads.push(makePayload(slot, payloadBytes));
    for (let c = 0; c < connections; c++) {
      this.free.push(Array.from({ length: slotsPerConnection }, (_, i) => c * slotsPerConnection + (slotsPerConnection - 1 - i)));
    }
  }

  start(client: EchoClient): void {
    this.client = client;
    this.startMs = performance.now();
    this.ticker = setInterval(() => this.tick(), TICK_MS);
  }

  stop(): void {
    clearInterval(this.ticker);
    this.recording = false;
  }

  openWindow(): void {
    this.histogram.reset();
    this.shed = 0;
    this.windowStartMs = performance.now();
    this.recording = true;
  }

  closeWindow(): WindowFigures {
    this.recording = false;
    return { ...windowFigures(this.histogram, this.errors, this.windowStartMs), shed: this.shed };
  }

  /** Sends every call due by now; the schedule never waits for replies. */
  private tick(): void {
    const now = performance.now();
    const due = Math.floor(((now - this.startMs) * this.ratePerSec) / 1000) - this.issued;
    for (let i = 0; i < due; i++) this.sendOne(now);
    this.issued += Math.max(0, due);
  }

  private sendOne(now: number): void {
    const connection = this.nextConnection;
    this.nextConnection = (connection + 1) % this.connections;
    const slot = this.free[connection].pop();
    if (slot === undefined) {
      if (this.recording) this.shed++;
      return;
    }
    this.sentAtMs[slot] = now;
    this.client!.send(connection, slot, this.payloads[slot]);
  }

  private replied(slot: number): void {
    if (this.recording) this.histogram.record((performance.now() - this.sentAtMs[slot]) * 1e6);
    this.release(slot);
  }

  private release(slot: number): void {
    this.free[Math.floor(slot / this.slotsPerConnection)].push(slot);
  }
}
