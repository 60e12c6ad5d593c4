import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { importGraph } from '../support/importGraph';

// The core must run in plain Node: nothing under src/core (nor the protocol and webview code the
// browser loads) may import `vscode`, not even its types.
const forbidden = /(?:from\s+['"]vscode['"]|require\(\s*['"]vscode['"]\s*\)|import\(\s*['"]vscode['"]\s*\))/;

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

for (const layer of ['src/core', 'src/protocol', 'src/webview', 'src/cli']) {
  test(`${layer} does not import vscode`, () => {
    const offenders = tsFiles(layer).filter((f) => forbidden.test(fs.readFileSync(f, 'utf8')));
    assert.deepEqual(offenders, [], `these files import vscode: ${offenders.join(', ')}`);
  });
}

test('the webview imports nothing from the core or the host', () => {
  const offenders = tsFiles('src/webview').filter((f) => /from\s+['"]\.\.\/(core|host)\//.test(fs.readFileSync(f, 'utf8')));
  assert.deepEqual(offenders, []);
});

// The whole layer table of docs/ARCHITECTURE.md, read from the doc itself so the two cannot drift.

interface LayerRule {
  /** `src/core/` (a folder) or `src/extension.ts` (a file). */
  path: string;
  /** Folders and files it may import from, besides itself. */
  mayImport: string[];
  vscode: boolean;
  browser: boolean;
}

function layerTable(): LayerRule[] {
  const doc = fs.readFileSync('docs/ARCHITECTURE.md', 'utf8');
  const rows = doc.split('\n').filter((l) => /^\| `src\//.test(l));
  return rows.map((row) => {
    const [folder, runsIn, mayImport] = row.split('|').slice(1).map((c) => c.trim());
    const ticks = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    return {
      path: ticks(folder)[0],
      mayImport: ticks(mayImport).filter((t) => t.startsWith('src/') || t === 'package.json'),
      vscode: ticks(mayImport).includes('vscode'),
      browser: /browser/.test(runsIn),
    };
  });
}

function ruleOf(file: string, table: LayerRule[]): LayerRule | undefined {
  return table.find((r) => (r.path.endsWith('/') ? file.startsWith(r.path) : file === r.path));
}

function within(file: string, target: string): boolean {
  return target.endsWith('/') ? file.startsWith(target) : file === target;
}

test('the layer table of docs/ARCHITECTURE.md is read from the doc: every layer, with what it may import', () => {
  const table = layerTable();
  assert.deepEqual(table.map((r) => r.path), ['src/core/', 'src/protocol/', 'src/webview/', 'src/host/', 'src/mcp/', 'src/cli/', 'src/extension.ts']);
  assert.deepEqual(table.find((r) => r.path === 'src/protocol/')?.mayImport, []);
  assert.deepEqual(table.find((r) => r.path === 'src/host/')?.mayImport, ['src/core/', 'src/protocol/']);
  assert.equal(table.find((r) => r.path === 'src/host/')?.vscode, true);
  assert.equal(table.find((r) => r.path === 'src/core/')?.vscode, false);
});

test('every import in src/ keeps to the layer table: no layer imports one it may not, vscode or node where it may not', () => {
  const table = layerTable();
  const { files, edges, external } = importGraph('src');
  const unplaced = files.filter((f) => !ruleOf(f, table));
  assert.deepEqual(unplaced, [], 'files in no layer of the table: add their folder to docs/ARCHITECTURE.md');
  const crossings = edges.flatMap((e) => {
    const rule = ruleOf(e.from, table)!;
    const ok = ruleOf(e.to, table) === rule || rule.mayImport.some((m) => within(e.to, m));
    return ok ? [] : [`${e.from} imports ${e.to}`];
  });
  const outside = external.flatMap((e) => {
    const rule = ruleOf(e.from, table)!;
    if (e.spec === 'vscode' && !rule.vscode) return [`${e.from} imports vscode`];
    if (rule.browser && (e.spec.startsWith('node:') || ['fs', 'path', 'os', 'crypto', 'child_process'].includes(e.spec))) return [`${e.from} (runs in the browser) imports ${e.spec}`];
    return [];
  });
  assert.deepEqual([...crossings, ...outside], []);
});

test('the activation shell imports hostMain only as types: the host bundle loads on the first command', () => {
  const text = fs.readFileSync('src/extension.ts', 'utf8');
  const valueImport = /^import\s+(?!type\b)[^;]*from\s+['"]\.\/host\/hostMain['"]/m;
  assert.equal(valueImport.test(text), false);
  assert.match(text, /import type \{[^}]*\} from '\.\/host\/hostMain'/);
});
