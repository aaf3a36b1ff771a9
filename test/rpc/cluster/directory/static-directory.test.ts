import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StaticDirectory } from '../../../../rpc/cluster/directory/static-directory.js';
import { consumerUrl, invocation, TestInvoker } from '../test-invoker.js';

describe('StaticDirectory', () => {
  it('lists its invokers, first one first, and is available while one of them is', () => {
    const invokers = [new TestInvoker(1), new TestInvoker(2)];
    const directory = new StaticDirectory(consumerUrl(), invokers);
    assert.deepEqual(directory.list(invocation()), invokers);
    assert.equal(directory.first(), invokers[0]);
    invokers[0]!.available = false;
    assert.equal(directory.isAvailable(), true);
    invokers[1]!.available = false;
    assert.equal(directory.isAvailable(), false);
    assert.equal(new StaticDirectory(consumerUrl(), []).first(), undefined);
  });

  it('destroys its invokers once and then lists nothing', () => {
    const invokers = [new TestInvoker(1), new TestInvoker(2)];
    const directory = new StaticDirectory(consumerUrl(), invokers);
    assert.equal(directory.isDestroyed, false);
    directory.destroy();
    directory.destroy();
    assert.equal(directory.isDestroyed, true);
    assert.deepEqual(invokers.map((invoker) => invoker.destroyed), [true, true]);
    assert.deepEqual(directory.list(invocation()), []);
    assert.equal(directory.first(), undefined);
    assert.equal(directory.isAvailable(), false);
  });

  it('never calls a change listener, and can be unsubscribed from', () => {
    const directory = new StaticDirectory(consumerUrl(), [new TestInvoker(1)]);
    let calls = 0;
    const stop = directory.onChange(() => calls++);
    directory.destroy();
    stop();
    assert.equal(calls, 0);
  });
});
