/**
 * Bundles the package's entry points for Node: `npm run build` runs it after
 * tsc and writes dist/lib/ (ESM, one file per entry point plus shared chunks,
 * with source maps). Dependencies stay external (`packages: 'external'`).
 *
 * Why a bundle: Node's ES module loader resolves, reads and compiles each
 * file separately, and for ~120 small files that bookkeeping costs more
 * than the code itself (docs/performance.md, "Import time"). The entry points
 * are bundled together with code splitting, so `getty-rpc`,
 * `getty-rpc/plugin`, ... share one copy of every module: a filter registered
 * through `getty-rpc/plugin` is the one `RpcClient` from `getty-rpc` sees.
 * Tests and examples keep using tsc's per-file output in dist/.
 */
import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The project root (this file is dist/tools/package-bundle.js). */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Output name (dist/lib/<name>.js) → TypeScript entry. package.json's exports and bin point at these. */
export const ENTRY_POINTS: Readonly<Record<string, string>> = {
  index: 'index.ts',
  plugin: 'plugin.ts',
  protocol: 'protocol.ts',
  transport: 'transport/index.ts',
  registry: 'registry/index.ts',
  'getty-rpc': 'bin/getty-rpc.ts',
};

export async function bundlePackage(outdir = path.join(ROOT, 'dist', 'lib')): Promise<{ outdir: string; bytes: number }> {
  // Chunk names carry content hashes: clear the old ones so none are left to ship.
  await rm(outdir, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: Object.entries(ENTRY_POINTS).map(([out, input]) => ({ out, in: input })),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    outdir,
    chunkNames: 'chunks/[name]-[hash]',
    sourcemap: true,
    sourcesContent: false,
    metafile: true,
    logLevel: 'warning',
  });
  let bytes = 0;
  for (const file of Object.keys(result.metafile.outputs)) if (file.endsWith('.js')) bytes += (await stat(path.join(ROOT, file))).size;
  return { outdir, bytes };
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const { outdir, bytes } = await bundlePackage();
  console.log(`wrote ${path.relative(process.cwd(), outdir)} (${bytes} bytes of JS)`);
}
