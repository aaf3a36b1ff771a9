/**
 * docs/api.md is the list of the public names: every name each entry point
 * exports appears in that entry point's section, the counts in its table are
 * right, and package.json exports exactly these entry points.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Entry point → its declaration file in dist/ (tsc keeps the export lists as written). */
export const ENTRY_TYPES: Readonly<Record<string, string>> = {
  'getty-rpc': 'dist/index.d.ts',
  'getty-rpc/registry': 'dist/registry/index.d.ts',
  'getty-rpc/transport': 'dist/transport/index.d.ts',
  'getty-rpc/plugin': 'dist/plugin.d.ts',
  'getty-rpc/protocol': 'dist/protocol.d.ts',
  'getty-rpc/browser': 'dist/rpc/browser/index.d.ts',
};

/** The names in `export { ... }` and `export type { ... }` lists (the entry points export nothing else). */
export async function exportedNames(declarationFile: string): Promise<string[]> {
  const text = await readFile(path.join(ROOT, declarationFile), 'utf8');
  assert.doesNotMatch(text, /export \*/, `${declarationFile} lists its names`);
  const names = new Set<string>();
  for (const [, list] of text.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)) {
    for (const part of list!.split(',')) {
      const name = part.trim().replace(/^type\s+/, '').split(/\s+as\s+/).pop()!.trim();
      if (name) names.add(name);
    }
  }
  return [...names];
}

function section(doc: string, entry: string): string {
  const start = doc.indexOf(`## \`${entry}\`\n`);
  assert.ok(start >= 0, `docs/api.md has a section for ${entry}`);
  const next = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, next < 0 ? undefined : next);
}

describe('docs/api.md', () => {
  it('lists every exported name of every entry point in its section, with the right count', async () => {
    const doc = await readFile(path.join(ROOT, 'docs', 'api.md'), 'utf8');
    for (const [entry, file] of Object.entries(ENTRY_TYPES)) {
      const names = await exportedNames(file);
      const text = section(doc, entry);
      const missing = names.filter((name) => !text.includes(`\`${name}\``));
      assert.deepEqual(missing, [], `${entry}: names missing from docs/api.md`);
      const row = new RegExp(`^\\| \\[\`${entry.replace('/', '\\/')}\`\\]\\(#[^)]*\\) \\| [^|]+ \\| (\\d+) \\|$`, 'm').exec(doc);
      assert.ok(row, `the table has a row for ${entry}`);
      assert.equal(Number(row[1]), names.length, `${entry} exports ${names.length} names`);
    }
  });

  it('documents exactly the entry points package.json exports', async () => {
    const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, { types: string } | string> };
    const exported = Object.keys(pkg.exports).filter((key) => key !== './package.json').map((key) => (key === '.' ? 'getty-rpc' : `getty-rpc/${key.slice(2)}`));
    assert.deepEqual(exported.sort(), Object.keys(ENTRY_TYPES).sort());
    for (const [key, target] of Object.entries(pkg.exports)) {
      if (typeof target === 'string') continue;
      const entry = key === '.' ? 'getty-rpc' : `getty-rpc/${key.slice(2)}`;
      assert.equal(`./${ENTRY_TYPES[entry]}`, target.types, `${entry}'s types`);
    }
  });
});
