import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import hessian from 'hessian.js';
import { ErrorCode, isRpcError } from '../../../common/rpc-error.js';
import { createRequest, createResponse, type DubboRequest, type DubboResponse } from '../../../rpc/protocol/dubbo-package.js';
import { parameterTypesToDescriptor, toHessian, wrapForJava } from '../../../rpc/protocol/java-types.js';
import { hessian2Serialization as hessian2 } from '../../../rpc/serialization/hessian2.js';
import { Hessian2Reader } from '../../../rpc/serialization/hessian2-reader.js';
import { Hessian2Writer } from '../../../rpc/serialization/hessian2-writer.js';
import { chooseResponseFlag, flagHasAttachments, requestAttachments } from '../../../rpc/serialization/response-flag.js';
import { randomBytes, seededRandom } from '../protocol/seeded-random.js';
import { randomCases } from '../../time-bound.js';

// Seeded cases per test (fewer under mutation testing: test/time-bound.ts).
const CASES = randomCases(400);

/** The request body exactly as hessian.js alone writes it: the correctness reference. */
function referenceRequestBody(request: DubboRequest): Buffer {
  const encoder = new hessian.EncoderV2();
  encoder.writeString(request.dubboVersion);
  encoder.writeString(request.path);
  encoder.writeString(request.version);
  encoder.writeString(request.method);
  encoder.writeString(parameterTypesToDescriptor(request.parameterTypes));
  for (let i = 0; i < request.args.length; i++) encoder.write(wrapForJava(request.parameterTypes[i]!, request.args[i]));
  encoder.write(toHessian(requestAttachments(request)));
  return encoder.get();
}

