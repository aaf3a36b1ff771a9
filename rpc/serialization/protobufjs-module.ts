/**
 * protobufjs, required the first time a protobuf body is written or read or a
 * .proto is loaded, rather than at import: applications on hessian2 or JSON
 * never load it. Callers are synchronous (codecs, `loadProtoService`), hence
 * require() (protobufjs is CommonJS) instead of import().
 */
import { createRequire } from 'node:module';
import type protobuf from 'protobufjs';

export type ProtobufJs = typeof protobuf;

let lib: ProtobufJs | undefined;

export function protobufjs(): ProtobufJs {
  lib ??= createRequire(import.meta.url)('protobufjs') as ProtobufJs;
  return lib;
}
