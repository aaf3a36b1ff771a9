/**
 * The deployment examples, run as a user runs them: the quickstart on the
 * embedded file registry, and the ZooKeeper and etcd ones against real servers
 * started by the registry tests' helper (their address passed as ZK_ADDR /
 * ETCD_ADDR). Each must exit 0 after balancing over both providers and failing
 * over a SIGKILLed one, leaving no process or registry folder behind.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { startServer, type TestServer } from '../registry/helpers/servers.js';
import { type ExampleRun, printedPids, processExists, runExample } from './run-example.js';

function assertDemoSucceeded(run: ExampleRun): void {
  assert.equal(run.code, 0, `exit code ${run.code}\n${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /=> provider-1: 5, provider-2: 5/, 'round robin spread 10 calls evenly');
  assert.match(run.stdout, /1000 of 1000 calls succeeded \(provider-1: \d+, provider-2: \d+\), 0 failed/);
  assert.match(run.stdout, /after the crash, 10 calls:\n {2}=> provider-1: 10\n/, 'only the survivor answers');
  assert.match(run.stdout, /\nall calls succeeded\n/);
  const pids = printedPids(run.stdout);
  assert.equal(pids.length, 3, 'two providers started, one killed');
  for (const pid of pids) assert.ok(!processExists(pid), `provider pid ${pid} is gone`);
}

describe('deployment examples', () => {
  const servers: TestServer[] = [];
  after(async () => {
    await Promise.all(servers.map((server) => server.dispose()));
  });

  it('quickstart balances over two providers, survives a SIGKILLed one and removes its registry folder', async () => {
    const run = await runExample('quickstart');
    assertDemoSucceeded(run);
    const folder = /registry: file:\/\/([^?\s]+)/.exec(run.stdout)?.[1];
    assert.ok(folder, 'the quickstart names its registry folder');
    assert.ok(!existsSync(folder), `${folder} was removed`);
  });

  it('registry-zookeeper does the same against a real ZooKeeper', async () => {
    const zk = await startServer('zookeeper');
    servers.push(zk);
    assertDemoSucceeded(await runExample('registry-zookeeper', { ZK_ADDR: zk.address }));
  });

  it('registry-etcd does the same against a real etcd', async () => {
    const etcd = await startServer('etcd');
    servers.push(etcd);
    assertDemoSucceeded(await runExample('registry-etcd', { ETCD_ADDR: etcd.address }));
  });
});
