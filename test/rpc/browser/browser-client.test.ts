/**
 * The bundled browser client in headless Chromium: a page served from
 * 127.0.0.1 loads dist/browser's bundle (built here into a temp dir) and
 * calls a real RpcServer({ transport: 'ws' }). Skipped, with the reason,
 * where /usr/bin/chromium is missing (CI installs the Debian `chromium` package).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { type BuiltBundle, buildBundleInTemp } from './browser-fixture.js';
import { type DemoProvider, startDemoProvider } from '../rpc-fixture.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} not installed (apt-get install chromium)`;

const PAGE = `<!doctype html><meta charset="utf-8"><title>getty-rpc browser test</title>
<script type="module">
import * as rpc from './getty-rpc-browser.js';
window.rpc = rpc;
document.title = 'ready';
</script>`;

/** Serves the test page and the bundle on 127.0.0.1. */
async function serveBundle(bundle: BuiltBundle): Promise<http.Server> {
  const script = await readFile(bundle.file);
  const server = http.createServer((req, res) => {
    const isScript = req.url === '/getty-rpc-browser.js';
    res.writeHead(200, { 'content-type': isScript ? 'text/javascript' : 'text/html' });
    res.end(isScript ? script : PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

async function launch(userDataDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** What one page run of the demo calls returns (errors as { code, remoteType, message }). */
type Outcome = Record<string, unknown>;

/** Runs in the page: every call of the test, for one serialization. */
async function callsInPage(page: Page, url: string, serialization: string): Promise<Outcome> {
  return page.evaluate(
    async ({ url, serialization }) => {
      // biome-ignore lint/suspicious/noExplicitAny: the bundle's module namespace, untyped in the page
      const { BrowserRpcClient, defineService } = (globalThis as any).rpc;
      const Demo = defineService('org.apache.dubbo.demo.DemoService', {
        sayHello: { params: ['java.lang.String'], returns: 'java.lang.String' },
        add: { params: ['int', 'int'], returns: 'int' },
        fail: { params: ['java.lang.String'], returns: 'java.lang.String' },
      });
      const client = new BrowserRpcClient({ url, timeoutMs: 5000 });
      const errorOf = (p: Promise<unknown>) =>
        p.then(
          () => 'no error',
          (e: { code: string; remoteType?: string; message: string; name: string }) => ({ code: e.code, remoteType: e.remoteType, message: e.message, name: e.name }),
        );
      const demo = client.refer(Demo, { version: '1.0.0', serialization });
      const byName = client.refer('org.apache.dubbo.demo.DemoService', { version: '1.0.0', serialization });
      try {
        return {
          hello: await demo.sayHello('browser'),
          sum: await demo.add(20, 22),
          many: await Promise.all([1, 2, 3].map((i) => demo.add(i, i))),
          failed: await errorOf(demo.fail('from the page')),
          unknown: await errorOf(byName.noSuchMethod('x')),
        };
      } finally {
        client.close();
      }
    },
    { url, serialization },
  );
}

describe('BrowserRpcClient in Chromium', { skip }, () => {
  let provider: DemoProvider;
  let bundle: BuiltBundle;
  let web: http.Server;
  let userDataDir: string;
  let context: BrowserContext;
  let page: Page;

  before(async () => {
    bundle = await buildBundleInTemp();
    web = await serveBundle(bundle);
    // The page's origin must be allowed: a ws provider refuses browser pages by default.
    const origin = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
    provider = await startDemoProvider({ transport: 'ws', path: '/dubbo', allowedOrigins: [origin] });
    userDataDir = await mkdtemp(path.join(os.tmpdir(), 'getty-rpc-chromium-'));
    context = await launch(userDataDir);
    page = await context.newPage();
    await page.goto(`http://127.0.0.1:${(web.address() as AddressInfo).port}/`);
    await page.waitForFunction(() => (globalThis as unknown as { document: { title: string } }).document.title === 'ready');
  });

  after(async () => {
    await context?.close();
    await new Promise((resolve) => web?.close(resolve));
    await provider?.server.stop({ graceMs: 0 });
    await bundle?.remove();
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
  });

  for (const serialization of ['hessian2', 'json']) {
    it(`calls sayHello, an int method, a throwing and an unknown method in ${serialization}`, async () => {
      const outcome = await callsInPage(page, `ws://127.0.0.1:${provider.server.port}/dubbo`, serialization);
      assert.equal(outcome.hello, 'Hello browser');
      assert.equal(outcome.sum, 42);
      assert.deepEqual(outcome.many, [2, 4, 6]);
      assert.deepEqual(outcome.failed, {
        code: 'SERVICE_ERROR',
        remoteType: 'java.lang.IllegalStateException',
        message: 'failed: from the page',
        name: 'RpcError',
      });
      assert.equal((outcome.unknown as { code: string }).code, 'METHOD_NOT_FOUND');
    });
  }

  it('fails a call with NETWORK when the provider is gone', async () => {
    const outcome = await page.evaluate(async (url) => {
      // biome-ignore lint/suspicious/noExplicitAny: the bundle's module namespace, untyped in the page
      const client = new (globalThis as any).rpc.BrowserRpcClient({ url });
      try {
        await client.refer('demo.Nobody').x();
        return 'no error';
      } catch (e) {
        return (e as { code: string }).code;
      } finally {
        client.close();
      }
    }, 'ws://127.0.0.1:1/');
    assert.equal(outcome, 'NETWORK');
  });
});
