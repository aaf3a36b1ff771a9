/**
 * A provider process for the lifecycle tests (not a test file itself):
 * `node lifecycle-child.js <registry URL or ''> <handleSignals: yes|no>`.
 * It starts an RpcServer and reports on stdout as one JSON line per event:
 * `{"started":port}` or `{"startFailed":code}`. It never calls process.exit:
 * the tests check that the process ends by itself.
 */
import { RpcServer } from '../../rpc/server.js';
import { defineService } from '../../rpc/service.js';

const Sleeper = defineService('com.example.Sleeper', { sleep: { params: ['int'], returns: 'java.lang.String' } });

const [registry, handleSignals] = process.argv.slice(2);
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const server = new RpcServer({ port: 0, registry: registry || undefined, handleSignals: handleSignals === 'yes', logger: quiet });
server.addService(Sleeper, { sleep: (ms) => new Promise((resolve) => setTimeout(() => resolve(`slept ${ms}`), ms)) });

function report(event: object): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

server.start().then(
  () => report({ started: server.port }),
  (err: { code?: string }) => report({ startFailed: err.code ?? String(err) }),
);
