import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError, RpcError } from '../../../common/rpc-error.js';
import { DubboCodec } from '../../../rpc/exchange/dubbo-codec.js';
import { createHeartbeatRequest, type DubboRequest, type DubboResponse } from '../../../rpc/protocol/dubbo-package.js';
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
