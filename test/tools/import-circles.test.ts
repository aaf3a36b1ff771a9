/**
 * No file of the project is part of an import circle (docs/call-path.md
 * "Layers"); the checker itself finds a circle made of type-only imports.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { importCircles, importGraph, sourceFiles } from '../../tools/import-circles.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('import circles', () => {
  it('the source tree has none', () => {
    const files = sourceFiles(ROOT);
    assert.ok(files.length > 200, `read ${files.length} files`);
    assert.deepEqual(importCircles(importGraph(ROOT, files)), []);
  });

  it('are found through type-only imports and re-exports', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'import-circles-'));
    try {
      await writeFile(path.join(dir, 'a.ts'), "import type { B } from './b.js';\nexport interface A { b: B }\n");
      await writeFile(path.join(dir, 'b.ts'), "export type { C as B } from './c.js';\n");
      await writeFile(path.join(dir, 'c.ts'), "import type { A } from './a.js';\nexport interface C { a: A }\n");
      await writeFile(path.join(dir, 'd.ts'), "import './a.js';\n");
      assert.deepEqual(importCircles(importGraph(dir, sourceFiles(dir, ['.']))), [['a.ts', 'b.ts', 'c.ts']]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
