/**
 * The registry of serializations: found by the 5-bit id of the frame header
 * or by name (any case), ids 1-31 only, a later registration replacing an
 * earlier one, an unknown one reported with the known names.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../../common/rpc-error.js';
import '../../../rpc/serialization/builtin.js';
import { findSerialization, getSerialization, registerSerialization, type Serialization, serializationNames } from '../../../rpc/serialization/serialization.js';

const fake = (id: number, name: string): Serialization => ({
  id,
  name,
  encodeRequestBody: () => Buffer.alloc(0),
  decodeRequestBody: () => {},
  encodeResponseBody: () => Buffer.alloc(0),
  decodeResponseBody: () => {},
  encodeEventBody: () => Buffer.alloc(0),
});

describe('serialization registry', () => {
  it('finds the built-in serializations by id and by name in any case', () => {
    assert.equal(findSerialization(2)?.name, 'hessian2');
    assert.equal(findSerialization('JSON')?.id, 6);
    assert.equal(getSerialization('protobuf').id, 22);
    assert.equal(getSerialization(21).name, 'protobuf-go');
    assert.equal(findSerialization(3), undefined);
    assert.equal(findSerialization('kryo'), undefined);
  });

  it('lists every registered name', () => {
    assert.deepEqual([...serializationNames()].sort(), ['hessian2', 'json', 'protobuf', 'protobuf-go']);
  });

  it('reports an unknown id or name with the known names', () => {
    for (const unknown of [9, 'kryo']) {
      assert.throws(
        () => getSerialization(unknown),
        (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT) && e.message === `unknown serialization ${unknown} (known: ${serializationNames().join(', ')})`,
      );
    }
  });

  it('takes ids 1 to 31 and refuses any other, naming it', () => {
    registerSerialization(fake(1, 'First'));
    registerSerialization(fake(31, 'last'));
    assert.equal(getSerialization('first').id, 1);
    assert.equal(getSerialization(31).name, 'last');
    for (const id of [0, 32, -1, 1.5, Number.NaN]) {
      assert.throws(
        () => registerSerialization(fake(id, `bad-${id}`)),
        (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT) && e.message === `serialization id must be 1..31, got ${id}`,
      );
      assert.equal(findSerialization(`bad-${id}`), undefined);
    }
  });

  it('replaces a serialization registered again under the same id and name', () => {
    const again = fake(1, 'first');
    registerSerialization(again);
    assert.equal(getSerialization(1), again);
    assert.equal(getSerialization('FIRST'), again);
  });
});
