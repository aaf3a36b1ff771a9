import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { javaClassOf } from '../../../rpc/protocol/java-object.js';
import { Hessian2Decoder } from '../../../rpc/serialization/hessian2-decoder.js';
import { hstr } from '../protocol/golden-frames.js';

const bytes = (...codes: number[]) => Buffer.from(codes);

function decode(body: Buffer): unknown {
  const decoder = new Hessian2Decoder(body);
  const value = decoder.read();
  assert.equal(decoder.pos, body.length, 'the whole value read');
  return value;
}

describe('Hessian2Decoder', () => {
  it('reads a typed map of HashMap, Map or an empty type name as a plain map, any other type keeping its class', () => {
    const typedMap = (type: string) => Buffer.concat([bytes(0x4d), hstr(type), hstr('k'), hstr('v'), bytes(0x5a)]);
    for (const type of ['', 'java.util.HashMap', 'java.util.Map']) {
      const map = decode(typedMap(type));
      assert.deepEqual(map, { k: 'v' }, type);
      assert.equal(javaClassOf(map), undefined, `type '${type}'`);
    }
    const tree = decode(typedMap('java.util.TreeMap'));
    assert.deepEqual(tree, { k: 'v' });
    assert.equal(javaClassOf(tree), 'java.util.TreeMap');
  });
});
