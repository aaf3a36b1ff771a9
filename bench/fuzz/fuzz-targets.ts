/**
 * The in-process decoder targets of the fuzzer: each has a corpus of valid
 * inputs, an optional fix-up that keeps a mutated input's length field
 * honest (so most inputs reach the body decoders instead of stopping at
 * "incomplete"), and a decode step that returns an outcome label. An
 * RpcError, thrown or carried by the package, is a typed rejection; any
 * other throw is a crash.
 */
import protobuf from 'protobufjs';
import * as wsLibrary from 'ws';
import { isRpcError } from '../../common/rpc-error.js';
import { DubboCodec } from '../../rpc/protocol/dubbo-codec.js';
import { createHeartbeatRequest, createRequest, createResponse, type DubboPackage } from '../../rpc/protocol/dubbo-package.js';
import { protoServiceFromRoot } from '../../rpc/serialization/proto-service-loader.js';
import { LengthFieldCodec } from '../../transport/length-field-codec.js';
import type { Mutator } from './mutator.js';

/** ws's frame parser: exported by the package, not described by its type declarations. */
interface WsReceiver {
  on(event: string, listener: (...args: never[]) => void): void;
  write(chunk: Buffer): boolean;
}
const { Receiver } = wsLibrary as unknown as { Receiver: new (options: object) => WsReceiver };

export interface FuzzTarget {
  readonly name: string;
  corpus(): Buffer[];
  /** Keeps the length field consistent with the mutated input most of the time. */
  fixUp(mutator: Mutator, input: Buffer): Buffer;
  /** Decodes one input; returns an outcome label. Throws only on a crash. */
  decode(input: Buffer): string;
  /** Outcomes reported asynchronously (ws errors), collected between batches. */
  drain?(): string[];
}

const HESSIAN2 = 2;
const JSON_ID = 6;
const PROTOBUF = 22;
const DEMO = 'org.apache.dubbo.demo.DemoService';

const GREETER_PROTO = `
syntax = "proto3";
package fuzz;
option java_package = "org.example.fuzz";
message HelloRequest { string name = 1; int32 times = 2; repeated string tags = 3; map<string, string> extra = 4; }
message HelloReply { string message = 1; repeated string echoes = 2; }
service Greeter { rpc SayHello (HelloRequest) returns (HelloReply); }
`;

/** Requests and responses a provider and a consumer really exchange, in one serialization. */
export function dubboCorpus(serialization: number): Buffer[] {
  const codec = new DubboCodec();
  const packages: DubboPackage[] = [];
  const request = (id: number, method: string, parameterTypes: string[], args: unknown[]) =>
    createRequest({ id, serialization, path: DEMO, version: '1.0.0', method, parameterTypes, args, attachments: { interface: DEMO, timeout: '3000', trace: 'abc' } });
  if (serialization === PROTOBUF) {
    const greeter = protoServiceFromRoot(protobuf.parse(GREETER_PROTO, { keepCase: true }).root);
    const method = greeter.methods.SayHello!;
    const hello = (name: string) => method.requestType.encode(method.requestType.fromObject({ name, times: 3, tags: ['a', 'b'], extra: { k: 'v' } })).finish();
    packages.push(
      createRequest({ id: 1, serialization, path: greeter.name, method: 'SayHello', parameterTypes: [method.parameterType], args: [hello('world')], attachments: { a: '1' } }),
      createResponse({ id: 2, serialization, value: method.responseType.encode({ message: 'hi', echoes: ['x', 'y'] }).finish(), returnType: method.returnType }),
      createResponse({ id: 3, serialization, exception: { type: 'java.lang.IllegalStateException', message: 'boom' } }),
    );
  } else {
    packages.push(
      request(1, 'sayHello', ['java.lang.String'], ['world']),
      request(2, 'add', ['int', 'int'], [1, 2]),
      request(3, 'put', ['java.util.Map', 'java.util.List'], [{ a: 1, b: 'two', c: [1, 2, 3] }, ['x', { y: true }, null]]),
      request(4, 'bytes', ['[B', 'long', 'double', 'boolean'], [Buffer.from('payload'), 1234567890123, 1.5, true]),
      createResponse({ id: 5, serialization, value: 'Hello world', attachments: { k: 'v' } }),
      createResponse({ id: 6, serialization, value: { list: [1, 2, { deep: ['x'] }], n: null } }),
      createResponse({ id: 7, serialization, exception: { type: 'java.lang.IllegalStateException', message: 'boom' } }),
      createResponse({ id: 8, serialization, value: null }),
      createHeartbeatRequest(9, serialization),
    );
  }
  return packages.map((pkg) => Buffer.concat(codec.write(null, pkg)));
}

