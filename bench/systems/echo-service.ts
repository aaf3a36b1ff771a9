/**
 * The echo services the getty-rpc systems benchmark, one per definition
 * style, typed through the root entry point. Each knows how to export itself on an
 * RpcServer and how to call itself through an RpcClient, so the systems stay
 * generic over serializations.
 */
import protobuf from 'protobufjs';
import type { RpcClient } from '../../rpc/client.js';
import { defineProtoService } from '../../rpc/proto-service.js';
import { protoServiceFromRoot } from '../../rpc/serialization/proto-service-loader.js';
import type { RpcServer } from '../../rpc/server.js';
import { defineService } from '../../rpc/service.js';

/** One echo call: the argument built by `toArgument`, the reply checked by `replyLength`. */
export type EchoCall = (argument: unknown) => Promise<unknown>;

export interface EchoService {
  /** Adds the echo service to `server` (not started). */
  exportOn(server: RpcServer): RpcServer;
  /** A function making one echo call through `client` to the provider at `url`. */
  bind(client: RpcClient, url: string, serialization: string): EchoCall;
  /** Wraps the payload into the call's argument. */
  toArgument(payload: Buffer): unknown;
  /** Length of the echoed bytes in a reply, to check the echo. */
  replyLength(reply: unknown): number;
}

/** retries 0: a failed call is a figure, not something to hide. */
const REFER = { retries: 0 } as const;

const ByteArrayEcho = defineService('org.apache.dubbo.bench.EchoService', {
  echo: { params: ['byte[]'], returns: 'byte[]' },
});

/**
 * hessian2 and json: a Java-typed `byte[] echo(byte[])`. JSON carries byte[]
 * as base64 (fastjson's form) and, per docs/protocol.md, a return value is
 * not decoded by its declared type, so a json reply is a base64 string.
 */
export const byteArrayEcho: EchoService = {
  exportOn: (server) => server.addService(ByteArrayEcho, { echo: async (payload) => payload }),
  bind(client, url, serialization) {
    const proxy = client.refer(ByteArrayEcho, { ...REFER, url, serialization });
    return (argument) => proxy.echo(argument as Buffer);
  },
  toArgument: (payload) => payload,
  replyLength: (reply) => (typeof reply === 'string' ? Buffer.byteLength(reply, 'base64') : (reply as Uint8Array).length),
};

export const ECHO_PROTO = `
syntax = "proto3";
package bench;
option java_package = "org.apache.dubbo.bench.proto";
message EchoMessage { bytes payload = 1; }
service EchoService { rpc Echo (EchoMessage) returns (EchoMessage); }
`;

interface EchoMessage {
  payload?: Uint8Array;
}
interface ProtoEchoShape {
  Echo(request: EchoMessage): EchoMessage;
}

let protoDefinition: ReturnType<typeof defineProtoService<ProtoEchoShape>> | undefined;

/** Defined from .proto text kept here, so nothing has to be copied next to the compiled files. */
function protoEchoDefinition(): ReturnType<typeof defineProtoService<ProtoEchoShape>> {
  protoDefinition ??= defineProtoService<ProtoEchoShape>(protoServiceFromRoot(protobuf.parse(ECHO_PROTO, { keepCase: true }).root));
  return protoDefinition;
}

/** protobuf: `Echo(EchoMessage{bytes payload}) returns (EchoMessage)`. */
export const protoEcho: EchoService = {
  exportOn: (server) => server.addService(protoEchoDefinition(), { Echo: async (request) => request }),
  bind(client, url, serialization) {
    const proxy = client.refer(protoEchoDefinition(), { ...REFER, url, serialization });
    return (argument) => proxy.Echo(argument as EchoMessage);
  },
  toArgument: (payload) => ({ payload }),
  replyLength: (reply) => ((reply as EchoMessage).payload ?? new Uint8Array()).length,
};
