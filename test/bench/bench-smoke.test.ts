/**
 * Keeps the harness from rotting: one tiny cell end to end (server child,
 * load child, IPC, CPU sampling, table and chart). Asserts only that figures
 * were produced — never how fast anything is.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRpcError } from '../../common/rpc-error.js';
import type { BenchResult } from '../../bench/lib/bench-result.js';
import { machineInfo, runBench } from '../../bench/lib/bench-runner.js';
import { runCell } from '../../bench/lib/cell-run.js';
import { summarize } from '../../bench/lib/cell-summary.js';
import { procUsage, procUsageOf } from '../../bench/lib/proc-usage.js';
import { renderSvg } from '../../bench/lib/report-svg.js';
import { renderTable } from '../../bench/lib/report-table.js';
import { ServerProcess } from '../../bench/lib/server-process.js';
import { registerSystem } from '../../bench/systems/system-registry.js';

const tinyShape = { connections: 1, inFlight: 1, payloadBytes: 64 };
const tinyTiming = { warmupMs: 50, windowMs: 300, windows: 1 };

describe('bench harness', () => {
  it('measures one raw-net cell end to end and ends its children', async () => {
    const server = await ServerProcess.start('raw-net');
    try {
      const trials = await runCell(server, 'raw-net', tinyShape, tinyTiming);
      assert.equal(trials.length, 1);
      const [trial] = trials;
      assert.ok(trial.callsPerSec > 0, 'calls/s produced');
      assert.ok(trial.p50Micros > 0 && trial.p99Micros >= trial.p50Micros, 'percentiles produced');
      assert.ok(trial.serverRssBytes > 0, 'server RSS sampled');
      assert.equal(trial.errors, 0);
    } finally {
      await server.stop();
    }
    assert.throws(() => process.kill(server.pid, 0), /ESRCH/, 'server child is gone');
  });

  it('runs a plan and renders the table and the chart from its result', async () => {
    const result: BenchResult = await runBench({
      mode: 'custom',
      shapes: [tinyShape],
      timing: tinyTiming,
      systems: ['raw-net'],
    });
    assert.equal(result.cells.length, 1);
    assert.equal(result.cells[0].ratioToRawNet, 1);
    assert.match(renderTable(result), /\| raw node:net \(batched writes\) \| 1×1×64 B \|/);
    assert.match(renderSvg(result), /^<svg [^>]*>[\s\S]*<rect x=[\s\S]*<\/svg>\n$/);
  });

  it('lists a system that cannot run here as skipped, with its reason, and still measures the rest', async () => {
    registerSystem({
      id: 'test-unavailable',
      label: 'unavailable on purpose',
      unavailableReason: async () => 'not available in this test',
      startServer: () => Promise.reject(new Error('must not start')),
      createClient: () => Promise.reject(new Error('must not connect')),
    });
    const result = await runBench({ mode: 'custom', shapes: [tinyShape], timing: tinyTiming, systems: ['raw-net', 'test-unavailable'] });
    const skipped = result.cells.find((c) => c.system === 'test-unavailable');
    assert.equal(skipped?.skipped, 'not available in this test');
    assert.equal(skipped?.summary, undefined);
    assert.ok((result.cells.find((c) => c.system === 'raw-net')?.summary?.median.callsPerSec ?? 0) > 0);
    assert.match(renderTable(result), /skipped: not available in this test/);
  });

  it('runs a shape in open loop at half of the closed-loop calls/s and reports p99 against raw net', async () => {
    // Two systems, so the ratios divide one system's figures by raw net's rather than raw net's by themselves.
    const result = await runBench({
      mode: 'custom',
      shapes: [tinyShape],
      timing: tinyTiming,
      systems: ['raw-net', 'getty-transport'],
      openLoop: { shapes: [tinyShape] },
    });
    const raw = result.cells.find((c) => c.system === 'raw-net')!;
    const other = result.cells.find((c) => c.system === 'getty-transport')!;
    for (const cell of [raw, other]) {
      const half = cell.halfPeak;
      assert.ok(half?.summary, `${cell.system}: open-loop figures produced`);
      assert.equal(half.ratePerSec, (cell.summary?.median.callsPerSec ?? 0) / 2);
      assert.ok(half.summary.median.callsPerSec > 0);
      assert.equal(typeof half.summary.median.shed, 'number', 'shed calls are counted');
    }
    const rawP99 = raw.halfPeak!.summary!.median.p99Micros;
    assert.equal(raw.halfPeak!.p99RatioToRawNet, 1);
    assert.equal(other.halfPeak!.p99RatioToRawNet, other.halfPeak!.summary!.median.p99Micros / rawP99);
    assert.equal(other.ratioToRawNet, other.summary!.median.callsPerSec / raw.summary!.median.callsPerSec);
    assert.match(renderTable(result), /p99 at half of peak throughput[\s\S]*\| raw node:net \(batched writes\) \| 1×1×64 B \|/);
  });

  it('leaves out the cells of shapes a system does not run (not even as skipped)', async () => {
    registerSystem({
      id: 'test-other-shapes',
      label: 'runs no tiny shape',
      runsShape: (shape) => shape.connections > 1,
      unavailableReason: async () => 'not started in this test',
      startServer: () => Promise.reject(new Error('must not start')),
      createClient: () => Promise.reject(new Error('must not connect')),
    });
    const result = await runBench({ mode: 'custom', shapes: [tinyShape], timing: tinyTiming, systems: ['raw-net', 'test-other-shapes'] });
    assert.deepEqual(result.cells.map((c) => c.system), ['raw-net']);
  });

  it('rejects an unknown system id with INVALID_ARGUMENT before starting anything', async () => {
    await assert.rejects(
      runBench({ mode: 'custom', shapes: [tinyShape], timing: tinyTiming, systems: ['no-such-system'] }),
      (err) => isRpcError(err, 'INVALID_ARGUMENT'),
    );
  });
});

describe('procUsage', () => {
  it('reads CPU time and RSS of a live process from /proc, and zeros for a pid that is gone', { skip: process.platform !== 'linux' && 'reads Linux /proc' }, () => {
    const own = procUsage(process.pid);
    assert.ok(own.rssBytes > 0 && own.cpuMicros > 0);
    assert.deepEqual(procUsageOf([process.pid, process.pid]).rssBytes > own.rssBytes, true);
    assert.deepEqual(procUsage(2 ** 22 + 1), { cpuMicros: 0, rssBytes: 0 });
  });
});

describe('summarize', () => {
  it('takes the median of each figure, the spread of calls/s and the cumulative error count', () => {
    const trial = (callsPerSec: number) => ({
      callsPerSec,
      p50Micros: callsPerSec / 10,
      p99Micros: callsPerSec / 5,
      maxMicros: callsPerSec,
      errors: callsPerSec / 100,
      serverCpuPercent: 50,
      clientCpuPercent: 60,
      foreignCpuPercent: 0,
      serverRssBytes: 1000,
    });
    const s = summarize([trial(100), trial(300), trial(200)]);
    assert.equal(s.median.callsPerSec, 200);
    assert.equal(s.median.p50Micros, 20);
    assert.equal(s.median.errors, 3, 'errors are counted since the load started: the last window has them all');
    assert.equal(s.spreadPercent, 100);
  });

  it('records the machine it ran on', () => {
    const m = machineInfo();
    assert.ok(m.nproc >= 1);
    assert.equal(m.node, process.version);
  });
});
