// Bundles the `align` CLI from the source tree as esbuild.mjs does (same options, except that
// unpdf and the tokenizer stay inside the bundle instead of beside it as dist/vendor*.js: the
// packaging test checks those, and the integration and UI tiers run dist/ itself), into a
// temporary folder, so tests can run the real program as a child process and read its bytes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { build } from 'esbuild';
import { tempDir } from './tempDir';

const ROOT = path.resolve(__dirname, '..', '..');

/** Builds dist-like `cli.js` (and the PDF worker next to it); returns the folder, removed when the test file ends. */
export async function buildCliBundle(): Promise<{ dir: string; cli: string }> {
  const dir = tempDir('align-cli-bundle-');
  const entryPoints: Record<string, string> = { cli: path.join(ROOT, 'src/cli/main.ts') };
  const worker = path.join(ROOT, 'src/core/sources/pdfWorker.ts');
  if (fs.existsSync(worker)) entryPoints.pdfWorker = worker;
  await build({
    entryPoints,
    outdir: dir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    define: { 'import.meta.url': 'importMetaUrl' },
    banner: { js: "const importMetaUrl = require('url').pathToFileURL(__filename).href;" },
    logLevel: 'silent',
    absWorkingDir: ROOT,
  });
  return { dir, cli: path.join(dir, 'cli.js') };
}
