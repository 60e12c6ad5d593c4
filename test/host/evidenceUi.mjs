// A two-rater blind study through the real editor UI, then the scorecard, as people would do it.
// The extension (the dev build in dist/ and media/) runs in code-server's Extension Development
// Host, opened in headless Chromium; a dataset is made first by test/host/evidenceFixture.ts (split
// task, judged evaluation run, study, planted-flaw run, against the fake OpenAI server). Each rater
// runs "Alignment: Rate Blind Study…" from the command palette, types their id, and rates every
// item in the webview with the mouse. Checks: no answer names its source; the verdicts on disk are
// the ones clicked, mapped back through the random order; the scorecard shows the same kappa as the
// core computes. Screenshots go to test-artifacts/ (git-ignored).
//
// Usage: node esbuild.mjs && node test/host/evidenceUi.mjs [--timeout SECONDS]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO, clock, ensureHost, tempRoot, writeUserSettings, startCodeServer, launchBrowser, workbenchUrl, remoteUri, runCleanup, pressUntilVisible as pressUntil } from './codeServer.mjs';

const { values: opt } = parseArgs({ options: { timeout: { type: 'string', default: '420' } } });
const at = clock();
const ARTIFACTS = process.env.ALIGN_TEST_ARTIFACTS || path.join(REPO, 'test-artifacts');
const WAIT = 90_000; // per UI step, generous for a loaded 2-core machine
const TASK = path.join('alignment-tasks', 'failure-modes');

for (const f of ['dist/extension.js', 'dist/host.js', 'dist/cli.js', 'media/evidence.js']) {
  if (!fs.existsSync(path.join(REPO, f))) {
    console.error(`No ${f}: run "node esbuild.mjs" first.`);
    process.exit(1);
  }
}
ensureHost();
fs.mkdirSync(ARTIFACTS, { recursive: true });
const root = tempRoot('align-ev-');
const workspace = path.join(root, 'workspace');
fs.mkdirSync(workspace, { recursive: true });
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

/** Runs a command from the palette by its title. */
async function palette(title) {
  const quickInput = page.locator('.quick-input-widget input');
  await pressUntilVisible('F1', quickInput);
  await quickInput.fill(`>${title}`);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  await row.waitFor({ timeout: WAIT });
  await page.keyboard.press('Enter');
}

/** The content frame of the visible webview (VS Code's host iframe, then the content iframe). */
function webview() {
  return page.frameLocator('iframe.webview.ready:visible, iframe.webview:visible').first().frameLocator('#active-frame');
}

const planOf = (text) => Number(/Plan number (\d+)/.exec(text)?.[1]);
// What each rater prefers, by plan number: r1 the model on even plans, r2 the model unless the plan is a multiple of 3.
const wantsModel = { r1: (n) => n % 2 === 0, r2: (n) => n % 3 !== 0 };

async function rateAs(rater) {
  await palette('Alignment: Rate Blind Study…');
  const study = page.locator('.quick-input-list .monaco-list-row', { hasText: 'study-1' }).first();
  await study.waitFor({ timeout: WAIT });
  await page.keyboard.press('Enter');
  const quickInput = page.locator('.quick-input-widget input');
  await page.locator('.quick-input-widget', { hasText: 'rater id' }).waitFor({ state: 'visible', timeout: WAIT });
  await quickInput.fill(rater);
  await page.keyboard.press('Enter');
  const view = webview();
  const clicked = new Map();
  for (let k = 0; k < 50; k++) {
    const done = view.locator('#done');
    const progress = view.locator('#progress');
    await Promise.race([done.waitFor({ timeout: WAIT }), progress.waitFor({ timeout: WAIT })]);
    if (await done.isVisible()) break;
    const progressText = await progress.innerText();
    const input = await view.locator('section.input .text').innerText();
    const a = await view.locator('article[aria-label="Answer A"] .text').innerText();
    const b = await view.locator('article[aria-label="Answer B"] .text').innerText();
    const shown = (await view.locator('main').innerText()).replace(a, '').replace(b, '');
    if (/fake-model|fake-judge|reference|model:/i.test(shown)) throw new Error(`the item names a source: ${shown.slice(0, 400)}`);
    const n = planOf(input);
    const modelIsA = a.startsWith('Model answer');
    if (!(modelIsA ? b.startsWith('Reference answer') : a.startsWith('Reference answer'))) throw new Error(`unexpected answers: ${a.slice(0, 60)} / ${b.slice(0, 60)}`);
    const pickModel = wantsModel[rater](n);
    const label = pickModel === modelIsA ? 'A is better' : 'B is better';
    await view.getByLabel(label).check();
    await view.getByLabel('4', { exact: true }).check();
    if (k === 0) await shot(`evidence-study-${rater}.png`);
    await view.locator('#submit').click();
    clicked.set(n, { pickModel, modelIsA });
    // The next item replaces this one: wait for the progress line to change (or the end).
    await view.locator('#progress', { hasNotText: progressText }).or(view.locator('#done')).first().waitFor({ timeout: WAIT });
  }
  console.log(`[${at()}] ${rater} rated ${clicked.size} items through the webview`);
  await palette('View: Close Editor');
  return clicked;
}

