/**
 * The heartbeat frame a connection-scale client sends for each system: a
 * 4-byte length-prefixed 4-byte body for the length-field systems, and a
 * Dubbo heartbeat request (event flag, two-way, hessian2 null body, encoded
 * by getty-rpc's own codec) for the getty-rpc providers, which answer it.
 */
import { DubboCodec } from '../../rpc/protocol/dubbo-codec.js';
import { createHeartbeatRequest } from '../../rpc/protocol/dubbo-package.js';

const LENGTH_FIELD_HEARTBEAT = Buffer.from([0, 0, 0, 4, 0x68, 0x62, 0x65, 0x61]);

export function heartbeatFrame(systemId: string): Buffer {
  if (!systemId.startsWith('getty-rpc-')) return LENGTH_FIELD_HEARTBEAT;
  return Buffer.concat(new DubboCodec().write(null, createHeartbeatRequest(1)));
}
