/**
 * Hostile hessian2 request and response bodies, shared by the hostile-value tests
 * (hessian2-hostile.test.ts: fast, in the serialization-hessian2 mutation group) and the volume tests
 * (hessian2-volume.test.ts: frames of megabytes, amplification over loopback).
 */
import { createRequest, type DubboRequest, type DubboResponse } from '../../../rpc/protocol/dubbo-package.js';
import { defineService } from '../../../rpc/service.js';
import { hessian2Serialization as hessian2 } from '../../../rpc/serialization/hessian2.js';
import { HESSIAN2_MAX_DEPTH } from '../../../rpc/serialization/hessian2-decoder.js';
import { hstr } from '../protocol/golden-frames.js';

export const Hostile = defineService('org.example.Hostile', {
  take: { params: ['java.lang.Object'], returns: 'java.lang.String' },
  many: { params: ['int'], returns: 'java.util.List' },
});

/** A request body up to the arguments: one java.lang.Object parameter. */
export function requestPrefix(method = 'take'): Buffer {
  return Buffer.concat([hstr('2.0.2'), hstr('org.example.Hostile'), hstr(''), hstr(method), hstr('Ljava/lang/Object;')]);
}

export const ATTACHMENTS = Buffer.concat([Buffer.from([0x48]), hstr('path'), hstr('org.example.Hostile'), Buffer.from([0x5a])]);

export function requestBody(arg: Buffer, withAttachments = true): Buffer {
  return Buffer.concat([requestPrefix(), arg, withAttachments ? ATTACHMENTS : Buffer.alloc(0)]);
}

/** Hostile values a peer can put where an argument (or a return value) goes. */
export const HOSTILE: Record<string, Buffer> = {
  'a byte[] declaring 65 535 bytes with 2 behind': Buffer.from([0x42, 0xff, 0xff, 0x01, 0x02]),
  'a reference to an object not yet read': Buffer.from([0x51, 0x95]),
  'reference id 2^31-1': Buffer.from([0x51, 0x49, 0x7f, 0xff, 0xff, 0xff]),
  'a negative reference id': Buffer.from([0x51, 0x8f]),
  'a truncated final string chunk': Buffer.from([0x53, 0x7f, 0xff, 0x61, 0x62]),
  'a truncated compact string': Buffer.from([0x33, 0xff, 0x61]),
  'a string cut inside a 3-byte character': Buffer.from([0x01, 0xe4, 0xb8]),
  'a bad UTF-8 lead byte': Buffer.from([0x02, 0x61, 0xff]),
  'a fixed list of 10 with one element': Buffer.from([0x58, 0x9a, 0x91]),
  'a variable list without its end': Buffer.from([0x57, 0x91, 0x92]),
  'a list announcing 2^31-1 elements': Buffer.from([0x58, 0x49, 0x7f, 0xff, 0xff, 0xff, 0x91]),
  'a list with a negative length': Buffer.from([0x58, 0x8f]),
  'a map with a key and no value': Buffer.concat([Buffer.from([0x48]), hstr('a')]),
  'a class definition cut after its field count': Buffer.concat([Buffer.from([0x43]), hstr('org.example.Demo'), Buffer.from([0x92]), hstr('a')]),
  'a class definition announcing 2^31-1 fields': Buffer.concat([Buffer.from([0x43]), hstr('D'), Buffer.from([0x49, 0x7f, 0xff, 0xff, 0xff])]),
  'an object of a class never defined': Buffer.from([0x60, 0x91]),
  'an object with a class reference beyond the definitions': Buffer.from([0x4f, 0x49, 0x7f, 0xff, 0xff, 0xff]),
  'a typed list with a type reference never defined': Buffer.from([0x71, 0x95, 0x91]),
  'a truncated long': Buffer.from([0x4c, 0x00, 0x01]),
  'a truncated double': Buffer.from([0x44, 0x00]),
  'a truncated date': Buffer.from([0x4a, 0x00, 0x00]),
  'an unknown code': Buffer.from([0x40]),
  'a list end where a value must be': Buffer.from([0x5a]),
  [`lists nested ${HESSIAN2_MAX_DEPTH + 1} deep`]: Buffer.concat([Buffer.alloc(HESSIAN2_MAX_DEPTH + 1, 0x79), Buffer.from([0x90])]),
  'a BigDecimal without its text': Buffer.concat([Buffer.from([0x43]), hstr('java.math.BigDecimal'), Buffer.from([0x91]), hstr('value'), Buffer.from([0x60, 0x91])]),
};

/** A response body (flag 1, value) holding `value`. */
export function responseBody(value: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x91]), value]);
}

export function decodeRequest(body: Buffer): DubboRequest {
  const request = createRequest({ id: 1 });
  hessian2.decodeRequestBody(body, request);
  return request;
}

export function decodeResponse(body: Buffer): DubboResponse {
  const response: DubboResponse = { kind: 'response', id: 1, status: 20, serialization: 2, event: false, attachments: {} };
  hessian2.decodeResponseBody(body, response);
  return response;
}
