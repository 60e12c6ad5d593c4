import fs from 'node:fs';
import path from 'node:path';

/** A TypeScript file's relative imports, type-only ones included (a type loop is still a loop). */
export interface ImportEdge {
  from: string;
  to: string;
  /** The specifier as written, e.g. `'../core/errors'` or `'vscode'`. */
  spec: string;
}

// `import … from 'x'`, `export … from 'x'`, `import 'x'`, `import('x')`, `require('x')`.
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)['"]([^'"\n]+)['"]/g;

export function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? tsFiles(p) : /\.tsx?$/.test(d.name) && !d.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Comments removed, so an import named in a comment is not counted (strings are left alone). */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** Every import specifier of a file. */
export function importSpecs(file: string): string[] {
  const text = withoutComments(fs.readFileSync(file, 'utf8'));
  return [...text.matchAll(IMPORT)].map((m) => m[1]);
}

function resolve(from: string, spec: string): string | undefined {
  const base = path.normalize(path.join(path.dirname(from), spec));
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts')]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/** The graph of relative imports between the files under `root` (paths relative to the repository). */
export function importGraph(root: string): { files: string[]; edges: ImportEdge[]; external: ImportEdge[] } {
  const files = tsFiles(root);
  const edges: ImportEdge[] = [];
  const external: ImportEdge[] = [];
  for (const from of files) {
    for (const spec of importSpecs(from)) {
      if (!spec.startsWith('.')) {
        external.push({ from, to: spec, spec });
        continue;
      }
      const to = resolve(from, spec);
      if (to) edges.push({ from, to, spec });
    }
  }
  return { files, edges, external };
}

/** The import cycles (each as the files around it, first file repeated at the end); none is the goal. */
export function importCycles(files: string[], edges: ImportEdge[]): string[][] {
  const next = new Map<string, string[]>(files.map((f) => [f, []]));
  for (const e of edges) next.get(e.from)?.push(e.to);
  // Tarjan's strongly connected components; each component of more than one file (or a file
  // importing itself) holds a cycle, reported as one path through it.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || next.get(v)?.includes(v)) cycles.push(cycleThrough(v, new Set(component), next));
    }
  };
  for (const f of files) if (!idx.has(f)) visit(f);
  return cycles;
}

/** One path from `start` back to itself inside its component (breadth first, so the shortest). */
function cycleThrough(start: string, component: Set<string>, next: Map<string, string[]>): string[] {
  const prev = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of next.get(v) ?? []) {
      if (!component.has(w)) continue;
      if (w === start) {
        const pathBack = [v];
        while (pathBack[0] !== start) pathBack.unshift(prev.get(pathBack[0])!);
        return [...pathBack, start];
      }
      if (!prev.has(w) && w !== start) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}
