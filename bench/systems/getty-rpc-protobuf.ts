/**
 * System 4c: getty-rpc RPC echo with the protobuf serialization. The service
 * is defined from .proto text (kept here, so nothing has to be copied next to
 * the compiled files): `Echo(EchoMessage) returns (EchoMessage)` with one
 * `bytes payload` field.
 *
 * NOT AVAILABLE YET: the RPC layer's protobuf service definition
 * (rpc/proto-service.ts) is still being written; until rpc/index.js exports
 * a way to define a service from .proto text, this system is skipped with
 * that reason.
 */
import type { EchoDefinitionSource } from './getty-rpc.js';
import { gettyRpcSystem } from './getty-rpc.js';
import { registerSystem } from './system-registry.js';

export const ECHO_PROTO = `
syntax = "proto3";
package bench;
option java_package = "org.apache.dubbo.bench.proto";
message EchoMessage { bytes payload = 1; }
service EchoService { rpc Echo (EchoMessage) returns (EchoMessage); }
`;

const protoEcho: EchoDefinitionSource = {
  definition() {
    throw new Error('not available yet: rpc/index.js has no protobuf service definition from .proto text');
  },
  toArgument: (payload) => ({ payload }),
  replyLength: (reply) => ((reply as { payload?: Uint8Array }).payload ?? new Uint8Array()).length,
};

registerSystem(gettyRpcSystem('protobuf', protoEcho));
