// Runs the integration suite (out/test/integration/index.js, mocha) inside a real VS Code extension
// host: code-server's, opened in headless Chromium with the payload VS Code's own browser
// "Extension Development Host" uses. Same contract as @vscode/test-electron (runElectron.mjs), so
// one suite serves both. Exit code = the suite's result.
//
// Usage: node test/host/runIntegration.mjs [--workspace DIR] [--timeout SECONDS]
//   --workspace  a fixture folder, copied into a fresh workspace (default: an empty folder)
//   env          ALIGN_TEST_* variables reach the tests; ALIGN_TEST_WORKSPACE is set to the workspace.
//                SHOW_WORKBENCH_LOG=1 shows the offline noise too; KEEP_TMP=1 keeps the temp root.
import fs from 'node:fs';
import path from 'node:path';
import util from 'node:util';
import { parseArgs } from 'node:util';
import {
  REPO,
  OFFLINE_NOISE,
  clock,
  ensureHost,
  tempRoot,
  startCodeServer,
  launchBrowser,
  workbenchUrl,
  remoteUri,
  runCleanup,
  profileDirs,
} from './codeServer.mjs';
import { startPageBridge } from './pageBridge.mjs';

const { values: opt } = parseArgs({
  options: { workspace: { type: 'string' }, timeout: { type: 'string', default: '1200' }, untrusted: { type: 'boolean', default: false } },
});
const at = clock();
const timeoutS = Number(opt.timeout);
const testsPath = path.join(REPO, 'out', 'test', 'integration', 'index.js');
if (!fs.existsSync(testsPath)) {
  console.error(`No built suite at ${path.relative(REPO, testsPath)}: run "node esbuild.mjs" first.`);
  process.exit(1);
}
if (!fs.existsSync(path.join(REPO, 'node_modules', 'mocha'))) {
  // index.js requires mocha from the repository at run time.
  console.error('mocha is not installed: run "npm ci" first.');
  process.exit(1);
}
ensureHost();

const root = tempRoot('align-it-');
const workspace = path.join(root, 'workspace');
if (opt.workspace) fs.cpSync(path.resolve(opt.workspace), workspace, { recursive: true });
else fs.mkdirSync(workspace, { recursive: true });

// The extension host inherits code-server's environment, so this is how tests get their settings.
const testEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('ALIGN_TEST_')));
if (opt.untrusted) testEnv.ALIGN_TEST_UNTRUSTED = '1';
testEnv.ALIGN_TEST_WORKSPACE = workspace;
testEnv.ALIGN_TEST_ARTIFACTS ??= path.join(REPO, 'test-artifacts');
// Tests look at the workbench (the Chat view, screenshots) through the runner's page.
const bridge = await startPageBridge(testEnv.ALIGN_TEST_ARTIFACTS);
testEnv.ALIGN_TEST_PAGE_BRIDGE = bridge.url;

let server;
let context;
/** The workbench page, for the UI actions tests ask for. */
let page;
const cleanup = runCleanup(root, () => ({ context, server }));

// A language-model provider for tests (registered only while a suite enables it), installed in
// the run's profile: the workbench keeps only one extensionDevelopmentPath from the payload.
const fakeLm = path.join(REPO, 'test', 'integration', 'fake-lm-ext');
fs.cpSync(fakeLm, path.join(profileDirs(root).extensions, 'alignment-research-tests.fake-language-model-0.0.1'), { recursive: true });

