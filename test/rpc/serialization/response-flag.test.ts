/**
 * The response flag every serialization writes first, and the attachments
 * every request body carries (dubbo-go protocol/dubbo/impl/hessian.go).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createResponse, type DubboResponse } from '../../../rpc/protocol/dubbo-package.js';
import { chooseResponseFlag, flagHasAttachments, flagHasException, flagHasValue, requestAttachments } from '../../../rpc/serialization/response-flag.js';

describe('response flag', () => {
  const flagOf = (fields: Partial<DubboResponse>) => chooseResponseFlag(createResponse({ id: 1, ...fields }));

  it('adds 3 for a caller whose dubbo version reads response attachments', () => {
    const exception = { type: 'T', message: 'm' };
    assert.deepEqual([flagOf({ exception }), flagOf({ value: 1 }), flagOf({ value: null }), flagOf({})], [3, 4, 5, 5]);
    assert.deepEqual([flagOf({ exception, dubboVersion: '2.0.0' }), flagOf({ value: 0, dubboVersion: '2.0.0' }), flagOf({ dubboVersion: '2.0.0' })], [0, 1, 2]);
  });

  it('tells what each flag carries', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5].map(flagHasException), [true, false, false, true, false, false]);
    assert.deepEqual([0, 1, 2, 3, 4, 5].map(flagHasValue), [false, true, false, false, true, false]);
    assert.deepEqual([0, 1, 2, 3, 4, 5].map(flagHasAttachments), [false, false, false, true, true, true]);
  });
});

describe('request attachments', () => {
  it('add path, interface and version to the given ones, path always from the request', () => {
    assert.deepEqual(requestAttachments({ path: 'com.a.Svc', version: '1.0', attachments: { k: 'v', path: 'other' } }), {
      k: 'v',
      path: 'com.a.Svc',
      interface: 'com.a.Svc',
      version: '1.0',
    });
  });

  it('keep an interface the caller gave and leave out an empty version', () => {
    assert.deepEqual(requestAttachments({ path: 'com.a.Svc', version: '', attachments: { interface: 'com.a.Api' } }), { interface: 'com.a.Api', path: 'com.a.Svc' });
  });
});