function referenceResponseBody(response: DubboResponse): Buffer {
  const encoder = new hessian.EncoderV2();
  const flag = chooseResponseFlag(response);
  encoder.writeInt(flag);
  if (response.value !== null && response.value !== undefined) {
    encoder.write(response.returnType === undefined ? toHessian(response.value) : wrapForJava(response.returnType, response.value));
  }
  if (flagHasAttachments(flag)) encoder.write(toHessian(response.attachments));
  return encoder.get();
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/** Lengths around every hessian2 size boundary (compact, medium, 'S'/'B', chunked). */
const LENGTHS = [0, 1, 15, 16, 31, 32, 255, 1023, 1024, 4093, 4094, 8187, 9000, 40000];

function randomString(random: () => number): string {
  const length = random() < 0.7 ? Math.floor(random() * 40) : pick(random, LENGTHS);
  const alphabet = random() < 0.8 ? 'abcXYZ09._/-:' : 'aé中\u{1F600}z';
  let out = '';
  while (out.length < length) out += pick(random, [...alphabet]);
  return out.slice(0, length);
}

function randomInt(random: () => number): number {
  return pick(random, [0, -16, 47, 48, -17, -2048, 2047, 2048, -262144, 262143, 262144, 0x7fffffff, -0x80000000, Math.floor(random() * 1e6)]);
}

/** An argument of a random Java type, including kinds only hessian.js writes (objects, lists, longs). */
function randomArg(random: () => number): [string, unknown] {
  switch (Math.floor(random() * 9)) {
    case 0:
      return ['[B', randomBytes(random, random() < 0.5 ? Math.floor(random() * 64) : pick(random, LENGTHS))];
    case 1:
      return ['java.lang.String', randomString(random)];
    case 2:
      return ['int', randomInt(random)];
    case 3:
      return ['java.lang.Boolean', random() < 0.5];
    case 4:
      return ['java.lang.Object', random() < 0.5 ? randomString(random) : randomBytes(random, 20)];
    case 5:
      return ['java.lang.String', null];
    case 6:
      return ['long', Math.floor(random() * 1e9)];
    case 7:
      return ['java.util.List', [1, 'two', { three: 3 }]];
    default:
      return ['org.example.Point', { x: randomInt(random), label: randomString(random) }];
  }
}

function randomAttachments(random: () => number): Record<string, unknown> {
  const attachments: Record<string, unknown> = {};
  const count = Math.floor(random() * 5);
  for (let i = 0; i < count; i++) attachments[randomString(random) || 'k'] = random() < 0.9 ? randomString(random) : randomInt(random);
  return attachments;
}

function randomRequest(random: () => number): DubboRequest {
  const args = Array.from({ length: Math.floor(random() * 4) }, () => randomArg(random));
  return createRequest({
    id: 2,
    path: `org.example.${randomString(random) || 'S'}`,
    version: random() < 0.5 ? '' : '1.0.0',
    method: randomString(random) || 'm',
    parameterTypes: args.map(([type]) => type),
    args: args.map(([, value]) => value),
    attachments: randomAttachments(random),
  });
}

function randomResponse(random: () => number): DubboResponse {
  const [type, value] = randomArg(random);
  return createResponse({
    id: 2,
    value,
    returnType: random() < 0.3 ? undefined : type,
    dubboVersion: random() < 0.8 ? '2.0.2' : '2.5.3',
    attachments: randomAttachments(random),
  });
}

describe('hessian2 hand-written fast path', () => {
  it('writes request bodies byte for byte as hessian.js does', () => {
    const random = seededRandom(5);
    for (let i = 0; i < CASES; i++) {
      const request = randomRequest(random);
      assert.deepEqual(hessian2.encodeRequestBody(request), referenceRequestBody(request), `case ${i}`);
    }
  });

  it('writes response bodies byte for byte as hessian.js does', () => {
    const random = seededRandom(6);
    for (let i = 0; i < CASES; i++) {
      const response = randomResponse(random);
      assert.deepEqual(hessian2.encodeResponseBody(response), referenceResponseBody(response), `case ${i}`);
    }
  });

  it('reads request bodies into the values hessian.js reads', () => {
    const random = seededRandom(7);
    for (let i = 0; i < CASES; i++) {
      const body = referenceRequestBody(randomRequest(random));
      const decoded = createRequest({ id: 2 });
      hessian2.decodeRequestBody(body, decoded);
      const decoder = new hessian.DecoderV2(body);
      const expected = [decoder.read(), decoder.read(), decoder.read(), decoder.read(), decoder.read()];
      assert.deepEqual([decoded.dubboVersion, decoded.path, decoded.version, decoded.method], expected.slice(0, 4), `case ${i}`);
      for (const arg of decoded.args) assert.deepEqual(arg, decoder.read(), `case ${i}`);
      assert.deepEqual({ ...decoded.attachments }, { ...(decoder.read() as object) }, `case ${i}`);
    }
  });

  it('reads response bodies into the values hessian.js reads', () => {
    const random = seededRandom(8);
    for (let i = 0; i < CASES; i++) {
      const response = randomResponse(random);
      const body = referenceResponseBody(response);
      const decoded = createResponse({ id: 2 });
      hessian2.decodeResponseBody(body, decoded);
      const decoder = new hessian.DecoderV2(body);
      decoder.read();
      const value = response.value === null ? null : decoder.read();
      assert.deepEqual(decoded.value, value, `case ${i}`);
      if (flagHasAttachments(chooseResponseFlag(response))) assert.deepEqual({ ...decoded.attachments }, { ...(decoder.read() as object) });
    }
  });

  it('falls back to the full decoder for a map that is not all strings, keeping its meaning', () => {
    const body = new hessian.EncoderV2().write({ a: 'x', b: 1 }).get();
    assert.deepEqual(new Hessian2Reader(body).map(), { a: 'x', b: 1 });
  });

  it('fails a truncated request body with an error, never a wrong value', () => {
    const random = seededRandom(9);
    let failures = 0;
    for (let i = 0; i < CASES; i++) {
      const body = referenceRequestBody(randomRequest(random));
      const whole = createRequest({ id: 2 });
      hessian2.decodeRequestBody(body, whole);
      const cut = body.subarray(0, Math.floor(random() * body.length));
      const decoded = createRequest({ id: 2 });
      try {
        hessian2.decodeRequestBody(cut, decoded);
      } catch (err) {
        assert.ok(isRpcError(err), `case ${i}: ${String(err)}`);
        failures++;
        continue;
      }
      // Attachments are optional: only a cut right after the last argument may decode, to the same arguments.
      assert.deepEqual(decoded.args, whole.args, `case ${i}`);
      assert.deepEqual(decoded.attachments, {}, `case ${i}`);
    }
    assert.ok(failures > CASES / 2, `${failures} of ${CASES} truncated bodies failed`);
  });

  it('rejects a mismatch of arguments and parameter types with SERIALIZATION', () => {
    const request = createRequest({ id: 2, parameterTypes: ['int'], args: [] });
    assert.throws(() => hessian2.encodeRequestBody(request), (err) => isRpcError(err, ErrorCode.SERIALIZATION));
  });

  it('grows its buffer for large values and keeps earlier bytes', () => {
    const writer = new Hessian2Writer();
    writer.string('head');
    const big = randomBytes(seededRandom(10), 100_000);
    writer.bytes(big);
    assert.deepEqual(writer.copy(), Buffer.concat([new hessian.EncoderV2().writeString('head').get(), new hessian.EncoderV2().writeBytes(big).get()]));
  });
});
