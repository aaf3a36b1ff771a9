import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError, RpcError } from '../../../common/rpc-error.js';
import { DubboCodec } from '../../../rpc/exchange/dubbo-codec.js';
import { createHeartbeatRequest, createResponse, type DubboRequest, type DubboResponse } from '../../../rpc/protocol/dubbo-package.js';
import { capturedRequestFrame, frame, header, hstr } from '../protocol/golden-frames.js';
import { randomBytes, seededRandom } from '../protocol/seeded-random.js';

const codec = new DubboCodec();
const SERIALIZATION_IDS = [2, 6, 21, 22];

function throwsCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (err) => isRpcError(err) && err.code === code);
}

function readPkg<P>(buf: Buffer): P {
  const result = codec.read(null, buf);
  assert.equal(result.len, buf.length);
  return result.pkg as P;
}

describe('DubboCodec bad headers', () => {
  it('closes on a bad magic even before 16 bytes arrived', () => {
    throwsCode(() => codec.read(null, Buffer.from([0x12])), ErrorCode.BAD_PACKAGE);
    throwsCode(() => codec.read(null, Buffer.from([0xda, 0x00, 0xc2])), ErrorCode.BAD_PACKAGE);
    const frameWithBadMagic = capturedRequestFrame();
    frameWithBadMagic[1] = 0xbc;
    throwsCode(() => codec.read(null, frameWithBadMagic), ErrorCode.BAD_PACKAGE);
  });

  it('rejects an unknown serialization id', () => {
    for (const id of [0, 1, 5, 31]) throwsCode(() => codec.read(null, header(0xc0 | id, 0, 1, 1)), ErrorCode.BAD_PACKAGE);
  });

  it('rejects a body length that is negative as a Java int', () => {
    throwsCode(() => codec.read(null, header(0xc2, 0, 1, 0x8000_0000)), ErrorCode.BAD_PACKAGE);
    throwsCode(() => codec.read(null, header(0xc2, 0, 1, 0xffff_ffff)), ErrorCode.BAD_PACKAGE);
  });

  it('rejects an oversize frame from the header alone, before the body arrives', () => {
    throwsCode(() => codec.read(null, header(0xc2, 0, 1, 8 * 1024 * 1024)), ErrorCode.MSG_TOO_LONG);
    const small = new DubboCodec({ maxFrameLen: 1024 });
    throwsCode(() => small.read(null, header(0x02, 20, 1, 1009)), ErrorCode.MSG_TOO_LONG);
    assert.deepEqual(small.read(null, header(0x02, 20, 1, 1008)), { len: 1024 });
  });
});

