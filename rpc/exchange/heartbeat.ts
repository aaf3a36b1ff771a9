/**
 * The one heartbeat answer, used by both ends of a connection (consumer
 * and provider, Node and browser): a peer's two-way heartbeat request gets
 * an event response with its id, as dubbo-go `remoting/getty/listener.go`
 * answers it on either side. Heartbeats are sent by the consumer
 * (ExchangeClient.onCron); a provider only answers and watches idle time.
 */
import { createHeartbeatResponse, type DubboPackage } from '../protocol/dubbo-package.js';

/** Where the answer is written: a transport session, or the browser client's socket. */
export interface PackageWriter {
  writePkg(pkg: DubboPackage): unknown;
}

/** True when `pkg` is a heartbeat request (answered if the peer waits for an answer): nothing else to do with it. */
export function answerHeartbeat(pkg: DubboPackage, writer: PackageWriter): boolean {
  if (pkg.kind !== 'request' || !pkg.event) return false;
  if (pkg.twoWay) writer.writePkg(createHeartbeatResponse(pkg));
  return true;
}
