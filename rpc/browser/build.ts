/**
 * Builds the browser bundle: `npm run build && npm run build:browser`
 * writes dist/browser/getty-rpc-browser.js (ESM, minified, with a source
 * map). The entry is the compiled dist/rpc/browser/index.js next to this
 * file; `buffer-global.js` is injected so Node's Buffer is the `buffer`
 * package in the browser.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
/** dist/ (this file is dist/rpc/browser/build.js). */
const distDir = path.resolve(here, '..', '..');

function shim(name: string): string {
  return path.join(here, 'shims', `${name}.cjs`);
}

export interface BrowserBuildOptions {
  /** Output file (default dist/browser/getty-rpc-browser.js). */
  outfile?: string;
  /** Minify (default true). */
  minify?: boolean;
}

export interface BrowserBuildResult {
  outfile: string;
  bytes: number;
}

/** Bundles the browser client; resolves with the file written and its size in bytes. */
export async function buildBrowserBundle(options: BrowserBuildOptions = {}): Promise<BrowserBuildResult> {
  const outfile = options.outfile ?? path.join(distDir, 'browser', 'getty-rpc-browser.js');
  await build({
    entryPoints: [path.join(here, 'index.js')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: options.minify ?? true,
    sourcemap: true,
    outfile,
    inject: [path.join(here, 'buffer-global.js')],
    // Node built-ins and Node-only helpers hessian.js reaches, replaced by small stand-ins.
    alias: {
      assert: shim('node-assert'),
      util: shim('node-util'),
      stream: shim('node-stream'),
      utility: shim('utility'),
      // Lazy require() of protobufjs (rpc/serialization/protobufjs-module.ts): bundled instead.
      'node:module': shim('node-module'),
    },
    // hessian.js and its helpers read these at load time.
    define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
    logLevel: 'warning',
  });
  return { outfile, bytes: (await stat(outfile)).size };
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const { outfile, bytes } = await buildBrowserBundle();
  console.log(`wrote ${path.relative(process.cwd(), outfile)} (${bytes} bytes)`);
}