describe('DubboCodec corrupt bodies in intact frames', () => {
  it('returns a request carrying BAD_REQUEST, keeping id and two-way, and keeps reading', () => {
    const corrupt = frame(0xc2, 0, 42, Buffer.from([0x05, 0x32, 0xff, 0xff]));
    const next = capturedRequestFrame();
    const stream = Buffer.concat([corrupt, next]);
    const first = codec.read(null, stream);
    const req = first.pkg as DubboRequest;
    assert.equal(req.id, 42);
    assert.equal(req.twoWay, true);
    assert.ok(isRpcError(req.error, ErrorCode.BAD_REQUEST));
    const second = codec.read(null, stream.subarray(first.len)).pkg as DubboRequest;
    assert.equal(second.error, undefined);
    assert.equal(second.method, 'sayHello');
  });

  it('reports a truncated body (the header length cuts a value short)', () => {
    const whole = capturedRequestFrame();
    const cut = Buffer.from(whole.subarray(0, 60));
    cut.writeUInt32BE(44, 12);
    assert.ok(isRpcError(readPkg<DubboRequest>(cut).error, ErrorCode.BAD_REQUEST));
  });

  it('reports a malformed parameter descriptor', () => {
    const body = Buffer.concat([hstr('2.0.2'), hstr('p'), hstr(''), hstr('m'), hstr('Ljava/lang/String'), hstr('x')]);
    const req = readPkg<DubboRequest>(frame(0xc2, 0, 3, body));
    assert.ok(isRpcError(req.error, ErrorCode.BAD_REQUEST));
    assert.match(req.error!.message, /descriptor/);
  });

  it('reports an empty request body', () => {
    assert.ok(isRpcError(readPkg<DubboRequest>(frame(0xc2, 0, 3, Buffer.alloc(0))).error, ErrorCode.BAD_REQUEST));
  });

  it('reports an unknown response flag as BAD_RESPONSE', () => {
    const res = readPkg<DubboResponse>(frame(0x02, 20, 5, Buffer.from([0x99])));
    assert.equal(res.id, 5);
    assert.ok(isRpcError(res.error, ErrorCode.BAD_RESPONSE));
    const followed = readPkg<DubboResponse>(frame(0x02, 20, 6, Buffer.from([0x99, 0x91])));
    assert.ok(isRpcError(followed.error, ErrorCode.BAD_RESPONSE));
    const valueMissing = readPkg<DubboResponse>(frame(0x02, 20, 7, Buffer.from([0x91])));
    assert.ok(isRpcError(valueMissing.error, ErrorCode.BAD_RESPONSE));
  });

  it('survives a hostile list length inside the body', () => {
    const hostileList = Buffer.from([0x58, 0x49, 0x7f, 0xff, 0xff, 0xff, 0x91]);
    const body = Buffer.concat([hstr('2.0.2'), hstr('p'), hstr(''), hstr('m'), hstr('Ljava/util/List;'), hostileList]);
    const req = readPkg<DubboRequest>(frame(0xc2, 0, 3, body));
    assert.ok(isRpcError(req.error, ErrorCode.BAD_REQUEST));
  });

  it('ignores whatever an event frame carries', () => {
    const req = readPkg<DubboRequest>(frame(0xe2, 0, 8, Buffer.from([0xff, 0x00])));
    assert.equal(req.event, true);
    assert.equal(req.error, undefined);
  });
});

describe('DubboCodec fuzz', () => {
  it('never throws anything but RpcError on random streams (5 000 inputs)', () => {
    const random = seededRandom(0xdabb);
    for (let i = 0; i < 5000; i++) {
      const buf = randomBytes(random, Math.floor(random() * 64));
      if (i % 2 === 0 && buf.length > 1) buf.writeUInt16BE(0xdabb, 0);
      try {
        codec.read(null, buf);
      } catch (err) {
        assert.ok(err instanceof RpcError, `input ${buf.toString('hex')} threw ${String(err)}`);
      }
    }
  });

  it('never throws on random bodies inside intact frames, for every serialization (4 × 1 500 inputs)', () => {
    const random = seededRandom(42);
    for (const id of SERIALIZATION_IDS) {
      for (let i = 0; i < 1500; i++) {
        const request = random() < 0.5;
        const flag = (request ? 0xc0 : 0x00) | id;
        const body = randomBytes(random, Math.floor(random() * 80));
        const pkg = readPkg<DubboRequest | DubboResponse>(frame(flag, 20, i, body));
        assert.equal(pkg.id, i);
        if (pkg.error !== undefined) assert.ok(pkg.error instanceof RpcError);
      }
    }
  });

  it('never throws on mutated valid frames', () => {
    const random = seededRandom(7);
    const valid = [capturedRequestFrame(), Buffer.concat(codec.write(null, createHeartbeatRequest(3)))];
    for (let i = 0; i < 3000; i++) {
      const buf = Buffer.from(valid[i % valid.length]!);
      const at = 16 + Math.floor(random() * (buf.length - 16));
      buf[at] = Math.floor(random() * 256);
      const pkg = readPkg<DubboRequest>(buf);
      if (pkg.error !== undefined) assert.ok(pkg.error instanceof RpcError);
    }
  });
});

