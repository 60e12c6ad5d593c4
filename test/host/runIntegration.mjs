// Runs the integration suite (out/test/integration/index.js, mocha) inside a real VS Code
// extension host: code-server's, opened in headless Chromium with VS Code's own test payload —
// the same contract as @vscode/test-electron (see runElectron.mjs for desktop VS Code).
// Usage: node test/host/runIntegration.mjs [--workspace DIR] [--timeout SECONDS]
import fs from 'node:fs';
import path from 'node:path';
import util from 'node:util';
import { parseArgs } from 'node:util';
import { REPO, ensureHost, tempRoot, startCodeServer, launchBrowser, OFFLINE_NOISE } from './codeServer.mjs';

const { values: opt } = parseArgs({ options: { workspace: { type: 'string' }, timeout: { type: 'string', default: '600' } } });
const t0 = Date.now();
const at = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
const testsPath = path.join(REPO, 'out', 'test', 'integration', 'index.js');
if (!fs.existsSync(testsPath)) {
  console.error(`No built test suite at ${testsPath}: run "node esbuild.mjs" first.`);
  process.exit(1);
}
ensureHost();

const root = tempRoot('align-it-');
const workspace = path.join(root, 'workspace');
if (opt.workspace) fs.cpSync(path.resolve(opt.workspace), workspace, { recursive: true });
else fs.mkdirSync(workspace, { recursive: true });

// The extension host inherits code-server's environment: pass the tests what they need.
const testEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('ALIGN_TEST_')));
testEnv.ALIGN_TEST_WORKSPACE = workspace;
testEnv.ALIGN_TEST_ARTIFACTS = process.env.ALIGN_TEST_ARTIFACTS || path.join(REPO, 'test-artifacts');

let server;
let context;
let code = 1;
try {
  server = await startCodeServer({ root, folder: workspace, env: testEnv, extraArgs: ['--disable-workspace-trust', '--vscode-option', 'enable-smoke-test-driver'] });
  console.log(`[${at()}] VS Code (code-server) listening at ${server.url}`);
  context = await launchBrowser(root);
  let finish;
  const finished = new Promise((r) => (finish = r));
  await context.exposeFunction('codeAutomationLog', (type, args) => {
    const text = util.format(...(Array.isArray(args) ? args : [args]));
    if (!process.env.SHOW_WORKBENCH_LOG && OFFLINE_NOISE.test(text)) return;
    (type === 'error' ? console.error : console.log)(text);
  });
  await context.exposeFunction('codeAutomationExit', (c) => finish(c));
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => console.log('[workbench error]', e.message));
  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const payload = [
    ['extensionDevelopmentPath', remote(REPO)],
    ['extensionTestsPath', remote(testsPath)],
  ];
  await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
  console.log(`[${at()}] workbench opened; running the suite in the extension host`);
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error(`the suite did not finish within ${opt.timeout} s`)), Number(opt.timeout) * 1000));
  code = await Promise.race([finished, timeout]);
  console.log(`[${at()}] extension host finished with code ${code}`);
} catch (e) {
  console.error(`[${at()}] integration run failed: ${e?.stack ?? e}`);
  if (server) console.error(`--- code-server log ---\n${server.log()}`);
  code = 1;
} finally {
  await context?.close().catch(() => {});
  await server?.stop();
  if (!process.env.KEEP_TMP) fs.rmSync(root, { recursive: true, force: true });
  else console.log(`kept ${root}`);
}
process.exit(code);
