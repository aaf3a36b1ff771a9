/** Every transport example is one command that exchanges messages and exits 0. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const EXAMPLES = ['echo-tcp', 'echo-tls', 'echo-ws', 'echo-wss', 'echo-udp'];
/** A hung example is killed (by its pid) after this long. */
const LIMIT_MS = 30_000;

function runExample(name: string): Promise<{ code: number | null; out: string }> {
  const script = fileURLToPath(new URL(`../../examples/${name}/main.js`, import.meta.url));
  assert.ok(existsSync(script), `${script} is built`);
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => void (out += d));
  child.stderr.on('data', (d: Buffer) => void (out += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), LIMIT_MS);
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('transport examples', () => {
  for (const name of EXAMPLES) {
    it(`${name} exchanges messages and exits 0`, async () => {
      const { code, out } = await runExample(name);
      assert.equal(code, 0, out);
      assert.match(out, /got/);
    });
  }
});
