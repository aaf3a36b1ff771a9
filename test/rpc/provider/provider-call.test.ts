import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../../common/rpc-error.js';
import { RpcClient } from '../../../rpc/consumer/rpc-client.js';
import { RpcContext } from '../../../rpc/context.js';
import type { Invocation } from '../../../rpc/invocation.js';
import { createRequest, type DubboRequest, type DubboResponse, ResponseStatus } from '../../../rpc/protocol/dubbo-package.js';
import { ExportedService } from '../../../rpc/provider/exported-service.js';
import { ProviderCall } from '../../../rpc/provider/provider-call.js';
import { ProviderSignals } from '../../../rpc/provider/provider-signals.js';
import { RpcServer } from '../../../rpc/provider/rpc-server.js';
import { defaultTimerWheel } from '../../../transport/timer-wheel.js';
import { defineService } from '../../../rpc/service.js';
import { RawDubboSocket, until } from '../rpc-fixture.js';

const Probe = defineService<{
  look(what: string): Promise<unknown>;
  bytes(data: Buffer): Promise<string>;
  list(items: unknown[]): Promise<string>;
  later(): Promise<string>;
  nothing(): Promise<void>;
}>('org.example.Probe');
const Plain = defineService('org.example.Plain', {
  quiet: { params: [], returns: 'void' },
  who: { params: [], returns: 'java.lang.String' },
});

/** Sends `request` on a fresh raw socket and returns its one response. */
async function ask(port: number, fields: Partial<DubboRequest>): Promise<DubboResponse> {
  const raw = await RawDubboSocket.connect(port);
  try {
    raw.send(createRequest({ id: 1, dubboVersion: '2.0.2', parameterTypes: [], args: [], ...fields }));
    return (await raw.next()) as DubboResponse;
  } finally {
    raw.close();
  }
}

