/**
 * The closed-loop load generator: every connection keeps `inFlight` calls
 * outstanding; each reply immediately sends the next call of the same slot.
 * Latency is send-to-reply on a monotonic clock, recorded into a fixed-bucket
 * histogram; only replies that arrive while a window is open are counted.
 */
import { performance } from 'node:perf_hooks';
import type { EchoClient } from '../systems/bench-system.js';
import { LatencyHistogram } from './latency-histogram.js';

export interface WindowFigures {
  calls: number;
  /** Failed calls since the load started (a failed slot stops, so warm-up failures must show). */
  errors: number;
  elapsedMs: number;
  p50Micros: number;
  p99Micros: number;
  maxMicros: number;
  /** Open loop only: calls due in the window that found no free slot and were not sent. */
  shed?: number;
}

export class ClosedLoop {
  private readonly sentAtMs: Float64Array;
  private readonly payloads: Buffer[] = [];
  private readonly histogram = new LatencyHistogram();
  private client: EchoClient | undefined;
  private running = false;
  private recording = false;
  private windowStartMs = 0;
  private errors = 0;

  /** Bound once so that clients can call it without a closure per call. */
  readonly onReply = (slot: number): void => this.replied(slot);
  readonly onFailure = (slot: number, _err: unknown): void => {
    this.errors++;
    if (slot >= 0) this.sentAtMs[slot] = Number.NaN;
  };

  constructor(
    private readonly connections: number,
    private readonly inFlight: number,
    payloadBytes: number,
  ) {
    this.sentAtMs = new Float64Array(connections * inFlight);
    for (let slot = 0; slot < this.sentAtMs.length; slot++) this.payloads.push(makePayload(slot, payloadBytes));
  }

  /** Starts every slot; the client must have been created with onReply/onFailure. */
  start(client: EchoClient): void {
    this.client = client;
    this.running = true;
    for (let slot = 0; slot < this.sentAtMs.length; slot++) this.sendSlot(slot);
  }

  /** Stops sending new calls; calls already in flight are ignored when they return. */
  stop(): void {
    this.running = false;
    this.recording = false;
  }

  openWindow(): void {
    this.histogram.reset();
    this.windowStartMs = performance.now();
    this.recording = true;
  }

  closeWindow(): WindowFigures {
    this.recording = false;
    return windowFigures(this.histogram, this.errors, this.windowStartMs);
  }

  /** One clock read per reply: it stamps both the latency and the next send. */
  private replied(slot: number): void {
    const now = performance.now();
    const sentAt = this.sentAtMs[slot];
    if (this.recording && !Number.isNaN(sentAt)) this.histogram.record((now - sentAt) * 1e6);
    if (this.running) this.sendSlot(slot, now);
  }

  private sendSlot(slot: number, now = performance.now()): void {
    this.sentAtMs[slot] = now;
    this.client!.send(Math.floor(slot / this.inFlight), slot, this.payloads[slot]);
  }

  get slots(): number {
    return this.connections * this.inFlight;
  }
}

/** A payload of `bytes` bytes whose first 4 hold the slot number. */
export function makePayload(slot: number, bytes: number): Buffer {
  const payload = Buffer.alloc(Math.max(4, bytes));
  for (let i = 4; i < payload.length; i++) payload[i] = (i * 31 + 7) & 0xff;
  payload.writeUInt32BE(slot, 0);
  return payload;
}

/** The figures of one measuring window that started at `startMs` (shared by both load shapes). */
export function windowFigures(h: LatencyHistogram, errors: number, startMs: number): WindowFigures {
  return {
    calls: h.count,
    errors,
    elapsedMs: performance.now() - startMs,
    p50Micros: h.percentileMicros(0.5),
    p99Micros: h.percentileMicros(0.99),
    maxMicros: h.maxMicros,
  };
}
