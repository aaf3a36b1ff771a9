/**
 * A node:cluster worker of the `getty-rpc-hessian2-wN` bench systems: one
 * RpcServer with the byte[] echo, started by ProviderWorkers. Does nothing
 * when run on its own (it is only ever forked by a ProviderWorkers primary).
 */
import cluster from 'node:cluster';
import { startProviderWorkers } from '../../rpc/provider-workers.js';
import { RpcServer } from '../../rpc/server.js';
import { byteArrayEcho } from '../systems/echo-service.js';

/** argv[2], when given: sessionTimeoutMs (connection scale closes sessions idle for 3 heartbeat periods). */
const sessionTimeoutMs = process.argv[2] ? Number(process.argv[2]) : undefined;

if (cluster.isWorker) {
  void startProviderWorkers({
    setup: () => byteArrayEcho.exportOn(new RpcServer({ host: '127.0.0.1', port: 0, sessionTimeoutMs })),
  });
}
