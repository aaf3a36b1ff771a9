/**
 * The `getty-rpc` command, run as a child process against real providers on
 * 127.0.0.1 (one plain, one TLS) registered in a file:// registry: every
 * command, every option, --help, --json, and the exit codes for bad input.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RpcContext } from '../../rpc/context.js';
import { RpcServer } from '../../rpc/server.js';
import { defineService } from '../../rpc/service.js';
import { testCert } from '../transport/tls-fixture.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '../../bin/getty-rpc.js');
const PACKAGE_JSON = fileURLToPath(new URL('../../../package.json', import.meta.url));

const Calculator = defineService('org.example.Calculator', {
  add: { params: ['int', 'int'], returns: 'int' },
  greet: { params: ['java.lang.String'], returns: 'java.lang.String' },
  attachment: { params: ['java.lang.String'], returns: 'java.lang.String' },
  slow: { params: [], returns: 'java.lang.String' },
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
  let tlsServer: RpcServer;
  let wsServer: RpcServer;
  let dir: string;
  let url: string;
  let tlsUrl: string;
  let caFile: string;
  let keyFile: string;
  const slowCalls: (() => void)[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'getty-rpc-cli-'));
    const impl = (who: string) => ({
      add: (a: number, b: number) => a + b,
      greet: (name: string | null) => `hello ${name} from ${who}`,
      attachment: (key: string | null) => String(RpcContext.current()?.attachments[key ?? ''] ?? 'missing'),
      slow: () => new Promise<string>((resolve) => slowCalls.push(() => resolve('late'))),
    });
    server = new RpcServer({ host: '127.0.0.1', port: 0, application: 'cli-test', registry: `file://${dir}` });
    server.addService(Calculator, impl('v1'), { version: '1.0.0' });
    server.addService(Calculator, impl('blue'), { version: '2.0.0', group: 'blue' });
    await server.start();
    url = `dubbo://127.0.0.1:${server.port}`;
    const { key, cert } = await testCert();
    caFile = join(dir, 'ca.pem');
    keyFile = join(dir, 'key.pem');
    await writeFile(caFile, cert);
    await writeFile(keyFile, key);
    // Mutual TLS: the client must show a certificate signed by `cert` (self-signed, so itself).
    tlsServer = new RpcServer({ host: '127.0.0.1', port: 0, application: 'cli-tls-test', tls: { key, cert, ca: cert, requestCert: true, rejectUnauthorized: true } });
    tlsServer.addService(Calculator, impl('tls'), { version: '1.0.0' });
    await tlsServer.start();
    tlsUrl = `dubbo://127.0.0.1:${tlsServer.port}`;
    wsServer = new RpcServer({ host: '127.0.0.1', port: 0, application: 'cli-ws-test', transport: 'ws', path: '/dubbo' });
    wsServer.addService(Calculator, impl('ws'), { version: '1.0.0' });
    await wsServer.start();
  });

  after(async () => {
    for (const release of slowCalls) release();
    await Promise.all([server.stop({ graceMs: 1000 }), tlsServer.stop({ graceMs: 1000 }), wsServer.stop({ graceMs: 1000 })]);
    await rm(dir, { recursive: true, force: true });
  });

  describe('help and version', () => {
    it('prints the commands for --help, -h and `help`, and exits 0', async () => {
      for (const args of [['--help'], ['-h'], ['help']]) {
        const run = await cli(...args);
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stdout, /^usage: getty-rpc <command>/);
        for (const command of ['echo', 'call', 'providers', 'gen']) assert.match(run.stdout, new RegExp(`^  ${command} `, 'm'));
        assert.match(run.stdout, /exit codes: 0 success; 1 .*\n.*2 usage/);
      }
    });

    it('prints each command its own help, with every option it takes', async () => {
      const expected: Record<string, string[]> = {
        echo: ['--version', '--group', '--timeout', '--attachment', '--tls-ca', '--json'],
        call: ['--version', '--group', '--timeout', '--attachment', '--serialization', '--tls', '--tls-cert', '--tls-key', '--tls-insecure', '--json'],
        providers: ['--version', '--group', '--timeout', '--json'],
        gen: ['--out', '--keep-case', '--include'],
      };
      for (const [command, options] of Object.entries(expected)) {
        for (const run of [await cli(command, '--help'), await cli('help', command)]) {
          assert.equal(run.code, 0, run.stderr);
          assert.match(run.stdout, new RegExp(`^usage: getty-rpc ${command} `));
          for (const option of options) assert.ok(run.stdout.includes(option), `${command} --help mentions ${option}`);
        }
      }
    });

    it('prints the package version for --version', async () => {
      const run = await cli('--version');
      assert.equal(run.code, 0, run.stderr);
      const { version } = JSON.parse(await readFile(PACKAGE_JSON, 'utf8')) as { version: string };
      assert.equal(run.stdout.trim(), version);
    });

    it('without a command prints the usage on stderr and exits 2', async () => {
      const run = await cli();
      assert.equal(run.code, 2);
      assert.match(run.stderr, /^usage: getty-rpc <command>/);
    });
  });

  describe('echo', () => {
    it('round-trips text through $echo of a version', async () => {
      const run = await cli('echo', url, 'org.example.Calculator', 'hi there', '--version=1.0.0');
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, 'hi there\n');
    });

    it('prints JSON with --json', async () => {
      const run = await cli('echo', url, 'org.example.Calculator', '--version', '1.0.0', '--json');
      assert.equal(run.code, 0, run.stderr);
      assert.equal(JSON.parse(run.stdout), 'ping');
    });
  });

  describe('call', () => {
    it('calls a method with JSON types and args on a direct target', async () => {
      const run = await cli('call', url, 'org.example.Calculator', 'add', '["int","int"]', '[2,40]', '--version=1.0.0');
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout.trim(), '42');
    });

    it('calls through a registry URL', async () => {
      const run = await cli('call', `file://${dir}`, 'org.example.Calculator', 'greet', '["java.lang.String"]', '["ann"]', '--version=1.0.0');
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout.trim(), 'hello ann from v1');
    });

    it('addresses a group and version', async () => {
      for (const target of [url, `file://${dir}`]) {
        const run = await cli('call', target, 'org.example.Calculator', 'greet', '["java.lang.String"]', '["bo"]', '--version', '2.0.0', '--group', 'blue');
        assert.equal(run.code, 0, run.stderr);
        assert.equal(run.stdout.trim(), 'hello bo from blue');
      }
    });

    it('sends the body in the --serialization asked for', async () => {
      const run = await cli('call', url, 'org.example.Calculator', 'greet', '["java.lang.String"]', '["jo"]', '--version=1.0.0', '--serialization', 'json');
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout.trim(), 'hello jo from v1');
      const unknown = await cli('call', url, 'org.example.Calculator', 'greet', '["java.lang.String"]', '["jo"]', '--version=1.0.0', '--serialization', 'xml');
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /INVALID_ARGUMENT: unknown serialization xml/);
    });

    it('reaches a WebSocket provider with --transport ws and --ws-path', async () => {
      const args = ['call', `dubbo://127.0.0.1:${wsServer.port}`, 'org.example.Calculator', 'greet', '["java.lang.String"]', '["wes"]', '--version=1.0.0'];
      const run = await cli(...args, '--transport', 'ws', '--ws-path', '/dubbo');
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout.trim(), 'hello wes from ws');
      const wrongPath = await cli(...args, '--transport', 'ws', '--ws-path', '/elsewhere', '--timeout', '2000');
      assert.equal(wrongPath.code, 1);
    });

    it('turns TLS on with --tls (a plain provider then fails the handshake)', async () => {
      const run = await cli('call', url, 'org.example.Calculator', 'add', '["int","int"]', '[1,2]', '--version=1.0.0', '--tls', '--timeout', '2000');
      assert.equal(run.code, 1);
      assert.doesNotMatch(run.stdout, /3/);
    });

    it('sends every --attachment key=value', async () => {
      const args = ['call', url, 'org.example.Calculator', 'attachment', '["java.lang.String"]'];
      const first = await cli(...args, '["trace"]', '--version=1.0.0', '--attachment', 'trace=t-1', '--attachment=tenant=a=b');
      assert.equal(first.code, 0, first.stderr);
      assert.equal(first.stdout.trim(), 't-1');
      const second = await cli(...args, '["tenant"]', '--version=1.0.0', '--attachment', 'trace=t-1', '--attachment=tenant=a=b');
      assert.equal(second.stdout.trim(), 'a=b');
    });

    it('fails with TIMEOUT and exit code 1 when --timeout passes', async () => {
      const started = Date.now();
      const run = await cli('call', url, 'org.example.Calculator', 'slow', '[]', '[]', '--version=1.0.0', '--timeout', '300');
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^getty-rpc: TIMEOUT: /);
      assert.ok(Date.now() - started < 20_000);
    });

    // The server is the one that refuses here: a client that gives up mid-handshake
    // (an untrusted server certificate) leaves the TLS server's close() waiting
    // for its half-open socket (see the report on transport/tcp-server.ts).
    it('connects with mutual TLS from --tls-ca, --tls-cert and --tls-key, and is refused without a client certificate', async () => {
      const args = ['call', tlsUrl, 'org.example.Calculator', 'add', '["int","int"]', '[1,2]', '--version=1.0.0'];
      const mutual = await cli(...args, '--tls-ca', caFile, '--tls-cert', caFile, '--tls-key', keyFile, '--tls-servername', 'localhost');
      assert.equal(mutual.code, 0, mutual.stderr);
      assert.equal(mutual.stdout.trim(), '3');
      const insecure = await cli(...args, '--tls-insecure', '--tls-cert', caFile, '--tls-key', keyFile);
      assert.equal(insecure.code, 0, insecure.stderr);
      const noClientCert = await cli(...args, '--tls-ca', caFile, '--timeout', '2000');
      assert.equal(noClientCert.code, 1, 'the server refuses a client without a certificate');
      assert.match(noClientCert.stderr, /^getty-rpc: (NETWORK|CONNECT_FAILED|SESSION_CLOSED|TIMEOUT): /);
      const plain = await cli(...args, '--timeout', '2000');
      assert.equal(plain.code, 1, 'a plain connection to a TLS port fails');
    });

    it('reports a remote error with its code and exits 1, as JSON with --json', async () => {
      const run = await cli('call', url, 'org.example.Calculator', 'divide', '["int"]', '[1]', '--version=1.0.0', '--json');
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^getty-rpc: METHOD_NOT_FOUND: /);
      assert.equal((JSON.parse(run.stdout) as { error: { code: string } }).error.code, 'METHOD_NOT_FOUND');
    });
  });

  describe('providers', () => {
    it('lists the providers registered for an interface, one URL per line', async () => {
      const run = await cli('providers', `file://${dir}`, 'org.example.Calculator');
      assert.equal(run.code, 0, run.stderr);
      const lines = run.stdout.trim().split('\n');
      assert.equal(lines.length, 2);
      for (const line of lines) assert.match(line, new RegExp(`^dubbo://[^/]+:${server.port}/org\\.example\\.Calculator\\?`));
    });

    it('filters by --version and --group and describes each provider with --json', async () => {
      const run = await cli('providers', `file://${dir}`, 'org.example.Calculator', '--group=blue', '--json');
      assert.equal(run.code, 0, run.stderr);
      const providers = JSON.parse(run.stdout) as { version: string; group: string; application: string; methods: string[] }[];
      assert.equal(providers.length, 1);
      assert.equal(providers[0]!.version, '2.0.0');
      assert.equal(providers[0]!.application, 'cli-test');
      assert.deepEqual([...providers[0]!.methods].sort(), ['add', 'attachment', 'greet', 'slow']);
      const none = await cli('providers', `file://${dir}`, 'org.example.Calculator', '--version', '9.9.9', '--json');
      assert.deepEqual(JSON.parse(none.stdout), []);
    });
  });

  describe('gen', () => {
    it('writes the types of a .proto into --out, or prints them', async () => {
      const proto = fileURLToPath(new URL('../../../test/package/fixtures/shop.proto', import.meta.url));
      const out = join(dir, 'gen');
      const written = await cli('gen', proto, '--out', out);
      assert.equal(written.code, 0, written.stderr);
      const source = await readFile(join(out, 'shop.ts'), 'utf8');
      assert.match(source, /export interface OrderService \{/);
      assert.match(source, /orderId: string;/);
      const printed = await cli('gen', proto, '--keep-case');
      assert.equal(printed.code, 0, printed.stderr);
      assert.match(printed.stdout, /order_id: string;/);
    });

    it('finds imported .proto files in --include directories', async () => {
      const fixtures = fileURLToPath(new URL('../../../test/package/fixtures/', import.meta.url));
      const found = await cli('gen', join(fixtures, 'priced.proto'), '--include', join(fixtures, 'include'));
      assert.equal(found.code, 0, found.stderr);
      assert.match(found.stdout, /export interface Money \{\n {2}currencyCode: string;\n {2}units: number \| bigint;/);
      assert.match(found.stdout, /amount: Money \| null;/);
      const missing = await cli('gen', join(fixtures, 'priced.proto'));
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /cannot load proto/);
    });
  });

  describe('bad input: exit 2, a message naming the problem, nothing sent', () => {
    const cases: [string, string[], RegExp][] = [
      ['arguments in the types slot', ['call', 'URL', 'org.example.Calculator', 'getOrder', '["o-1"]'], /parameter type 1 is "o-1", not a Java type name/],
      ['types without arguments', ['call', 'URL', 'org.example.Calculator', 'add', '["int","int"]'], /2 parameter type\(s\) \[int, int\] but 0 argument/],
      ['an argument of the wrong type', ['call', 'URL', 'org.example.Calculator', 'add', '["int","int"]', '[1,"2"]'], /argument 2 \(int\): expected a whole number/],
      ['an int out of range', ['call', 'URL', 'org.example.Calculator', 'add', '["int","int"]', '[1,3000000000]'], /argument 2 \(int\)/],
      ['null for a primitive', ['call', 'URL', 'org.example.Calculator', 'add', '["int","int"]', '[1,null]'], /primitive cannot be null/],
      ['args that are not JSON', ['call', 'URL', 'org.example.Calculator', 'm', 'not-json'], /types-json is not JSON/],
      ['args that are not an array', ['call', 'URL', 'org.example.Calculator', 'm', '[]', '{"a":1}'], /args-json must be a JSON array/],
      ['an unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
      ['an unknown option', ['echo', 'URL', 'org.example.Calculator', '--retries=3'], /unknown option --retries for echo/],
      ['an option without its value', ['echo', 'URL', 'org.example.Calculator', '--group'], /--group needs a value/],
      ['a bad --timeout', ['echo', 'URL', 'x', '--timeout-ms=-1'], /--timeout-ms must be a positive whole number/],
      ['a bad --attachment', ['echo', 'URL', 'x', '--attachment', 'novalue'], /--attachment takes key=value/],
      ['a target that is not a URL', ['echo', '127.0.0.1:20880', 'x'], /target must be a URL/],
      ['--tls-cert without --tls-key', ['echo', 'URL', 'x', '--tls-cert', 'c.pem'], /--tls-cert and --tls-key go together/],
      ['a missing interface', ['call', 'URL'], /call needs at least 3 arguments/],
      ['too many words', ['providers', 'file:///tmp', 'a', 'b'], /providers takes at most 2 arguments/],
      ['gen without a file', ['gen'], /gen needs a \.proto file/],
      ['gen of a missing file', ['gen', '/nonexistent/x.proto'], /cannot load proto/],
    ];
    for (const [what, args, message] of cases) {
      it(what, async () => {
        const run = await cli(...args.map((arg) => (arg === 'URL' ? url : arg)));
        assert.equal(run.code, 2, run.stderr);
        assert.match(run.stderr, /^getty-rpc: INVALID_ARGUMENT: /);
        assert.match(run.stderr, message);
        assert.match(run.stderr, /--help' for usage/);
        assert.equal(run.stdout, '');
      });
    }
  });
});
