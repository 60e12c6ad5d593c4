import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importCycles, importGraph } from '../support/importGraph';

// No file under src/ may import itself back, not even through type-only imports: a loop means two
// modules are one, and the layer table cannot say which of them may import what.
test('no import cycles anywhere in src/ (type-only imports included)', () => {
  const { files, edges } = importGraph('src');
  assert.ok(files.length > 100, `the walker found only ${files.length} files under src/`);
  assert.ok(edges.length > 300, `the walker found only ${edges.length} imports under src/`);
  const cycles = importCycles(files, edges);
  assert.deepEqual(cycles.map((c) => c.join(' → ')), []);
});

test('the cycle finder names a loop, a type-only one included, and ignores imports in comments', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'align-cycles-'));
  try {
    fs.mkdirSync(path.join(dir, 'a'));
    fs.writeFileSync(path.join(dir, 'a', 'one.ts'), "import type { Two } from '../two';\nexport interface One { two?: Two }\n");
    fs.writeFileSync(path.join(dir, 'two.ts'), "import { three } from './three';\nexport interface Two { n: number }\nexport const x = three;\n");
    fs.writeFileSync(path.join(dir, 'three.ts'), "// import { One } from './a/one';\nimport type { One } from './a/one';\nexport const three = 3 as unknown as One;\n");
    fs.writeFileSync(path.join(dir, 'four.ts'), "/* import { x } from './two'; */\nimport { three } from './three';\nexport const four = three;\n");
    const { files, edges } = importGraph(dir);
    const cycles = importCycles(files, edges);
    assert.equal(cycles.length, 1);
    const names = cycles[0].map((f) => path.relative(dir, f));
    assert.equal(names.length, 4);
    assert.equal(names[0], names[3]);
    assert.deepEqual(new Set(names), new Set(['a/one.ts', 'two.ts', 'three.ts']));
    // Without the type import the loop is gone.
    fs.writeFileSync(path.join(dir, 'three.ts'), 'export const three = 3;\n');
    const again = importGraph(dir);
    assert.deepEqual(importCycles(again.files, again.edges), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
