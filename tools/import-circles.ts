/**
 * Finds import circles between the project's own files: every relative
 * `import` / `export ... from` (type-only ones included: they still tie two
 * files together for a reader) is an edge, and every strongly connected
 * group of more than one file (or a file importing itself) is a circle.
 * `node dist/tools/import-circles.js` prints them and exits 1 if there is
 * one; test/tools/import-circles.test.ts runs it over the source tree.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The source folders and entry files checked (the project's own code, tests included). */
export const SOURCE_ROOTS: readonly string[] = ['index.ts', 'plugin.ts', 'protocol.ts', 'common', 'transport', 'rpc', 'registry', 'bin', 'tools', 'examples', 'bench', 'test'];

const SPECIFIER = /(?:^|[\s;}])(?:import|export)\b[^'";]*?\bfrom\s*['"](\.[^'"]+)['"]|(?:^|[\s;])import\s*['"](\.[^'"]+)['"]/g;

/** Every .ts file under `roots` (relative to `base`), node_modules and dist left out. */
export function sourceFiles(base: string, roots: readonly string[] = SOURCE_ROOTS): string[] {
  const files: string[] = [];
  const walk = (relative: string): void => {
    const full = path.join(base, relative);
    if (relative.endsWith('.ts')) {
      if (!relative.endsWith('.d.ts')) files.push(relative);
      return;
    }
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(full, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.name === 'node_modules' || entry.name === 'dist') continue;
      if (entry.isDirectory() || entry.name.endsWith('.ts')) walk(path.join(relative, entry.name));
    }
  };
  for (const root of roots) walk(root);
  return files.sort();
}

/** file → the project files it imports (relative specifiers, `.js` read as the `.ts` beside it). */
export function importGraph(base: string, files: readonly string[]): Map<string, string[]> {
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(path.join(base, file), 'utf8');
    const targets = new Set<string>();
    for (const match of text.matchAll(SPECIFIER)) {
      const specifier = match[1] ?? match[2]!;
      const target = path.normalize(path.join(path.dirname(file), specifier.replace(/\.js$/, '.ts')));
      if (known.has(target)) targets.add(target);
    }
    graph.set(file, [...targets]);
  }
  return graph;
}

/** The circles of `graph`: each one the files of a strongly connected group (Tarjan), sorted. */
export function importCircles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  let next = 0;
  const visit = (file: string): void => {
    index.set(file, next);
    low.set(file, next++);
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file)!, index.get(target)!));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const group: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      group.push(member);
    } while (member !== file);
    if (group.length > 1 || (graph.get(file) ?? []).includes(file)) circles.push(group.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return circles;
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const base = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const circles = importCircles(importGraph(base, sourceFiles(base)));
  for (const circle of circles) console.log(`import circle: ${circle.join(' ↔ ')}`);
  console.log(circles.length === 0 ? 'no import circles' : `${circles.length} import circle(s)`);
  process.exitCode = circles.length === 0 ? 0 : 1;
}
