import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LatencyHistogram } from '../../bench/lib/latency-histogram.js';

describe('LatencyHistogram', () => {
  it('reports percentiles within its bucket precision (~1.6 %)', () => {
    const h = new LatencyHistogram();
    for (let us = 1; us <= 10_000; us++) h.record(us * 1000);
    assert.equal(h.count, 10_000);
    assert.ok(Math.abs(h.percentileMicros(0.5) - 5000) / 5000 < 0.02);
    assert.ok(Math.abs(h.percentileMicros(0.99) - 9900) / 9900 < 0.02);
    assert.equal(h.maxMicros, 10_000);
  });

  it('never reports a percentile above the largest value recorded', () => {
    const h = new LatencyHistogram();
    h.record(1_234_567);
    assert.equal(h.percentileMicros(0.99), 1234.567);
  });

  it('keeps its precision above 2^32 ns (multi-second latencies)', () => {
    const h = new LatencyHistogram();
    h.record(5e9);
    h.record(6e9);
    assert.ok(Math.abs(h.percentileMicros(0.5) - 5e6) / 5e6 < 0.02);
  });

  it('is empty after reset and reports 0 when empty', () => {
    const h = new LatencyHistogram();
    h.record(10);
    h.reset();
    assert.equal(h.count, 0);
    assert.equal(h.percentileMicros(0.5), 0);
  });

  it('accepts values outside its range without throwing', () => {
    const h = new LatencyHistogram();
    h.record(0);
    h.record(-5);
    h.record(2 ** 50);
    assert.equal(h.count, 3);
    assert.ok(h.percentileMicros(1) > 0);
  });
});
