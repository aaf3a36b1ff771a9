import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DubboCodec } from '../../../rpc/exchange/dubbo-codec.js';
import { createHeartbeatRequest, createRequest, createResponse, type DubboPackage } from '../../../rpc/protocol/dubbo-package.js';
import { randomBytes, seededRandom } from '../protocol/seeded-random.js';

const codec = new DubboCodec();

function packages(): DubboPackage[] {
  const random = seededRandom(11);
  const out: DubboPackage[] = [createHeartbeatRequest(4)];
  for (let i = 0; i < 20; i++) {
    const payload = randomBytes(random, Math.floor(random() * 3000));
    out.push(createRequest({ id: 2 * i + 2, path: 'org.example.Echo', method: 'echo', parameterTypes: ['[B'], args: [payload], attachments: { timeout: '3000' } }));
    out.push(createResponse({ id: 2 ** 40 + i, value: payload, serialization: i % 2 === 0 ? 2 : 6 }));
  }
  return out;
}

function viaSlab(pkg: DubboPackage, offset: number): Buffer {
  const len = codec.encodedLength(null, pkg);
  const target = Buffer.alloc(offset + len + 5, 0xee);
  codec.writeInto(null, pkg, target, offset);
  assert.equal(target[offset + len], 0xee, 'writeInto wrote past encodedLength');
  return target.subarray(offset, offset + len);
}

describe('DubboCodec slab writing (encodedLength + writeInto)', () => {
  it('writes the same bytes as write(), at any offset', () => {
    for (const [i, pkg] of packages().entries()) {
      assert.deepEqual(viaSlab(pkg, i % 9), Buffer.concat(codec.write(null, pkg)), `package ${i}`);
    }
  });

  it('stays correct when another package was encoded between encodedLength and writeInto', () => {
    const [, a, b] = packages();
    const expected = Buffer.concat(codec.write(null, a!));
    const len = codec.encodedLength(null, a!);
    codec.encodedLength(null, b!);
    const target = Buffer.alloc(len);
    codec.writeInto(null, a!, target, 0);
    assert.deepEqual(target, expected);
  });

  it('hands write() a body of its own, not a view a later encode overwrites', () => {
    const [, a, b] = packages();
    const frame = codec.write(null, a!);
    const copy = Buffer.concat(frame);
    codec.write(null, b!);
    assert.deepEqual(Buffer.concat(frame), copy);
  });

  it('round-trips what it wrote into the slab', () => {
    const pkg = packages()[1]!;
    const decoded = codec.read(null, Buffer.from(viaSlab(pkg, 3)));
    assert.equal(decoded.pkg?.kind, 'request');
    assert.deepEqual((decoded.pkg as typeof pkg & { args: unknown[] }).args, (pkg as typeof pkg & { args: unknown[] }).args);
  });
});