describe('DubboCodec errors say what is wrong', () => {
  const fails = (fn: () => unknown, code: string, message: RegExp) =>
    assert.throws(fn, (err) => isRpcError(err) && err.code === code && message.test(err.message), `${code} ${message}`);

  it('names the bad magic and the unknown serialization id', () => {
    fails(() => codec.read(null, Buffer.from([0x12])), ErrorCode.BAD_PACKAGE, /bad magic 0x12, expected 0xdabb/);
    fails(() => codec.read(null, Buffer.from([0xda, 0xbc])), ErrorCode.BAD_PACKAGE, /bad magic 0xdabc/);
    fails(() => codec.read(null, header(0xc0 | 5, 0, 1, 1)), ErrorCode.BAD_PACKAGE, /unknown serialization id 5$/);
  });

  it('names the impossible body length, and accepts the largest possible one', () => {
    fails(() => codec.read(null, header(0xc2, 0, 1, 0x8000_0000)), ErrorCode.BAD_PACKAGE, /impossible body length 2147483648/);
    const widest = new DubboCodec({ maxFrameLen: 16 + 0x7fff_ffff });
    assert.deepEqual(widest.read(null, header(0xc2, 0, 1, 0x7fff_ffff)), { len: 16 + 0x7fff_ffff });
  });

  it('names the frame size and the limit it exceeds', () => {
    const small = new DubboCodec({ maxFrameLen: 1024 });
    fails(() => small.read(null, header(0x02, 20, 1, 1009)), ErrorCode.MSG_TOO_LONG, /frame of 1025 bytes exceeds maxFrameLen 1024/);
  });

  it('accepts maxFrameLen from 16 to 2^31 + 15 and names a bad one', () => {
    for (const good of [16, 2 ** 31 + 15]) assert.ok(new DubboCodec({ maxFrameLen: good }));
    fails(() => new DubboCodec({ maxFrameLen: 2 ** 31 + 16 }), ErrorCode.INVALID_ARGUMENT, /16\.\.2\^31\+15, got 2147483664/);
    fails(() => new DubboCodec({ maxFrameLen: 15 }), ErrorCode.INVALID_ARGUMENT, /got 15/);
  });

  it('writes a frame of exactly maxFrameLen bytes and refuses one byte more', () => {
    const response = createResponse({ id: 1, value: 'x'.repeat(100) });
    const exact = Buffer.concat(codec.write(null, response)).length;
    assert.equal(Buffer.concat(new DubboCodec({ maxFrameLen: exact }).write(null, response)).length, exact);
    fails(
      () => new DubboCodec({ maxFrameLen: exact - 1 }).write(null, response),
      ErrorCode.MSG_TOO_LONG,
      new RegExp(`^frame of ${exact} bytes exceeds maxFrameLen ${exact - 1}$`),
    );
  });

  it('gives the serialization the body room left after the 16-byte header, so a big body stops while written', () => {
    const big = createResponse({ id: 1, value: 'x'.repeat(200_000) });
    fails(() => new DubboCodec({ maxFrameLen: 65_536 }).write(null, big), ErrorCode.MSG_TOO_LONG, /limit of 65520 bytes/);
  });

  it('names the unknown serialization it was asked to write', () => {
    fails(() => codec.write(null, createResponse({ id: 1, value: 1, serialization: 30 })), ErrorCode.SERIALIZATION, /unknown serialization id 30/);
  });

  it('says which body is corrupt and keeps the decoder\'s error as the cause', () => {
    const request = readPkg<DubboRequest>(frame(0xc2, 0, 42, Buffer.from([0x05, 0x32, 0xff, 0xff])));
    assert.match(request.error?.message ?? '', /^corrupt request body: ./);
    assert.ok(request.error?.cause instanceof Error);
    const response = readPkg<DubboResponse>(frame(0x02, 20, 43, Buffer.from([0xff, 0xff])));
    assert.ok(isRpcError(response.error, ErrorCode.BAD_RESPONSE));
    assert.match(response.error.message, /^corrupt response body: ./);
    assert.ok(response.error.cause instanceof Error);
  });

  it('decodes a heartbeat request as an event with nothing else in it', () => {
    const heartbeat = readPkg<DubboRequest>(Buffer.concat(codec.write(null, createHeartbeatRequest(9))));
    assert.deepEqual(
      { event: heartbeat.event, path: heartbeat.path, version: heartbeat.version, method: heartbeat.method, types: heartbeat.parameterTypes, args: heartbeat.args, error: heartbeat.error },
      { event: true, path: '', version: '', method: '', types: [], args: [], error: undefined },
    );
  });

  it('ignores whatever an event response carries', () => {
    const event = readPkg<DubboResponse>(frame(0x22, 20, 44, Buffer.from([0xff, 0xff])));
    assert.equal(event.event, true);
    assert.equal(event.error, undefined);
  });
});