let code = 1;
const times = {};
try {
  let t = Date.now();
  server = await startCodeServer({
    root,
    folder: workspace,
    env: testEnv,
    // Built VS Code honours the payload's test paths only with the smoke-test driver enabled.
    extraArgs: ['--vscode-option', 'enable-smoke-test-driver'],
    // --untrusted: the folder opens in restricted mode, and only the restricted-mode suite runs.
    workspaceTrust: opt.untrusted,
  });
  times.server = Date.now() - t;
  console.log(`[${at()}] VS Code (code-server) listening at ${server.url}`);

  context = await launchBrowser(root);
  let finish;
  const finished = new Promise((resolve) => (finish = resolve));
  // In test mode the workbench sends its log, including the extension host's console (mocha's
  // reporter), to codeAutomationLog, and the suite's result to codeAutomationExit.
  await context.exposeFunction('codeAutomationLog', (type, args) => {
    const text = util.format(...(Array.isArray(args) ? args : [args]));
    // A test asks for something only the browser can do (a screenshot, a mouse drag in a webview).
    const ui = /^ALIGN_UI (\{.*\})$/.exec(text.trim());
    if (ui) return void uiAction(page, JSON.parse(ui[1]), testEnv.ALIGN_TEST_ARTIFACTS);
    if (!process.env.SHOW_WORKBENCH_LOG && OFFLINE_NOISE.test(text)) return;
    (type === 'error' ? console.error : console.log)(text);
  });
  await context.exposeFunction('codeAutomationExit', (c) => finish(Number(c)));
  page = context.pages()[0] ?? (await context.newPage());
  bridge.setPage(page);
  page.on('pageerror', (e) => console.log(`[workbench error] ${e.message}`));
  // SHOW_WEBVIEW_CONSOLE=1: what webviews print (their frames are not the workbench's).
  if (process.env.SHOW_WEBVIEW_CONSOLE) page.on('console', (m) => !OFFLINE_NOISE.test(m.text()) && console.log(`[console ${m.type()}] ${m.location().url?.slice(0, 80)} ${m.text()}`));

  t = Date.now();
  const payload = [
    ['extensionDevelopmentPath', remoteUri(server, REPO)],
    ['extensionTestsPath', remoteUri(server, testsPath)],
  ];
  // On a loaded machine the workbench can take minutes to load, not Playwright's default 30 s.
  await page.goto(workbenchUrl(server, workspace, payload), { timeout: 300_000 });
  times.workbench = Date.now() - t;
  console.log(`[${at()}] workbench loaded; the suite runs in the extension host`);

  t = Date.now();
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the suite did not finish within ${timeoutS} s`)), timeoutS * 1000);
  });
  code = await Promise.race([finished, timeout]);
  clearTimeout(timer);
  times.tests = Date.now() - t;
  console.log(`[${at()}] extension host finished with code ${code}`);
} catch (e) {
  console.error(`[${at()}] integration run failed: ${e?.stack ?? e}`);
  if (server) console.error(`--- code-server log ---\n${server.log()}`);
  code = 1;
} finally {
  await cleanup();
  await bridge.close();
}
/**
 * Does what a test asked for with `ALIGN_UI {json}` on its console, then writes
 * `<artifacts>/.ui/<id>.json` ({ ok, error? }) for the test to read.
 *   { action: 'screenshot', file }                  the whole workbench, into the artifacts folder
 *   { action: 'dragSelect', from, to, frameHas }     press the mouse at the start of the first text run
 *                                                   containing `from` and release at the end of the one
 *                                                   containing `to`, inside the webview frame holding `frameHas`
 */
async function uiAction(page, req, artifacts) {
  let result = { ok: true };
  try {
    if (req.action === 'screenshot') {
      await page.screenshot({ path: path.join(artifacts, req.file) });
    } else if (req.action === 'dragSelect') {
      let frame;
      for (const f of page.frames()) {
        if (await f.locator(req.frameHas).count().catch(() => 0)) frame = f;
      }
      if (!frame) throw new Error(`no frame holds ${req.frameHas}`);
      const a = await frame.locator('.textLayer span', { hasText: req.from }).first().boundingBox();
      const b = await frame.locator('.textLayer span', { hasText: req.to }).first().boundingBox();
      if (!a || !b) throw new Error('the text runs are not on screen');
      await page.mouse.move(a.x + 1, a.y + a.height / 2);
      await page.mouse.down();
      await page.mouse.move(b.x + b.width - 1, b.y + b.height / 2, { steps: 8 });
      await page.mouse.up();
    } else {
      throw new Error(`unknown action ${req.action}`);
    }
  } catch (e) {
    result = { ok: false, error: String(e?.message ?? e) };
  }
  fs.mkdirSync(path.join(artifacts, '.ui'), { recursive: true });
  fs.writeFileSync(path.join(artifacts, '.ui', `${req.id}.json`), JSON.stringify(result));
}

const fmt = (ms) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`);
console.log(
  `[${at()}] integration: server start ${fmt(times.server)}, workbench ${fmt(times.workbench)}, tests ${fmt(times.tests)}, total ${at()}`,
);
process.exit(code);
