import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answerHeartbeat } from '../../../rpc/exchange/heartbeat.js';
import { createHeartbeatRequest, createHeartbeatResponse, createRequest, createResponse, type DubboPackage } from '../../../rpc/protocol/dubbo-package.js';

/** A writer that keeps what it was given. */
function recorder(): { written: DubboPackage[]; writePkg: (pkg: DubboPackage) => void } {
  const written: DubboPackage[] = [];
  return { written, writePkg: (pkg) => written.push(pkg) };
}

describe('answerHeartbeat', () => {
  it('answers a two-way heartbeat request with an event response of the same id', () => {
    const writer = recorder();
    assert.equal(answerHeartbeat(createHeartbeatRequest(42), writer), true);
    assert.deepEqual(
      writer.written.map((pkg) => [pkg.kind, Number(pkg.id), pkg.event]),
      [['response', 42, true]],
    );
  });

  it('takes a one-way event request without answering it', () => {
    const writer = recorder();
    assert.equal(answerHeartbeat(createRequest({ id: 7, event: true, twoWay: false }), writer), true);
    assert.deepEqual(writer.written, []);
  });

  it('leaves ordinary requests and every response, a heartbeat answer included, to the caller', () => {
    const writer = recorder();
    const others = [createRequest({ id: 2, method: 'hello' }), createResponse({ id: 4, value: 'ok' }), createHeartbeatResponse(createHeartbeatRequest(6))];
    for (const pkg of others) assert.equal(answerHeartbeat(pkg, writer), false, `${pkg.kind} ${pkg.id}`);
    assert.deepEqual(writer.written, []);
  });
});
