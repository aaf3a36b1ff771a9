/**
 * System 4c: getty-rpc RPC echo with the protobuf serialization. The service
 * is defined from .proto text kept here (so nothing has to be copied next to
 * the compiled files): `Echo(EchoMessage) returns (EchoMessage)` with one
 * `bytes payload` field.
 */
import protobuf from 'protobufjs';
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

type ProtoDefine = (source: unknown) => unknown;
type ProtoFromRoot = (root: protobuf.Root) => unknown;

let definition: unknown;

const protoEcho: EchoDefinitionSource = {
  method: 'Echo',
  definition(rpc) {
    const define = rpc.defineProtoService as ProtoDefine | undefined;
    const fromRoot = rpc.protoServiceFromRoot as ProtoFromRoot | undefined;
    if (typeof define !== 'function' || typeof fromRoot !== 'function') {
      throw new Error('not available yet: rpc/index.js lacks defineProtoService / protoServiceFromRoot');
    }
    definition ??= define(fromRoot(protobuf.parse(ECHO_PROTO, { keepCase: true }).root));
    return definition;
  },
  toArgument: (payload) => ({ payload }),
  replyLength: (reply) => ((reply as { payload?: Uint8Array }).payload ?? new Uint8Array()).length,
};

registerSystem(gettyRpcSystem('protobuf', protoEcho));
