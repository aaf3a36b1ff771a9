import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RpcContext } from '../../rpc/context.js';

describe('RpcContext', () => {
  it('is undefined outside any scope', () => {
    assert.equal(RpcContext.current(), undefined);
  });
  it('carries call options across awaits inside run()', async () => {
    await RpcContext.run({ attachments: { traceId: 'abc' }, timeoutMs: 1000 }, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      const context = RpcContext.current()!;
      assert.equal(context.side, 'consumer');
      assert.equal(context.attachments.traceId, 'abc');
      const left = context.remainingMs()!;
      assert.ok(left > 0 && left <= 1000);
    });
  });
  it('keeps the parent deadline when a nested scope asks for more time', () => {
    RpcContext.runProvider({ attachments: {}, remoteAddress: 'r', localAddress: 'l', timeoutMs: 100 }, (outer) => {
      RpcContext.run({ timeoutMs: 60_000 }, () => {
        const inner = RpcContext.current()!;
        assert.ok(inner.remainingMs()! <= 100);
        assert.equal(inner.deadline, outer.deadline);
      });
    });
  });
  it('combines the parent signal with the scope signal', () => {
    const parent = new AbortController();
    const child = new AbortController();
    RpcContext.run({ signal: parent.signal }, () => {
      RpcContext.run({ signal: child.signal }, () => {
        const signal = RpcContext.current()!.signal!;
        assert.equal(signal.aborted, false);
        parent.abort();
        assert.equal(signal.aborted, true);
      });
    });
  });
  it('has no deadline without a timeout', () => {
    RpcContext.runProvider({ attachments: {}, remoteAddress: '', localAddress: '', timeoutMs: undefined }, (context) => {
      assert.equal(context.remainingMs(), undefined);
      context.setResponseAttachment('k', 'v');
      assert.deepEqual(context.responseAttachments, { k: 'v' });
    });
  });
});
