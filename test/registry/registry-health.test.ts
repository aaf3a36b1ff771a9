import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Logger } from '../../common/diagnostics.js';
import { RegistryHealth } from '../../registry/registry-health.js';
import { recordChannel } from './helpers/channel-recorder.js';

/** A logger that keeps every line. */
function recordingLogger() {
  const lines: Array<{ level: keyof Logger; fields: object; message: string }> = [];
  const at = (level: keyof Logger) => (fields: object, message: string) => void lines.push({ level, fields, message });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { lines, logger };
}

describe('RegistryHealth', () => {
  it('warns once when the registry goes down, however often it is told', () => {
    const { lines, logger } = recordingLogger();
    const health = new RegistryHealth('zookeeper://127.0.0.1:2181', logger);
    health.lost(new Error('ECONNREFUSED'), 'connect');
    health.lost(new Error('again'), 'lookup');
    assert.deepEqual(lines, [
      {
        level: 'warn',
        fields: { registry: 'zookeeper://127.0.0.1:2181', reason: 'ECONNREFUSED' },
        message: 'registry zookeeper://127.0.0.1:2181 unreachable (connect): ECONNREFUSED',
      },
    ]);
  });

  it('tells the recovery once, and only after an outage', () => {
    const { lines, logger } = recordingLogger();
    const health = new RegistryHealth('etcd://127.0.0.1:2379', logger);
    health.restored();
    assert.equal(lines.length, 0);
    health.lost('timed out', 'watch');
    health.restored();
    health.restored();
    assert.deepEqual(
      lines.map((line) => line.level),
      ['warn', 'info'],
    );
    assert.deepEqual(lines[0]!.fields, { registry: 'etcd://127.0.0.1:2379', reason: 'timed out' });
    assert.deepEqual(lines[1], { level: 'info', fields: { registry: 'etcd://127.0.0.1:2379' }, message: 'registry etcd://127.0.0.1:2379 reachable again' });
  });

  it('warns again on an outage after a recovery', () => {
    const { lines, logger } = recordingLogger();
    const health = new RegistryHealth('r', logger);
    health.lost(new Error('one'), 'a');
    health.restored();
    health.lost(new Error('two'), 'b');
    assert.deepEqual(
      lines.map((line) => line.message),
      ['registry r unreachable (a): one', 'registry r reachable again', 'registry r unreachable (b): two'],
    );
  });

  it('publishes each change on the registry:outage channel', () => {
    const outages = recordChannel('getty-rpc:registry:outage');
    try {
      const health = new RegistryHealth('r', recordingLogger().logger);
      const error = new Error('down');
      health.lost(error, 'connect');
      health.lost(error, 'connect');
      health.restored();
      health.restored();
      assert.deepEqual(outages.messages, [
        { registry: 'r', state: 'down', error },
        { registry: 'r', state: 'up' },
      ]);
    } finally {
      outages.stop();
    }
  });
});