async function run() {
  execFileSync(process.execPath, ['--import', 'tsx', path.join(REPO, 'test', 'host', 'evidenceFixture.ts'), workspace], { cwd: REPO, stdio: 'inherit' });
  writeUserSettings(root, { 'workbench.secondarySideBar.defaultVisibility': 'hidden', 'alignment.evaluation.testBudget': 3, 'workbench.colorTheme': 'Default Dark Modern' });
  // Built VS Code honours the payload's extensionDevelopmentPath only with the smoke-test driver enabled.
  server = await startCodeServer({ root, folder: workspace, extraArgs: ['--vscode-option', 'enable-smoke-test-driver'] });
  console.log(`[${at()}] VS Code (code-server) listening at ${server.url}`);
  context = await launchBrowser(root, { width: 1400, height: 1000 });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => console.log(`[workbench error] ${e.message}`));
  // Loading the workbench on a loaded 2-core machine can take minutes, not Playwright's default 30 s.
  page.setDefaultNavigationTimeout(3 * WAIT);
  page.setDefaultTimeout(WAIT);
  await page.goto(workbenchUrl(server, workspace, [['extensionDevelopmentPath', remoteUri(server, REPO)]]));
  await page.locator('.monaco-workbench').waitFor({ timeout: WAIT });
  // The model status item says which model answers, or "No model" (none is configured here).
  await page.locator('.statusbar-item', { hasText: /No model|gpt-4o-mini/ }).first().waitFor({ timeout: WAIT });
  console.log(`[${at()}] workbench shown, extension active`);

  const r1 = await rateAs('r1');
  const r2 = await rateAs('r2');

  // Sandwiching: a non-expert answers an item in the assisted study. No model is configured in this
  // host, so asking for help says so; the answer is still recorded, with the help actually used (none).
  await palette('Alignment: Answer Blind Study Items with Assistance…');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'study-2' }).first().waitFor({ timeout: WAIT });
  if (await page.locator('.quick-input-list .monaco-list-row', { hasText: 'study-1' }).count()) throw new Error('a study without an assisted arm was offered');
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget', { hasText: 'rater id' }).waitFor({ state: 'visible', timeout: WAIT });
  await page.locator('.quick-input-widget input').fill('novice');
  await page.keyboard.press('Enter');
  const assist = webview();
  await assist.locator('#progress', { hasText: 'Item 1 of' }).waitFor({ timeout: WAIT });
  if (/Reference answer/.test(await assist.locator('main').innerText())) throw new Error('the non-expert was shown the reference answer');
  await assist.locator('#help-question').fill('What could go wrong with this plan?');
  await assist.locator('#ask').click();
  await assist.getByRole('alert').filter({ hasText: 'No model is configured' }).waitFor({ timeout: WAIT });
  await assist.locator('#answer').fill('The policy exploits the reward model.');
  await shot('evidence-assisted.png');
  await assist.locator('#submit-answer').click();
  await assist.locator('#progress', { hasText: 'Item 2 of' }).waitFor({ timeout: WAIT });
  const assisted = fs.readFileSync(path.join(workspace, TASK, 'studies', 'study-2', 'assisted.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  if (assisted.length !== 1 || assisted[0].rater !== 'novice' || assisted[0].answer !== 'The policy exploits the reward model.' || assisted[0].help.length !== 0) throw new Error(`assisted answer not recorded as given: ${JSON.stringify(assisted)}`);
  console.log(`[${at()}] novice's assisted answer recorded through the webview`);
  await palette('View: Close Editor');

  // On disk: one verdict per rater and item, mapped back to the arm that was clicked.
  const studyDir = path.join(workspace, TASK, 'studies', 'study-1');
  const study = JSON.parse(fs.readFileSync(path.join(studyDir, 'study.json'), 'utf8'));
  const ratings = fs.readFileSync(path.join(studyDir, 'ratings.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  if (ratings.length !== 2 * study.instanceIds.length) throw new Error(`${ratings.length} verdicts on disk for ${study.instanceIds.length} items and 2 raters`);
  const instances = new Map(
    fs.readFileSync(path.join(workspace, TASK, 'instances.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).map((i) => [i.id, planOf(i.input.text)]),
  );
  const orders = new Set();
  for (const r of ratings) {
    const n = instances.get(r.itemId);
    const clicked = (r.rater === 'r1' ? r1 : r2).get(n);
    // Arm 1 is the model (study.json: reference vs model).
    if ((r.preferred === 1) !== clicked.pickModel) throw new Error(`verdict of ${r.rater} on plan ${n} was not recorded as clicked`);
    if (r.confidence !== 4) throw new Error('confidence not recorded');
    orders.add(clicked.modelIsA);
  }
  if (orders.size !== 2) throw new Error('the model answer was always on the same side: the order is not random');
  const results = JSON.parse(execFileSync(process.execPath, [path.join(REPO, 'dist', 'cli.js'), 'study', 'results', 'failure-modes', 'study-1', '--json', '--dataset', path.join(workspace, 'alignment-tasks')], { encoding: 'utf8' }));
  console.log(`[${at()}] results: ${JSON.stringify({ winRates: results.winRates, agreement: results.agreement, judgeVsPeople: results.judgeVsPeople })}`);

  await palette('Alignment: Show Evidence Scorecard');
  const view = webview();
  await view.locator('h1', { hasText: 'Evidence scorecard' }).waitFor({ timeout: WAIT });
  const text = (await view.locator('main').innerText()).replace(/\s+/g, ' ');
  const kappa = `Cohen's κ ${results.agreement.cohensKappa.toFixed(2)}`;
  for (const want of [kappa, 'Blind study study-1', 'test split consulted 3 times of a budget of 3', 'Planted flaws caught', '1/3 caught', '2/3 caught', 'Test-split consultations over time']) {
    if (!text.includes(want)) throw new Error(`the scorecard does not show "${want}": ${text.slice(0, 800)}`);
  }
  if ((await view.locator('svg.chart').count()) < 4) throw new Error('fewer than four charts on the scorecard');
  await page.waitForTimeout(500);
  await shot('evidence-scorecard.png');
}

let code = 1;
let timer;
try {
  await Promise.race([
    run(),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the evidence UI test did not finish within ${opt.timeout} s`)), Number(opt.timeout) * 1000);
    }),
  ]);
  code = 0;
} catch (e) {
  console.error(`[${at()}] evidence UI test failed: ${e?.stack ?? e}`);
  if (page) await shot('evidence-failure.png').catch(() => {});
  if (server) console.error(`--- code-server log (tail) ---\n${server.log().slice(-4000)}`);
} finally {
  clearTimeout(timer);
  await cleanup();
}
console.log(code === 0 ? `[${at()}] evidence UI test passed\n1 passed, 0 failed` : `[${at()}] evidence UI test failed\n0 passed, 1 failed`);
process.exit(code);
