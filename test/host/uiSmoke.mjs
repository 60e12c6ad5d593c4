// End to end, as a person sees it: the packaged .vsix installed in a real VS Code (code-server),
// the workbench opened on a copy of sample/ in headless Chromium, the paper opened, the command
// palette listing the assistant's commands, and "Ask About This Document" answering in the
// research panel (with no model configured, the answer is the paper's best passages).
// Screenshots go to test-artifacts/ (git-ignored).
//
// Usage: node test/host/uiSmoke.mjs [--vsix FILE] [--timeout SECONDS]
//   without --vsix it runs `npm run package` (the production bundle, as shipped) first.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  REPO,
  EXTENSION_ID,
  clock,
  ensureHost,
  tempRoot,
  installVsix,
  listExtensions,
  writeUserSettings,
  startCodeServer,
  launchBrowser,
  workbenchUrl,
  runCleanup,
  pressUntilVisible as pressUntil
} from './codeServer.mjs';

const { values: opt } = parseArgs({
  options: { vsix: { type: 'string' }, timeout: { type: 'string', default: '600' } },
});
const at = clock();
const PAPER = 'reward-model-overoptimisation.md';
const QUESTION = 'What does the KL penalty do?';
const ARTIFACTS = process.env.ALIGN_TEST_ARTIFACTS || path.join(REPO, 'test-artifacts');
const WAIT = 90_000; // per UI step, for a loaded 2-core machine; the whole run is bounded by --timeout

let vsix = opt.vsix && path.resolve(opt.vsix);
if (!vsix) {
  console.log(`[${at()}] packaging the extension (npm run package)`);
  execFileSync('npm', ['run', '-s', 'package'], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  vsix = path.join(REPO, 'dist', 'alignment-research-assistant.vsix');
}
if (!fs.existsSync(vsix)) {
  console.error(`No .vsix at ${vsix}`);
  process.exit(1);
}
ensureHost();
fs.mkdirSync(ARTIFACTS, { recursive: true });

const root = tempRoot('align-ui-');
const workspace = path.join(root, 'sample');
fs.cpSync(path.join(REPO, 'sample'), workspace, { recursive: true });

let server;
let context;
let page;
const cleanup = runCleanup(root, () => ({ context, server }));

/** Presses `key` until `target` shows (codeServer.mjs). */
const pressUntilVisible = (key, target) => pressUntil(page, key, target, WAIT);

async function shot(name) {
  const file = path.join(ARTIFACTS, name);
  await page.screenshot({ path: file });
  console.log(`[${at()}] screenshot ${path.relative(REPO, file)}`);
}

async function run() {
  // As scripts/start.sh does: the built-in Chat view would otherwise take a third of the window.
  writeUserSettings(root, { 'workbench.secondarySideBar.defaultVisibility': 'hidden' });
  installVsix(root, vsix);
  const installed = listExtensions(root);
  if (!installed.some((id) => id.startsWith(`${EXTENSION_ID}@`))) throw new Error(`not installed: ${installed.join(', ')}`);
  console.log(`[${at()}] installed ${path.basename(vsix)} (${(fs.statSync(vsix).size / 1e6).toFixed(1)} MB)`);

  server = await startCodeServer({ root, folder: workspace });
  console.log(`[${at()}] VS Code (code-server) listening at ${server.url}`);
  context = await launchBrowser(root);
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => console.log(`[workbench error] ${e.message}`));
  await page.goto(workbenchUrl(server, workspace), { timeout: WAIT });
  await page.locator('.monaco-workbench').waitFor({ timeout: WAIT });
  console.log(`[${at()}] workbench shown`);

  // Activation evidence: the model status item exists only once activate() has run.
  // No model is configured in this profile: the item says so instead of naming a default.
  const status = page.locator('.statusbar-item', { hasText: 'No model' });
  await status.first().waitFor({ timeout: WAIT });
  console.log(`[${at()}] extension activated (status bar says "No model")`);

  // Open the paper through Quick Open, as a person would.
  const quickInput = page.locator('.quick-input-widget input');
  await pressUntilVisible('Control+P', quickInput);
  await quickInput.fill(PAPER);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: PAPER }).first().waitFor({ timeout: WAIT });
  await page.keyboard.press('Enter');
  await page.locator('.tab.active', { hasText: PAPER }).waitFor({ timeout: WAIT });
  await page.locator('.monaco-editor .view-lines', { hasText: 'Climbing the Wrong Hill' }).first().waitFor({ timeout: WAIT });
  console.log(`[${at()}] paper open in the editor`);

  // The command palette lists the assistant's commands.
  await page.locator('.monaco-editor .view-lines').first().click();
  await pressUntilVisible('F1', quickInput);
  await quickInput.fill('>Alignment:');
  const ask = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Alignment: Ask About This Document' });
  await ask.first().waitFor({ timeout: WAIT });
  const rows = await page.locator('.quick-input-list .monaco-list-row .label-name').allInnerTexts();
  console.log(`[${at()}] command palette lists ${rows.length} "Alignment:" rows, e.g. ${rows.slice(0, 4).map((r) => `"${r.trim()}"`).join(', ')}`);
  await shot('ui-smoke-palette.png');

  // Ask a question about the open paper; the research panel answers beside it.
  await ask.first().click();
  const prompt = page.locator('.quick-input-widget', { hasText: 'Ask about' });
  await prompt.waitFor({ state: 'visible', timeout: WAIT });
  await quickInput.fill(QUESTION);
  await page.keyboard.press('Enter');
  // The panel is a webview: VS Code's host iframe, then the content iframe.
  const frame = page.frameLocator('iframe.webview').frameLocator('#active-frame');
  const conversation = frame.locator('#conversation');
  // The answer's own text, not the question (which also says "KL"): without a model, the paper's
  // best passages under the no-model heading, with the paper's words about the KL penalty.
  const answerBody = conversation.locator('article.turn.assistant .body').first();
  await answerBody.getByText('No language model is configured', { exact: false }).waitFor({ timeout: WAIT });
  const answer = (await answerBody.innerText()).replace(/\s+/g, ' ').trim();
  const quoted = (await answerBody.locator('blockquote').allInnerTexts()).join('\n');
  if (!/\bKL\b/.test(quoted)) throw new Error(`the answer quotes no passage about the KL penalty: ${answer.slice(0, 300)}`);
  const question = (await conversation.locator('article.turn.researcher').first().innerText()).trim();
  if (question !== QUESTION) throw new Error(`the panel does not show the question first: ${question.slice(0, 300)}`);
  const errors = await frame.locator('.turn .error, #notice.error').count();
  if (errors) throw new Error(`the panel shows an error: ${await frame.locator('.turn .error, #notice.error').first().innerText()}`);
  console.log(`[${at()}] research panel answered: "${answer.slice(0, 160)}…"`);
  await shot('ui-smoke-answer.png');
}

let code = 1;
let timer;
try {
  const timeoutS = Number(opt.timeout);
  await Promise.race([
    run(),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the UI smoke test did not finish within ${timeoutS} s`)), timeoutS * 1000);
    }),
  ]);
  code = 0;
} catch (e) {
  console.error(`[${at()}] UI smoke test failed: ${e?.stack ?? e}`);
  if (page) await shot('ui-smoke-failure.png').catch(() => {});
  if (server) console.error(`--- code-server log ---\n${server.log()}`);
} finally {
  clearTimeout(timer);
  await cleanup();
}
console.log(code === 0 ? `[${at()}] UI smoke test passed\n1 passed, 0 failed` : `[${at()}] UI smoke test failed\n0 passed, 1 failed`);
process.exit(code);
