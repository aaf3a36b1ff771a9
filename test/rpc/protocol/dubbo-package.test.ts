import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../../common/rpc-error.js';
import {
  createHeartbeatRequest,
  createHeartbeatResponse,
  createRequest,
  createResponse,
  DUBBO_VERSION,
  dubboVersionToInt,
  errorCodeToStatus,
  isHeartbeat,
  ResponseStatus,
  statusToErrorCode,
  supportsResponseAttachments,
} from '../../../rpc/protocol/dubbo-package.js';

describe('response status mapping', () => {
  it('maps every status to a code and back where the pair is unique', () => {
    const pairs: [number, string][] = [
      [ResponseStatus.SERVER_TIMEOUT, ErrorCode.TIMEOUT],
      [ResponseStatus.BAD_REQUEST, ErrorCode.BAD_REQUEST],
      [ResponseStatus.BAD_RESPONSE, ErrorCode.BAD_RESPONSE],
      [ResponseStatus.SERVICE_NOT_FOUND, ErrorCode.SERVICE_NOT_FOUND],
      [ResponseStatus.SERVICE_ERROR, ErrorCode.SERVICE_ERROR],
      [ResponseStatus.SERVER_ERROR, ErrorCode.SERVER_ERROR],
      [ResponseStatus.SERVER_THREADPOOL_EXHAUSTED, ErrorCode.LIMIT_EXCEEDED],
    ];
    for (const [status, code] of pairs) {
      assert.equal(statusToErrorCode(status), code);
      assert.equal(errorCodeToStatus(code as ErrorCode), status);
    }
    assert.equal(statusToErrorCode(ResponseStatus.CLIENT_TIMEOUT), ErrorCode.TIMEOUT);
    assert.equal(statusToErrorCode(ResponseStatus.CLIENT_ERROR), ErrorCode.NETWORK);
    assert.equal(statusToErrorCode(123), ErrorCode.SERVER_ERROR);
    assert.equal(errorCodeToStatus(ErrorCode.METHOD_NOT_FOUND), ResponseStatus.SERVICE_NOT_FOUND);
    assert.equal(errorCodeToStatus(ErrorCode.CANCELLED), ResponseStatus.SERVER_ERROR);
  });
});

describe('response attachments by caller version', () => {
  it('parses versions as Java Dubbo does', () => {
    assert.equal(dubboVersionToInt('2.0.2'), 2000200);
    assert.equal(dubboVersionToInt('2.6.2.1'), 2060201);
    assert.equal(dubboVersionToInt('2.7.0-SNAPSHOT'), 2070000);
    assert.equal(dubboVersionToInt('x'), -1);
    assert.equal(dubboVersionToInt(undefined), -1);
  });

  it('takes two to four parts of 0–99 each, and nothing else', () => {
    assert.equal(dubboVersionToInt('3.2'), 3020000);
    assert.equal(dubboVersionToInt('2.7.23.99'), 2072399);
    assert.equal(dubboVersionToInt('2.7.0.0'), 2070000);
    for (const bad of ['3', '2.7.8.1.5', '2.100.0', '2.-1.0', '2..0', '2.x.0']) assert.equal(dubboVersionToInt(bad), -1, bad);
  });

  it('answers for each caller on its own (the last answer is remembered, not reused for another version)', () => {
    // First question in this process: the remembered answer starts as the one for our own version.
    assert.equal(supportsResponseAttachments(DUBBO_VERSION), true);
    assert.equal(supportsResponseAttachments('2.6.2'), false);
    assert.equal(supportsResponseAttachments('2.6.2'), false);
    assert.equal(supportsResponseAttachments('2.7.8'), true);
    assert.equal(supportsResponseAttachments('2.7.8'), true);
    assert.equal(supportsResponseAttachments('2.5.3'), false);
  });

  it('uses flags 3–5 from 2.0.2 on, except 2.0.10–2.6.2', () => {
    for (const v of ['2.0.2', '2.0.9', '2.6.3', '2.7.8', '3.2.0']) assert.ok(supportsResponseAttachments(v), v);
    for (const v of ['2.0.1', '2.0.10', '2.5.3', '2.6.2', '2.6.2.9', '', 'junk']) assert.ok(!supportsResponseAttachments(v), v);
  });
});

describe('createRequest', () => {
  it('fills what is not given with empty values', () => {
    const request = createRequest({ id: 1 });
    assert.deepEqual(
      { path: request.path, version: request.version, method: request.method, types: request.parameterTypes, args: request.args, attachments: request.attachments },
      { path: '', version: '', method: '', types: [], args: [], attachments: {} },
    );
    assert.equal(request.twoWay, true);
    assert.equal(request.event, false);
    assert.equal(request.serialization, 2);
  });
});

describe('heartbeats', () => {
  it('tells a heartbeat (an event package) from a call', () => {
    const ping = createHeartbeatRequest(3);
    assert.equal(isHeartbeat(ping), true);
    assert.equal(isHeartbeat(createHeartbeatResponse(ping)), true);
    assert.equal(isHeartbeat(createRequest({ id: 3 })), false);
    assert.equal(isHeartbeat(createResponse({ id: 3 })), false);
  });
});
