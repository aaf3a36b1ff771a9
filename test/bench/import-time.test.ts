/**
 * Keeps `npm run bench:import` from rotting: two targets, one sample each.
 * Asserts that figures and module counts come out and that the counting hook
 * sees what each target loads — never how fast anything is.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { measureImportTimes } from '../../bench/import-time/import-time.js';

describe('import-time bench', () => {
  it('times and counts the modules of getty-rpc and its transport entry in fresh processes', async () => {
    const [root, transport, grpc] = await measureImportTimes(['getty-rpc', 'getty-rpc/transport', '@grpc/grpc-js'], 1);
    for (const figures of [root!, transport!]) {
      assert.ok(figures.medianMs > 0 && figures.minMs <= figures.medianMs && figures.medianMs <= figures.maxMs);
      assert.ok(figures.esModules >= 1, `${figures.target}: the entry itself is an ES module`);
    }
    // The hook counts CommonJS (grpc-js is nothing else); neither of our entries loads any
    // at import: hessian2 is our own code and the optional back-ends load on first use.
    assert.ok(grpc!.commonJsModules > 0);
    assert.equal(root!.commonJsModules, 0);
    assert.equal(transport!.commonJsModules, 0);
  });
});
