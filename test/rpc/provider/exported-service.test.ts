import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError, RpcError } from '../../../common/rpc-error.js';
import type { AccessLogEntry } from '../../../rpc/filters/access-log-filter.js';
import { ExportedService, MAX_THROWN_TEXT } from '../../../rpc/provider/exported-service.js';
import { RpcInvocation } from '../../../rpc/rpc-invocation.js';
import { defineService } from '../../../rpc/service.js';

const Echo = defineService('org.example.Echo', {
  echo: { params: ['java.lang.String'], returns: 'java.lang.String' },
});
const Inferred = defineService<{ hi(): Promise<string> }>('org.example.Inferred');

function call(service: ExportedService, methodName: string, args: unknown[] = []): Promise<unknown> {
  return service.invoke(new RpcInvocation({ interfaceName: service.name, methodName, args }));
}

/** The SERVICE_ERROR a method throwing `thrown` is answered with. */
async function serviceErrorOf(thrown: unknown): Promise<RpcError> {
  const service = new ExportedService(Inferred, { hi: () => { throw thrown; } }, {}, []);
  try {
    await call(service, 'hi');
  } catch (err) {
    assert.ok(isRpcError(err, ErrorCode.SERVICE_ERROR), String(err));
    return err;
  }
  assert.fail('the call did not fail');
}

