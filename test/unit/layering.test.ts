import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

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
