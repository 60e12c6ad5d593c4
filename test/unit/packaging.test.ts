import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

// The .vsix holds only what .vscodeignore lets through. A bundle built into dist/ but left out
// would be missing from the installed extension while every test run from the repository passes
// (the library's worker was: the editor would then have parsed papers on its own thread).
test('every bundle esbuild writes into dist/ is packaged in the .vsix', () => {
  const build = fs.readFileSync(path.join(ROOT, 'esbuild.mjs'), 'utf8');
  const bundles = [...build.matchAll(/entryPoints: \{ (\w+): '[^']+' \}[\s\S]*?outdir: '([\w/]+)'/g)].filter((m) => m[2] === 'dist').map((m) => m[1]);
  assert.ok(bundles.length >= 4 && bundles.includes('host') && bundles.includes('cli'), `found the dist bundles in esbuild.mjs: ${bundles.join(', ')}`);
  const kept = new Set(
    fs
      .readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1).trim()),
  );
  const missing = bundles.filter((b) => !kept.has(`dist/${b}.js`));
  assert.deepEqual(missing, [], `add !dist/<name>.js to .vscodeignore for: ${missing.join(', ')}`);
});

// A bundle that requires a file beside it (./vendorUnpdf.js: libraries set apart so that every
// command does not parse them) needs that file in the .vsix too.
test('every file a dist/ bundle requires from beside it is packaged in the .vsix', () => {
  const dist = path.join(ROOT, 'dist');
  if (!fs.existsSync(path.join(dist, 'cli.js'))) return void assert.fail('build first: npm run build');
  const kept = new Set(
    fs
      .readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1).trim()),
  );
  const bundles = ['extension', 'host', 'cli', 'pdfWorker', 'libraryWorker'];
  const needed = new Set<string>();
  for (const b of bundles) {
    const code = fs.readFileSync(path.join(dist, `${b}.js`), 'utf8');
    for (const m of code.matchAll(/require\("\.\/([\w.-]+\.js)"\)/g)) needed.add(`dist/${m[1]}`);
  }
  assert.ok(needed.has('dist/vendorUnpdf.js'), `found: ${[...needed].join(', ')}`);
  assert.deepEqual([...needed].filter((f) => !kept.has(f) || !fs.existsSync(path.join(ROOT, f))), []);
});
