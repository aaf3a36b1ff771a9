import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RpcServer } from '../../rpc/server.js';
import { defineService } from '../../rpc/service.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '../../bin/getty-rpc.js');

const Calculator = defineService('org.example.Calculator', {
  add: { params: ['int', 'int'], returns: 'int' },
});

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('getty-rpc command', () => {
  let server: RpcServer;
  let dir: string;
  let url: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'getty-rpc-cli-'));
    server = new RpcServer({ host: '127.0.0.1', port: 0, application: 'cli-test', registry: `file://${dir}` });
    server.addService(Calculator, { add: (a, b) => a + b }, { version: '1.0.0' });
    await server.start();
    url = `dubbo://127.0.0.1:${server.port}`;
  });

  after(async () => {
    await server.stop({ graceMs: 1000 });
    await rm(dir, { recursive: true, force: true });
  });

  it('echoes a value through $echo', async () => {
    const run = await cli('echo', url, 'org.example.Calculator', 'hi there', '--version=1.0.0');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout), 'hi there');
  });

  it('calls a method generically with JSON types and args', async () => {
    const run = await cli('call', url, 'org.example.Calculator', 'add', '["int","int"]', '[2,40]', '--version=1.0.0');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout), 42);
  });

  it('lists the providers registered for an interface', async () => {
    const run = await cli('providers', `file://${dir}`, 'org.example.Calculator');
    assert.equal(run.code, 0, run.stderr);
    const providers = JSON.parse(run.stdout) as string[];
    assert.equal(providers.length, 1);
    assert.match(providers[0]!, new RegExp(`^dubbo://[^/]+:${server.port}/org\\.example\\.Calculator\\?`));
  });

  it('reports a remote error with its code and exits 1', async () => {
    const run = await cli('call', url, 'org.example.Calculator', 'divide', '["int"]', '[1]', '--version=1.0.0');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^getty-rpc: METHOD_NOT_FOUND: /);
  });

  it('exits 2 with the usage on bad input', async () => {
    for (const args of [[], ['frobnicate'], ['call', url, 'x', 'm', 'not-json'], ['echo', url, 'x', '--timeout-ms=-1']]) {
      const run = await cli(...args);
      assert.equal(run.code, 2, `args ${JSON.stringify(args)}: ${run.stderr}`);
      assert.match(run.stderr, /INVALID_ARGUMENT[\s\S]*usage:/);
    }
  });
});
