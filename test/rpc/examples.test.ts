import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

/** dist/examples/<name>/main.js, from dist/test/rpc/. */
const exampleFile = (name: string) => fileURLToPath(new URL(`../../examples/${name}/main.js`, import.meta.url));

/** Runs one example to completion (killed after 30 s); resolves with its exit code and output. */
function runExample(name: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [exampleFile(name)], { timeout: 30_000 }, (err, stdout) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout });
    });
  });
}

describe('rpc examples', () => {
  it('hello-rpc runs provider and consumer and exits 0', async () => {
    const { code, stdout } = await runExample('hello-rpc');
    assert.equal(code, 0);
    assert.match(stdout, /Hello world, from ann's provider/);
    assert.match(stdout, /2 \+ 40 = 42/);
  });

  it('json exits 0 after a JSON round trip', async () => {
    const { code, stdout } = await runExample('json');
    assert.equal(code, 0);
    assert.match(stdout, /placed: \{ id: 1, total: 3 \}/);
  });

  it('protobuf exits 0 after calling the greeter.proto service', async () => {
    const { code, stdout } = await runExample('protobuf');
    assert.equal(code, 0);
    assert.match(stdout, /message: 'Hello protobuf'/);
  });
});