describe('a provider call', () => {
  const server = new RpcServer({ port: 0 });
  const seen: Invocation[] = [];
  const contexts: RpcContext[] = [];
  const client = new RpcClient();
  let url: string;

  before(async () => {
    server.use(async (invocation, next) => {
      seen.push(invocation);
      return next(invocation);
    });
    server.addService(Probe, {
      look: async (what) => {
        const context = RpcContext.current()!;
        contexts.push(context);
        if (what === 'timeout') return context.timeoutMs ?? 'none';
        if (what === 'remote') return `${context.remoteAddress} ${context.localAddress}`;
        if (what === 'signal') return String(context.signal?.aborted);
        return context.attachments[what] ?? 'none';
      },
      bytes: async (data) => (Buffer.isBuffer(data) ? `buffer ${data.toString('hex')}` : `not a buffer: ${JSON.stringify(data)}`),
      list: async (items) => (Array.isArray(items) ? `array of ${items.length}` : `not an array: ${typeof items}`),
      later: async () => {
        contexts.push(RpcContext.current()!);
        return 'done';
      },
      nothing: async () => undefined,
    });
    server.addService(Probe, { look: async () => 'v2', bytes: async () => '', list: async () => '', later: async () => '', nothing: async () => undefined }, { version: '2.0.0' });
    server.addService(Probe, { look: async () => 'gray', bytes: async () => '', list: async () => '', later: async () => '', nothing: async () => undefined }, { group: 'gray' });
    server.addService(Plain, { quiet: () => 'ignored' as never, who: () => 'plain' });
    await server.start();
    url = `dubbo://127.0.0.1:${server.port}`;
  });
  after(async () => {
    await client.close();
    await server.stop({ graceMs: 0 });
  });

  it('resolves the service by interface, version and group, whatever the previous call named', async () => {
    const v1 = client.refer(Probe, { url });
    const v2 = client.refer(Probe, { url, version: '2.0.0' });
    const gray = client.refer(Probe, { url, group: 'gray' });
    const plain = client.refer(Plain, { url });
    assert.equal(await v1.look('x'), 'none');
    assert.equal(await v2.look('x'), 'v2');
    assert.equal(await v1.look('x'), 'none');
    assert.equal(await gray.look('x'), 'gray');
    assert.equal(await plain.who(), 'plain');
    assert.equal(await v1.look('x'), 'none');
  });

  it('names the service by its `interface` attachment when it is a string, else by the path', async () => {
    const byAttachment = await ask(server.port, { path: 'some/other/path', method: 'who', attachments: { interface: Plain.name } });
    assert.equal(byAttachment.status, ResponseStatus.OK);
    assert.equal(byAttachment.value, 'plain');
    const byPath = await ask(server.port, { path: Plain.name, method: 'who', attachments: { interface: 7 } });
    assert.equal(byPath.value, 'plain');
  });

  it('takes a `group` attachment that is not a string as no group', async () => {
    const answer = await ask(server.port, { path: Plain.name, method: 'who', attachments: { group: 5 } });
    assert.equal(answer.status, ResponseStatus.OK);
    assert.equal(answer.value, 'plain');
  });

  it('answers SERVICE_NOT_FOUND naming what was asked and listing what is exported', async () => {
    const answer = await ask(server.port, { path: 'org.example.Missing', version: '3.0.0', method: 'x', attachments: { group: 'blue' } });
    assert.equal(answer.status, ResponseStatus.SERVICE_NOT_FOUND);
    assert.equal(
      answer.errorMessage,
      '[SERVICE_NOT_FOUND] no service org.example.Missing:3.0.0 (group blue) exported here ' +
        '(exported: org.example.Probe, org.example.Probe:2.0.0, org.example.Probe (group gray), org.example.Plain)',
    );
    const bare = await ask(server.port, { path: 'org.example.Missing', method: 'x' });
    assert.match(bare.errorMessage ?? '', /^\[SERVICE_NOT_FOUND\] no service org\.example\.Missing exported here \(exported: /);
  });

  it('passes the attachments, addresses and timeout of the request to the method', async () => {
    const answer = await ask(server.port, { path: Probe.name, method: 'look', parameterTypes: ['java.lang.String'], args: ['tag'], attachments: { tag: 'blue' } });
    assert.equal(answer.value, 'blue');
    const addresses = await ask(server.port, { path: Probe.name, method: 'look', parameterTypes: ['java.lang.String'], args: ['remote'] });
    assert.match(String(addresses.value), /^127\.0\.0\.1:\d+ 127\.0\.0\.1:\d+$/);
    const timeouts: Record<string, unknown> = { '1500': 1500, '0': 'none', '-5': 'none', abc: 'none', Infinity: 'none' };
    for (const [sent, expected] of Object.entries(timeouts)) {
      const timed = await ask(server.port, { path: Probe.name, method: 'look', parameterTypes: ['java.lang.String'], args: ['timeout'], attachments: { timeout: sent } });
      assert.equal(timed.value, expected, `timeout attachment ${sent}`);
    }
  });

  it('gives the method a live signal, and an aborted one once the call was answered', async () => {
    const probe = client.refer(Probe, { url });
    assert.equal(await probe.look('signal'), 'false');
    assert.equal(await probe.later(), 'done');
    const answered = contexts.at(-1)!;
    const signal = answered.signal!;
    assert.equal(signal.aborted, true, 'read after the answer');
    assert.ok(isRpcError(signal.reason, ErrorCode.CANCELLED));
    assert.equal(signal.reason.message, 'the call has already been answered');
  });

  it('forgets the signal of an answered call: closing the connection later does not abort it', async () => {
    const own = new RpcClient();
    const probe = own.refer(Probe, { url });
    assert.equal(await probe.look('signal'), 'false');
    const signal = contexts.at(-1)!.signal!;
    const openBefore = server.stats().open;
    await own.close();
    await until(() => server.stats().open < openBefore, 'the server to see the connection close');
    assert.equal(signal.aborted, false);
  });

  it('turns a byte[] sent as a list of ints into a Buffer, and leaves other lists and strings alone', async () => {
    // The codec here writes byte[] as binary only, so the list form (sofa-rpc-node's) goes to ProviderCall directly.
    const service = new ExportedService(Probe, { look: async () => '', bytes: async (data: Buffer) => (Buffer.isBuffer(data) ? `buffer ${data.toString('hex')}` : `not a buffer: ${JSON.stringify(data)}`), list: async (items: unknown[]) => (Array.isArray(items) ? `array of ${items.length}` : "not an array"), later: async () => '', nothing: async () => undefined }, {}, []);
    const answer = async (method: string, parameterTypes: string[], args: unknown[]) => {
      const responses: DubboResponse[] = [];
      const host = { reply: (_s: unknown, _r: unknown, response: DubboResponse) => responses.push(response), signals: new ProviderSignals(defaultTimerWheel()), exportedServices: () => [] };
      const request = createRequest({ id: 1, path: Probe.name, method, parameterTypes, args });
      await new ProviderCall({ remoteAddress: 'a', localAddress: 'b' } as never, request, service, host).run();
      return responses[0]!.value;
    };
    assert.equal(await answer('bytes', ['[B'], [[1, 2, 255]]), 'buffer 0102ff');
    assert.equal(await answer('list', ['java.util.List'], [[1, 2]]), 'array of 2');
    assert.equal(await answer('bytes', ['java.lang.String'], ['ab']), 'not a buffer: "ab"');
  });

  it('marks the invocation one-way only for a one-way request, and answers it with nothing', async () => {
    const raw = await RawDubboSocket.connect(server.port);
    try {
      raw.send({ ...createRequest({ id: 31, path: Plain.name, method: 'who', parameterTypes: [], args: [] }), twoWay: false });
      raw.send(createRequest({ id: 32, path: Plain.name, method: 'who', parameterTypes: [], args: [] }));
      const first = (await raw.next()) as DubboResponse;
      assert.equal(Number(first.id), 32, 'no answer to the one-way call');
    } finally {
      raw.close();
    }
    const calls = seen.filter((invocation) => invocation.methodName === 'who').slice(-2);
    assert.deepEqual(calls.map((invocation) => invocation.oneWay), [true, false]);
  });

  it('answers a void method with null whatever it returned', async () => {
    const answer = await ask(server.port, { path: Plain.name, method: 'quiet' });
    assert.equal(answer.status, ResponseStatus.OK);
    assert.equal(answer.exception, undefined);
    assert.equal(await client.refer(Probe, { url }).nothing(), null);
  });
});

describe('SERVICE_NOT_FOUND on a server', () => {
  it('says when nothing is exported', async () => {
    const server = new RpcServer({ port: 0 });
    await server.start();
    try {
      const answer = await ask(server.port, { path: 'org.example.Missing', method: 'x' });
      assert.equal(answer.errorMessage, '[SERVICE_NOT_FOUND] no service org.example.Missing exported here (nothing is exported)');
    } finally {
      await server.stop({ graceMs: 0 });
    }
  });

  for (const count of [20, 22]) {
    it(`lists at most 20 of ${count} exported services, counting the rest`, async () => {
      const server = new RpcServer({ port: 0 });
      for (let i = 0; i < count; i++) server.addService(Plain, { quiet: () => undefined, who: () => '' }, { version: `${i}` });
      await server.start();
      try {
        const answer = await ask(server.port, { path: 'org.example.Missing', method: 'x' });
        const listed = Array.from({ length: 20 }, (_, i) => `org.example.Plain:${i}`).join(', ');
        const more = count > 20 ? ` and ${count - 20} more` : '';
        assert.equal(answer.errorMessage, `[SERVICE_NOT_FOUND] no service org.example.Missing exported here (exported: ${listed}${more})`);
      } finally {
        await server.stop({ graceMs: 0 });
      }
    });
  }
});
