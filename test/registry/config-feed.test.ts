import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigFeed } from '../../registry/config-feed.js';
import { collectWarnings } from './helpers/warnings.js';

function recordingFeed() {
  const values: Array<string | undefined> = [];
  return { values, feed: new ConfigFeed((text) => values.push(text)) };
}

describe('ConfigFeed', () => {
  it('delivers the first value, even an absent one', () => {
    const { values, feed } = recordingFeed();
    feed.deliver(undefined);
    assert.deepEqual(values, [undefined]);
    assert.equal(feed.active, true);
  });

  it('delivers a value only when it differs from the last one', () => {
    const { values, feed } = recordingFeed();
    for (const text of [undefined, undefined, 'a', 'a', 'b', undefined, undefined]) feed.deliver(text);
    assert.deepEqual(values, [undefined, 'a', 'b', undefined]);
  });

  it('delivers nothing after stop()', () => {
    const { values, feed } = recordingFeed();
    feed.deliver('a');
    feed.stop();
    feed.deliver('b');
    assert.deepEqual(values, ['a']);
    assert.equal(feed.active, false);
  });

  it('turns a throwing listener into a RegistryWarning and keeps delivering', async () => {
    const warnings = collectWarnings();
    const values: Array<string | undefined> = [];
    const feed = new ConfigFeed((text) => {
      values.push(text);
      throw new Error(`bad rule ${text}`);
    });
    try {
      feed.deliver('a');
      feed.deliver('b');
      assert.deepEqual(values, ['a', 'b']);
      const seen = await warnings.settled();
      assert.deepEqual(
        seen.map((w) => [w.name, w.message]),
        [
          ['RegistryWarning', 'config listener threw: Error: bad rule a'],
          ['RegistryWarning', 'config listener threw: Error: bad rule b'],
        ],
      );
    } finally {
      warnings.stop();
    }
  });
});
