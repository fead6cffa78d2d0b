/**
 * No import cycle anywhere in src/ or webview/: type-only imports count too (a report type that imports its
 * consumers ties the layers into one knot even when nothing runs at load time). The scanner reads every
 * .ts file's static imports, re-exports, dynamic import() and require() of relative paths.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

const ROOT = path.resolve(__dirname, '../../..');
const SPECIFIER = /(?:^|[\s;}])(?:import|export)\s+(?:type\s+)?(?:[^'"`;]*?\s+from\s+)?['"]([^'"]+)['"]|\b(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g;

function tsFiles(dir: string, into: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) tsFiles(p, into);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) into.push(p);
  }
  return into;
}

function resolveImport(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), specifier);
  return [`${base}.ts`, path.join(base, 'index.ts'), base].find((p) => p.endsWith('.ts') && fs.existsSync(p));
}

/** Each file's relative .ts imports. Comments are stripped first, so an example in a doc comment is no edge. */
export function importGraph(dirs: readonly string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of dirs.flatMap((d) => tsFiles(d))) {
    const code = fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
    const targets = new Set<string>();
    for (const m of code.matchAll(SPECIFIER)) {
      const target = resolveImport(file, m[1] ?? m[2]);
      if (target) targets.add(target);
    }
    graph.set(file, [...targets]);
  }
  return graph;
}

/** Strongly connected components with more than one file (or a file importing itself): Tarjan's algorithm. */
export function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

test('no import cycle in src/ or webview/ (type-only imports included)', () => {
  const graph = importGraph([path.join(ROOT, 'src'), path.join(ROOT, 'webview')]);
  assert.ok(graph.size > 100, `scanned ${graph.size} files`);
  const edges = [...graph.values()].reduce((s, t) => s + t.length, 0);
  assert.ok(edges > graph.size, `${edges} imports found`);
  const cycles = importCycles(graph).map((c) => c.map((f) => path.relative(ROOT, f)));
  assert.deepEqual(cycles, [], `import cycles:\n${cycles.map((c) => `  ${c.join(' ↔ ')}`).join('\n')}`);
});

test('the scanner finds a planted cycle, through a type-only import and an index file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cycles-'));
  fs.mkdirSync(path.join(dir, 'b'));
  fs.writeFileSync(path.join(dir, 'a.ts'), "import type { B } from './b';\nexport interface A { b: B }\n");
  fs.writeFileSync(path.join(dir, 'b/index.ts'), "export { C as B } from '../c';\n");
  fs.writeFileSync(path.join(dir, 'c.ts'), "/* import { A } from './nope'; */\nimport { type A } from './a';\nexport interface C { a?: A }\n");
  fs.writeFileSync(path.join(dir, 'd.ts'), "import { C } from './c';\nconst lazy = () => import('./d');\nexport const d: C | undefined = undefined; void lazy;\n");
  const cycles = importCycles(importGraph([dir])).map((c) => c.map((f) => path.relative(dir, f)));
  assert.deepEqual(cycles.sort(), [['a.ts', 'b/index.ts', 'c.ts'], ['d.ts']]);
});