/** A Dubbo frame decoder target (header + one serialization's bodies). */
function dubboTarget(name: string, serialization: number): FuzzTarget {
  const codec = new DubboCodec();
  return {
    name,
    corpus: () => dubboCorpus(serialization),
    fixUp(mutator, input) {
      if (input.length < 16 || mutator.random() < 0.2) return input;
      input[0] = 0xda;
      input[1] = 0xbb;
      input.writeUInt32BE(input.length - 16, 12);
      return input;
    },
    decode(input) {
      return dubboOutcome(codec, input);
    },
  };
}

/** What the codec made of one input, as a label; a non-RpcError throw propagates (a crash). */
function dubboOutcome(codec: DubboCodec, input: Buffer): string {
  let result: ReturnType<DubboCodec['read']>;
  try {
    result = codec.read(null, input);
  } catch (err) {
    if (isRpcError(err)) return `threw ${err.code}`;
    throw err;
  }
  const pkg = result.pkg;
  if (pkg === undefined) return 'incomplete';
  if (pkg.error !== undefined) return `rejected ${pkg.error.code}`;
  return 'decoded';
}

/** LengthFieldCodec over a buffer that may hold several frames, as a stream session reads it. */
function lengthFieldTarget(): FuzzTarget {
  const codec = new LengthFieldCodec({ maxMsgLen: 1024 * 1024 });
  return {
    name: 'length-field',
    corpus: () => [
      codec.encode(Buffer.from('hello')),
      Buffer.concat([codec.encode(Buffer.alloc(300, 1)), codec.encode(Buffer.alloc(0)), codec.encode(Buffer.from('x'))]),
      codec.encode(Buffer.alloc(5000, 2)),
    ],
    fixUp(mutator, input) {
      if (input.length >= 4 && mutator.random() < 0.5) input.writeUInt32BE(input.length - 4, 0);
      return input;
    },
    decode(input) {
      let offset = 0;
      let frames = 0;
      try {
        while (offset < input.length) {
          const { pkg, len } = codec.readFrom(null as never, input, offset);
          if (pkg === undefined) return frames > 0 ? 'frames then incomplete' : 'incomplete';
          offset += len;
          frames++;
        }
      } catch (err) {
        if (isRpcError(err)) return `threw ${err.code}`;
        throw err;
      }
      return 'decoded';
    },
  };
}

/**
 * WebSocket frames from a client (masked) carrying Dubbo frames, parsed by
 * ws's Receiver as a ws server does; each message is then split into Dubbo
 * frames as a WsSession does (every frame of the message decoded).
 */
function wsTarget(): FuzzTarget {
  const codec = new DubboCodec();
  const late: string[] = [];
  const messages: Buffer[] = [];
  return {
    name: 'ws-frames',
    corpus: () => {
      const dubbo = dubboCorpus(HESSIAN2);
      return [
        wsFrame(dubbo[0]!),
        wsFrame(Buffer.concat([dubbo[1]!, dubbo[4]!])),
        Buffer.concat([wsFrame(dubbo[2]!, false), wsContinuation(dubbo[3]!)]),
      ];
    },
    fixUp: (_m, input) => input,
    decode(input) {
      const receiver = new Receiver({ isServer: true, maxPayload: 1024 * 1024, binaryType: 'nodebuffer' });
      receiver.on('message', (data: Buffer) => void messages.push(data));
      receiver.on('error', (err: Error & { code?: string }) => void late.push(`ws error ${err.code ?? err.message}`));
      receiver.on('conclude', () => {});
      receiver.on('ping', () => {});
      receiver.on('pong', () => {});
      receiver.write(input);
      if (messages.length === 0) return 'no message';
      const labels: string[] = [];
      for (const message of messages.splice(0)) {
        let offset = 0;
        while (offset < message.length) {
          const view = message.subarray(offset);
          const outcome = dubboOutcome(codec, view);
          labels.push(outcome);
          if (outcome !== 'decoded' && !outcome.startsWith('rejected')) break;
          offset += codec.read(null, view).len;
        }
      }
      return labels.includes('decoded') ? 'message decoded' : `message ${labels[0] ?? 'empty'}`;
    },
    drain: () => late.splice(0),
  };
}

/** A masked binary frame (zero mask key: RFC 6455 allows any). */
function wsFrame(payload: Buffer, fin = true, opcode = 0x2): Buffer {
  const first = (fin ? 0x80 : 0) | opcode;
  if (payload.length < 126) return Buffer.concat([Buffer.from([first, 0x80 | payload.length, 0, 0, 0, 0]), payload]);
  const header = Buffer.from([first, 0x80 | 126, 0, 0, 0, 0, 0, 0]);
  header.writeUInt16BE(payload.length, 2);
  return Buffer.concat([header, payload]);
}

function wsContinuation(payload: Buffer): Buffer {
  return wsFrame(payload, true, 0x0);
}

export function inProcessTargets(): FuzzTarget[] {
  return [
    dubboTarget('dubbo-hessian2', HESSIAN2),
    dubboTarget('dubbo-json', JSON_ID),
    dubboTarget('dubbo-protobuf', PROTOBUF),
    lengthFieldTarget(),
    wsTarget(),
  ];
}
