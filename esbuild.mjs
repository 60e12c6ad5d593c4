// Bundles the four programs of the project. One build serves all of them:
//   dist/extension.js  the activation shell (node, cjs, `vscode` external) - tiny, so activation is fast
//   dist/host.js       the VS Code layer and the core, loaded by the shell on the first command
//   dist/cli.js        the `align` command line over the same core
//   media/panel.js     the webview front end (browser, iife)
//   media/pdfView.js   the PDF view (browser, esm, with pdf.js; its worker copied to media/pdfjs/)
//   out/test/...       the integration suite run inside a real VS Code (mocha external)
// Type-checking is separate: `npm run typecheck` (tsc --noEmit).
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: 'warning',
  legalComments: 'none',
};

const nodeCommon = {
  ...common,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // `vscode` is provided by the host; mocha is loaded from node_modules by the test entry.
  external: ['vscode', 'mocha'],
  // ESM-only packages (unified, unpdf) use import.meta.url; give the cjs bundle a stand-in.
  define: { 'import.meta.url': 'importMetaUrl' },
  banner: { js: "const importMetaUrl = require('url').pathToFileURL(__filename).href;" },
};

// Two large libraries that only some paths use (pdf.js through unpdf, 2.3 MB; the tokenizer's
// tables, 1.8 MB) are bundles of their own in dist/, required at run time from beside the bundle
// that needs them: every `align` command and the host's first command no longer parse them.
const VENDORS = { unpdf: './vendorUnpdf.js', 'gpt-tokenizer/encoding/cl100k_base': './vendorTokenizer.js' };
/** @type {esbuild.Plugin} */
const vendorsApart = {
  name: 'vendors-apart',
  setup(build) {
    build.onResolve({ filter: /^(unpdf|gpt-tokenizer\/encoding\/cl100k_base)$/ }, (args) => ({ path: VENDORS[args.path], external: true }));
  },
};
// `import()` of a set-apart library becomes a `require` (as bundled imports are): VS Code's
// extension host is a CommonJS world, and the tests run the same code.
const distCommon = { ...nodeCommon, plugins: [vendorsApart], supported: { 'dynamic-import': false } };

/** @type {esbuild.BuildOptions[]} */
const builds = [
  { ...distCommon, entryPoints: { extension: 'src/extension.ts' }, outdir: 'dist' },
  { ...distCommon, entryPoints: { host: 'src/host/hostMain.ts' }, outdir: 'dist' },
  // PDFs are parsed in a worker thread with time and memory limits (src/core/sources/pdfWorkerClient.ts).
  { ...distCommon, entryPoints: { pdfWorker: 'src/core/sources/pdfWorker.ts' }, outdir: 'dist' },
  // The library's papers are read and parsed in a worker thread too (src/core/retrieval/libraryWorkerClient.ts).
  { ...distCommon, entryPoints: { libraryWorker: 'src/core/retrieval/libraryWorker.ts' }, outdir: 'dist' },
  {
    ...distCommon,
    entryPoints: { cli: 'src/cli/main.ts' },
    outdir: 'dist',
    banner: { js: '#!/usr/bin/env node\n' + nodeCommon.banner.js },
  },
  // The libraries set apart above (each bundle requires them as ./vendor*.js).
  { ...nodeCommon, entryPoints: { vendorUnpdf: 'node_modules/unpdf/dist/index.mjs' }, outdir: 'dist' },
  { ...nodeCommon, entryPoints: { vendorTokenizer: 'node_modules/gpt-tokenizer/cjs/encoding/cl100k_base.js' }, outdir: 'dist' },
  {
    ...common,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    entryPoints: { panel: 'src/webview/panel.ts', evidence: 'src/webview/evidence.ts' },
    outdir: 'media',
  },
  // The PDF view's front end with pdf.js; an ES module, as pdf.js uses top-level await.
  { ...common, platform: 'browser', format: 'esm', target: 'es2022', entryPoints: { pdfView: 'src/webview/pdfView/pdfView.ts' }, outdir: 'media' },
];

if (fs.existsSync('test/integration')) {
  const entries = fs.readdirSync('test/integration').filter((f) => f.endsWith('.ts')).map((f) => path.join('test/integration', f));
  if (entries.length) builds.push({ ...nodeCommon, minify: false, entryPoints: entries, outdir: 'out/test/integration' });
}

// The webview shows VS Code's own icons: copy the codicon font next to the panel's files.
function copyCodicons() {
  const from = 'node_modules/@vscode/codicons/dist';
  fs.mkdirSync('media/codicons', { recursive: true });
  for (const f of ['codicon.css', 'codicon.ttf']) fs.copyFileSync(path.join(from, f), path.join('media/codicons', f));
}

// pdf.js's worker and the data it fetches (character maps, standard fonts, image decoders), next to the PDF view.
function copyPdfjs() {
  const from = 'node_modules/pdfjs-dist';
  fs.mkdirSync('media/pdfjs', { recursive: true });
  fs.copyFileSync(path.join(from, 'build/pdf.worker.min.mjs'), 'media/pdfjs/pdf.worker.min.mjs');
  for (const dir of ['cmaps', 'standard_fonts', 'wasm']) fs.cpSync(path.join(from, dir), path.join('media/pdfjs', dir), { recursive: true });
}

const started = Date.now();
copyCodicons();
copyPdfjs();
if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
  console.log('[esbuild] watching');
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  if (fs.existsSync('dist/cli.js')) fs.chmodSync('dist/cli.js', 0o755);
  console.log(`[esbuild] built ${builds.length} bundles in ${Date.now() - started} ms${production ? ' (production)' : ''}`);
}