describe('ExportedService', () => {
  it('refuses an implementation that is not an object, naming the service', () => {
    for (const impl of [null, 'text', 42, () => undefined]) {
      assert.throws(
        () => new ExportedService(Inferred, impl as never, {}, []),
        (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT) && e.message === 'implementation of org.example.Inferred must be an object',
      );
    }
  });

  it('refuses an implementation lacking a declared method, naming it', () => {
    assert.throws(
      () => new ExportedService(Echo, { other: () => 1 }, {}, []),
      (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT) && e.message === 'implementation of org.example.Echo lacks method echo',
    );
  });

  it('refuses every reserved registry parameter, and accepts others', () => {
    const reserved = ['interface', 'methods', 'side', 'application', 'version', 'group', 'anyhost', 'pid', 'timestamp', '__proto__'];
    for (const key of reserved) {
      const parameters = JSON.parse(`{"${key}": "x"}`) as Record<string, string>;
      assert.throws(
        () => new ExportedService(Inferred, { hi: async () => '' }, { parameters }, []),
        (e) => isRpcError(e, ErrorCode.INVALID_ARGUMENT) && e.message === `service parameter '${key}' must be a string and not one of ${reserved.join(', ')}`,
        key,
      );
    }
    assert.throws(() => new ExportedService(Inferred, { hi: async () => '' }, { parameters: { '': 'x' } }, []), /service parameter ''/);
    assert.throws(() => new ExportedService(Inferred, { hi: async () => '' }, { parameters: { region: 1 as never } }, []), /service parameter 'region'/);
    new ExportedService(Inferred, { hi: async () => '' }, { parameters: { region: 'hz', 'dubbo.tag': 'gray' } }, []);
  });

  it('answers a method the implementation has but the definition does not declare with METHOD_NOT_FOUND', async () => {
    const service = new ExportedService(Echo, { echo: (s: string) => s, secret: () => 'leaked' }, {}, []);
    await assert.rejects(
      call(service, 'secret'),
      (e) => isRpcError(e, ErrorCode.METHOD_NOT_FOUND) && e.message === "no method 'secret' in service org.example.Echo",
    );
    assert.equal(await call(service, 'echo', ['x']), 'x');
  });

  it('answers Object.prototype names and non-function fields with METHOD_NOT_FOUND', async () => {
    const service = new ExportedService(Inferred, { hi: async () => 'hi', field: 3 }, {}, []);
    for (const name of ['toString', 'constructor', 'field', 'missing']) {
      await assert.rejects(call(service, name), (e) => isRpcError(e, ErrorCode.METHOD_NOT_FOUND), name);
    }
    assert.equal(await call(service, 'hi'), 'hi');
  });

  it('answers a wrong argument count with BAD_REQUEST naming the method and both counts', async () => {
    const service = new ExportedService(Echo, { echo: (s: string) => s }, {}, []);
    await assert.rejects(
      call(service, 'echo', ['a', 'b']),
      (e) => isRpcError(e, ErrorCode.BAD_REQUEST) && e.message === 'org.example.Echo.echo takes 1 arguments, got 2',
    );
  });

  it('takes any argument count for an inferred service', async () => {
    const service = new ExportedService(Inferred, { hi: (...args: unknown[]) => args.length }, {}, []);
    assert.equal(await call(service, 'hi', [1, 2, 3]), 3);
  });

  it('types the rejection of a returned thenable as SERVICE_ERROR', async () => {
    // biome-ignore lint/suspicious/noThenProperty: a foreign thenable is what this test hands back
    const thenable = { then: (_ok: unknown, fail: (e: unknown) => void) => fail(new Error('late')) };
    const service = new ExportedService(Inferred, { hi: () => thenable }, {}, []);
    await assert.rejects(call(service, 'hi'), (e) => isRpcError(e, ErrorCode.SERVICE_ERROR) && e.message === 'late');
    const rejecting = new ExportedService(Inferred, { hi: () => Promise.reject('plain text') }, {}, []);
    await assert.rejects(call(rejecting, 'hi'), (e) => isRpcError(e, ErrorCode.SERVICE_ERROR) && e.message === 'plain text');
  });

  it('passes on a plain value and null as they are', async () => {
    assert.equal(await call(new ExportedService(Inferred, { hi: () => 7 }, {}, []), 'hi'), 7);
    assert.equal(await call(new ExportedService(Inferred, { hi: () => null }, {}, []), 'hi'), null);
    // biome-ignore lint/suspicious/noThenProperty: a `then` field that is no function makes no thenable
    const withThenField = { then: 'not a function' };
    assert.equal(await call(new ExportedService(Inferred, { hi: () => withThenField }, {}, []), 'hi'), withThenField);
  });

  it('keeps an RpcError a method throws, code and all', async () => {
    const own = new RpcError(ErrorCode.LIMIT_EXCEEDED, 'busy');
    const service = new ExportedService(Inferred, { hi: () => { throw own; } }, {}, []);
    await assert.rejects(call(service, 'hi'), (e) => e === own);
    const async = new ExportedService(Inferred, { hi: async () => { throw own; } }, {}, []);
    await assert.rejects(call(async, 'hi'), (e) => e === own);
  });

  it('writes a thrown value into the SERVICE_ERROR message and type', async () => {
    const plain = await serviceErrorOf(new Error('plain'));
    assert.equal(plain.message, 'plain');
    assert.equal(plain.remoteType, 'java.lang.RuntimeException');

    const typed = await serviceErrorOf(Object.assign(new Error('typed'), { javaType: 'com.example.Oops' }));
    assert.equal(typed.message, 'typed', 'javaType is not part of the message');
    assert.equal(typed.remoteType, 'com.example.Oops');

    const withFields = await serviceErrorOf(Object.assign(new Error('out of stock'), { sku: 'A1', count: 10n }));
    assert.equal(withFields.message, 'out of stock {"sku":"A1","count":"10"}');

    assert.equal((await serviceErrorOf('just text')).message, 'just text');
    assert.equal((await serviceErrorOf({ code: 42 })).message, '{"code":42}');
    assert.equal((await serviceErrorOf(null)).message, 'null');
    assert.equal((await serviceErrorOf(null)).remoteType, 'java.lang.RuntimeException');
    assert.equal((await serviceErrorOf(undefined)).message, 'undefined');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.equal((await serviceErrorOf(cyclic)).message, '[object Object]');
  });

  it('bounds the message at MAX_THROWN_TEXT characters, saying how much was cut', async () => {
    const exact = 'x'.repeat(MAX_THROWN_TEXT);
    assert.equal((await serviceErrorOf(exact)).message, exact);
    const longer = (await serviceErrorOf(`${exact}yz`)).message;
    assert.equal(longer, `${exact}… (2 more characters)`);
  });

  it('logs calls through the accessLog sink, or console.info for `true`, and not at all by default', async () => {
    const entries: AccessLogEntry[] = [];
    const logged = new ExportedService(Inferred, { hi: async () => 'hi' }, { accessLog: (entry) => entries.push(entry) }, []);
    await call(logged, 'hi');
    assert.equal(entries.length, 1);

    const printed: unknown[] = [];
    const info = console.info;
    console.info = (...line: unknown[]) => printed.push(line);
    try {
      await call(new ExportedService(Inferred, { hi: async () => 'hi' }, {}, []), 'hi');
      await call(new ExportedService(Inferred, { hi: async () => 'hi' }, { accessLog: false }, []), 'hi');
      assert.equal(printed.length, 0, 'no access log unless asked');
      await call(new ExportedService(Inferred, { hi: async () => 'hi' }, { accessLog: true }, []), 'hi');
      assert.equal(printed.length, 1, 'accessLog: true prints one line');
    } finally {
      console.info = info;
    }
  });
});
