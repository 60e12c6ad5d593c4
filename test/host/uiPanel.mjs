// The research panel as a researcher uses it, proven in the real webview: the packaged .vsix in a
// real VS Code (code-server) in headless Chromium, the model an OpenAI-compatible server on
// 127.0.0.1 (test/support/fakeOpenAIServer.ts, over real HTTP). Inside the webview's own sandboxed
// frame the test uses only the mouse and the keyboard:
//   no model yet: ask → the best passages (up to three) and "Configure Model…" →
//   configure the model from the panel while it is open (provider → base URL → model from
//   /models → key, written to the user's settings) → follow-up by Enter answered by the model in
//   that same panel → follow-up by the Ask button → edit the answer → Save → the instance on disk
//   with the follow-ups in its dialogue. Then: ideas → "Critique this idea" on the second → saved
//   (with "Save Both") pointing to the saved ideas; failure modes on a selection; a draft critique
//   as review comments: dismiss with a reason → re-run → still dismissed; accept → one instance;
//   edit and save in a Markdown editor keeps line breaks; a citation shows its quote on hover.
// It asserts on the webview's text, the workbench's status bar and the files, never on host
// internals. Screenshots go to test-artifacts/ui-panel-*.png.
//
// Usage: node --import tsx test/host/uiPanel.mjs [--vsix FILE] [--timeout SECONDS]
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
import { startFakeOpenAI, defaultResponder } from '../support/fakeOpenAIServer.ts';
import { WEBVIEW_CONTENT_SANDBOX } from '../support/webviewSandbox.ts';

const { values: opt } = parseArgs({
  options: { vsix: { type: 'string' }, timeout: { type: 'string', default: '900' } },
});
const at = clock();
const PAPER = 'reward-model-overoptimisation.md';
const Q1 = 'What does the KL penalty do?';
const Q2 = 'Why does the proxy reward diverge from the gold reward?';
const Q3 = 'Which model sizes were compared?';
const EDITED = ['Edited by the researcher:', 'the KL penalty keeps the policy near its start.'];
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

const root = tempRoot('align-uipanel-');
const workspace = path.join(root, 'sample');
fs.cpSync(path.join(REPO, 'sample'), workspace, { recursive: true });


let server;
let context;
let page;
let model;
const cleanup = runCleanup(root, () => ({ context, server }));
const checks = [];

function check(ok, claim, detail = '') {
  checks.push({ ok, claim });
  console.log(`[${at()}] ${ok ? 'ok  ' : 'FAIL'} ${claim}${ok || !detail ? '' : `: ${detail}`}`);
  if (!ok) throw new Error(`${claim}${detail ? `: ${detail}` : ''}`);
}

/** Presses `key` until `target` shows (codeServer.mjs). */
const pressUntilVisible = (key, target) => pressUntil(page, key, target, WAIT);

async function shot(name) {
  const file = path.join(ARTIFACTS, `ui-panel-${name}.png`);
  await page.screenshot({ path: file });
  console.log(`[${at()}] screenshot ${path.relative(REPO, file)}`);
}

/** Text of a locator with white space collapsed. */
async function textOf(locator) {
  return (await locator.innerText()).replace(/\s+/g, ' ').trim();
}

/** The answer the fake server gives to `q` (its default responder), without the citation. */
const answerTo = (q) => `Answer to "${q}"`;

/** The records saved for `task` in the workspace's dataset (`instances` or `feedback`). */
function savedRecords(task, kind = 'instances') {
  const file = path.join(workspace, 'alignment-tasks', task, `${kind}.jsonl`);
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}
const savedInstances = () => savedRecords('paper-qa');

// The second part: one idea at a time, failure modes on a selection, a draft critique.
const PROBLEM = 'Elicit what a model knows about the world.';
const IDEAS = ['**Consistency probes**: ask the same fact in two framings.', '**Debate with a judge**: two copies argue about what the model knows.', '**Activation steering** towards honest reports.'];
const PLAN = 'Train a reward model on human comparisons, then optimise a policy against it.';
const DRAFT = '# Draft\n\n## Claims\n\nDebate is useful. It always converges to honesty. Judges are humans.\n\n## Plans\n\nWe will scale it next year.\n\n## Risks\n\nNothing can go wrong.\n';
const FINDINGS = [
  { quote: 'It always converges to honesty.', problem: 'Unsupported convergence claim.', why: 'No proof is given.', severity: 'major', suggestion: 'Cite one.' },
  { quote: 'We will scale it next year.', problem: 'Vague plan.', why: 'No resources named.', severity: 'minor', suggestion: '' },
  { quote: 'Nothing can go wrong.', problem: 'Overconfident risk statement.', why: 'Every plan has risks.', severity: 'moderate', suggestion: 'List two.' },
];
const EDITED_CRITIQUE = ['Overconfident:', 'every plan has risks.'];

/** The model server's answers for the second part; anything else gets the default answer. */
function secondPartResponder(req) {
  const system = req.messages[0]?.content ?? '';
  const last = req.messages.at(-1)?.content ?? '';
  if (/How could this idea fail\?/.test(system)) return { text: 'It fails when the judge cannot check the claims.' };
  if (last.includes('Critique this section')) return { json: { findings: FINDINGS.filter((f) => last.includes(f.quote)) } };
  if (req.messages.some((m) => m.content.includes(PROBLEM))) return { text: `Three ideas:\n\n${IDEAS.map((t, i) => `${i + 1}. ${t}`).join('\n')}` };
  return defaultResponder(req);
}

async function run() {
  fs.writeFileSync(path.join(workspace, 'plan.md'), `${PLAN}\n`);
  fs.mkdirSync(path.join(workspace, 'drafts'), { recursive: true });
  fs.writeFileSync(path.join(workspace, 'drafts', 'draft.md'), DRAFT);
  model = await startFakeOpenAI();
  // A person's user settings before set-up: nothing of ours (so OpenAI without a key: no model).
  writeUserSettings(root, { 'workbench.secondarySideBar.defaultVisibility': 'hidden', 'alignment.embeddingModel': '' });
  installVsix(root, vsix);
  if (!listExtensions(root).some((id) => id.startsWith(`${EXTENSION_ID}@`))) throw new Error('the extension did not install');

  server = await startCodeServer({ root, folder: workspace });
  context = await launchBrowser(root);
  page = context.pages()[0] ?? (await context.newPage());
  const consoleLines = [];
  page.on('console', (m) => consoleLines.push(m.text()));
  await page.goto(workbenchUrl(server, workspace), { timeout: WAIT });
  await page.locator('.monaco-workbench').waitFor({ timeout: WAIT });
  const status = page.locator('.statusbar-item', { hasText: /No model|gpt-4o-mini|fake-model/ }).first();
  await status.waitFor({ timeout: WAIT });
  check((await textOf(status)) === 'No model', 'with no model configured the status bar says "No model"', await textOf(status));
  console.log(`[${at()}] workbench shown, extension active`);

  // Open the paper and ask, by keyboard, through Quick Open and the command palette.
  const quickInput = page.locator('.quick-input-widget input');
  await pressUntilVisible('Control+P', quickInput);
  await page.keyboard.type(PAPER);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: PAPER }).first().waitFor({ timeout: WAIT });
  await page.keyboard.press('Enter');
  await page.locator('.monaco-editor .view-lines', { hasText: 'Climbing the Wrong Hill' }).first().waitFor({ timeout: WAIT });
  await page.locator('.monaco-editor .view-lines').first().click();
  await pressUntilVisible('F1', quickInput);
  await page.keyboard.type('Alignment: Ask About This Document');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Alignment: Ask About This Document' }).first().waitFor({ timeout: WAIT });
  await page.keyboard.press('Enter');
  // The question box (not the palette, whose rows also say "Ask About"): wait until it has focus.
  await page.locator('.quick-input-widget input[placeholder^="What does the paper claim"]:focus').waitFor({ timeout: WAIT });
  await page.keyboard.type(Q1);
  await page.keyboard.press('Enter');

  // The panel is a webview: VS Code's host iframe, then the sandboxed content iframe.
  const host = page.frameLocator('iframe.webview');
  const frame = host.frameLocator('#active-frame');
  const conversation = frame.locator('#conversation');
  const answers = conversation.locator('article.turn.assistant');
  await answers.filter({ hasText: 'No language model is configured' }).first().waitFor({ timeout: WAIT });
  await shot('1-no-model');
  const sandbox = await host.locator('#active-frame').getAttribute('sandbox');
  check(sandbox === WEBVIEW_CONTENT_SANDBOX, 'the webview content frame has the sandbox the browser tier reproduces', `workbench: "${sandbox}", test/support/webviewSandbox.ts: "${WEBVIEW_CONTENT_SANDBOX}"`);
  check((await textOf(conversation.locator('article.turn.researcher').first())).includes(Q1), 'the question is shown as the first turn');
  const quotes = await answers.first().locator('.body blockquote').count();
  check(quotes >= 2 && quotes <= 3, 'without a model the answer is the best passages, up to three', `${quotes} quoted passages`);
  check((await frame.locator('.turn .error').count()) === 0, 'no error is shown');

  // Configure the model from the panel while it is open: a click in the webview, then the
  // workbench's quick inputs by keyboard.
  await frame.getByRole('button', { name: /Configure a model/ }).click();
  // Each step by its title, with its input focused (hidden rows of an earlier step may match a text).
  const step = (title) => page.locator('.quick-input-widget:has(.quick-input-title:text-is("' + title + '")) input:focus').waitFor({ timeout: WAIT });
  await step('Configure Model (1/4): provider');
  await page.keyboard.type('Other OpenAI-compatible');
  await page.keyboard.press('Enter');
  await step('Configure Model (2/4): base URL');
  await page.keyboard.press('Control+A');
  await page.keyboard.type(model.url);
  await page.keyboard.press('Enter');
  await step('Configure Model (3/4): model');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'fake-model' }).first().waitFor({ timeout: WAIT });
  await shot('2-configure-model-list');
  await page.keyboard.type('fake-model');
  await page.keyboard.press('Enter');
  await step('Configure Model (4/4): API key');
  await page.keyboard.press('Enter'); // a local server: no key
  await page.locator('.statusbar-item', { hasText: 'fake-model' }).first().waitFor({ timeout: WAIT });
  check(true, 'after Configure Model… the status bar names the model');
  const userSettings = JSON.parse(fs.readFileSync(path.join(root, 'user-data', 'User', 'settings.json'), 'utf8'));
  const workspaceSettings = path.join(workspace, '.vscode', 'settings.json');
  check(userSettings['alignment.model'] === 'fake-model' && userSettings['alignment.baseUrl'] === model.url, "Configure Model… wrote the user's settings", JSON.stringify(userSettings));
  check(!fs.existsSync(workspaceSettings) || !fs.readFileSync(workspaceSettings, 'utf8').includes('alignment.'), "and not the workspace's .vscode/settings.json");
  await frame.locator('#header', { hasText: 'fake-model' }).waitFor({ timeout: WAIT });
  check((await frame.getByRole('button', { name: /Configure a model/ }).count()) === 0, 'the open panel names the model that will answer, and no longer offers Configure Model…');
  await shot('3-configured');

  // Follow-up by Enter: click into the question box, type, press Enter.
  const box = frame.locator('#question');
  await box.click();
  await frame.locator('#question:focus').waitFor({ timeout: WAIT });
  await page.keyboard.type(Q2);
  await page.keyboard.press('Enter');
  try {
    await answers.filter({ hasText: answerTo(Q2) }).first().waitFor({ timeout: WAIT });
  } finally {
    await shot('4-follow-up-enter');
  }
  check((await answers.count()) === 2, 'the follow-up by Enter is answered by the newly configured model in the same panel', `${await answers.count()} answers`);
  check(await answers.nth(1).locator('.body').innerText().then((t) => t.includes(answerTo(Q2))), "the answer's own text (from the model server) is shown");
  // The citation: a label (never the raw id), the quoted passage on hover, listed under the answer.
  const cite = answers.nth(1).locator('.body button.citation').first();
  await cite.hover();
  const tip = (await cite.getAttribute('title')) ?? '';
  const label = (await cite.innerText()).trim();
  check(/^(§\S+ )?(p\.|pp\.|§|line)/.test(label) && !/^P\d/.test(label), 'the citation shows a label, not a passage id', label);
  check(tip.startsWith(`${label}: “`) && tip.length > label.length + 40, 'hovering the citation shows the quoted text', tip.slice(0, 120));
  check((await textOf(answers.nth(1).locator('[data-part="sources"]'))).startsWith(`Sources ${label}`), 'the answer lists its sources under it');
  await shot('4b-citation-hover');
  check((await box.inputValue()) === '', 'the question box is cleared after sending');

  // Follow-up by the Ask button: type, then click it.
  await box.click();
  await frame.locator('#question:focus').waitFor({ timeout: WAIT });
  await page.keyboard.type(Q3);
  await frame.getByRole('button', { name: 'Send the question' }).click();
  try {
    await answers.filter({ hasText: answerTo(Q3) }).first().waitFor({ timeout: WAIT });
  } finally {
    await shot('5-follow-up-click');
  }
  check((await answers.count()) === 3, 'the follow-up by the Ask button is answered in the same panel');
  const order = await conversation.locator('article.turn').allInnerTexts();
  const qIndex = (q) => order.findIndex((t) => t.includes(q) && !t.includes('Answer to'));
  check(qIndex(Q1) < qIndex(Q2) && qIndex(Q2) < qIndex(Q3), 'the questions are shown in the order asked');
  check((await frame.locator('.turn .error').count()) === 0, 'still no error is shown');

  // Edit the last answer and save it: a two-line version typed into the editor.
  // By position: once saved, the turn shows the edited text instead of the model's.
  const last = answers.nth(2);
  await last.getByRole('button', { name: 'Edit this answer and save it to the dataset' }).click();
  const editor = last.locator('textarea');
  await editor.waitFor({ timeout: WAIT });
  await editor.click();
  // As a person waits for the caret: keys sent before the webview frame has the focus go elsewhere.
  await last.locator('textarea:focus').waitFor({ timeout: WAIT });
  await page.keyboard.press('Control+A');
  // VS Code handles Ctrl+A in a webview itself and sends the frame a select-all message, which lands
  // a moment later: as a person sees the text highlighted before typing over it, wait for it.
  await last.locator('textarea').evaluate(
    (area) =>
      new Promise((resolve) => {
        const check = () => (area.selectionStart === 0 && area.selectionEnd === area.value.length ? resolve(true) : setTimeout(check, 20));
        check();
      }),
  );
  await page.keyboard.type(EDITED[0]);
  await page.keyboard.press('Enter');
  await page.keyboard.type(EDITED[1]);
  await shot('6-editing');
  await last.getByRole('button', { name: 'Save this version as an instance' }).click();
  await last.getByRole('button', { name: /^Saved as instance/ }).waitFor({ timeout: WAIT });
  await shot('7-saved');
  check((await last.locator('.body').innerText()).includes(EDITED[1]), 'after saving, the panel shows the saved (edited) version');
  await last.getByRole('button', { name: /Show the model's original answer/ }).click();
  await last.locator('.body', { hasText: answerTo(Q3) }).waitFor({ timeout: WAIT });
  check(true, "the model's answer is a click away");

  // On disk: one instance, the researcher's version with its line break, the model's kept, and
  // the dialogue holding every question asked before the saved answer.
  const saved = savedInstances();
  check(saved.length === 1, 'exactly one instance is saved', `${saved.length}`);
  const inst = saved[0];
  check(inst.output === EDITED.join('\n'), 'the saved output is the edited text, line break kept', JSON.stringify(inst.output));
  check(typeof inst.originalOutput === 'string' && inst.originalOutput.includes(answerTo(Q3)), "the model's answer is kept as originalOutput");
  const asked = (inst.input?.dialogue ?? []).filter((d) => d.role === 'researcher').map((d) => d.content);
  check(asked.includes(Q1) && asked.includes(Q2) && asked.includes(Q3), 'the dialogue holds the first question and both follow-ups', JSON.stringify(asked));
  check(inst.model?.model === 'fake-model', 'the instance records the model that answered', JSON.stringify(inst.model));
  check(inst.input?.source?.path?.endsWith(PAPER), 'the instance names the paper');
  const chats = model.requests.filter((r) => r.path.endsWith('/chat/completions')).length;
  check(chats === 2, 'the model server was asked twice (the follow-ups)', `${chats}`);
  const blocked = consoleLines.filter((l) => /Blocked form submission|sandboxed/i.test(l));
  check(blocked.length === 0, 'the workbench console reports nothing blocked by the sandbox', blocked.join(' | '));
  await secondPart(quickInput);
}

/** Runs a command by its palette title, by keyboard. */
async function runCommand(quickInput, title) {
  await pressUntilVisible('F1', quickInput);
  await page.keyboard.type(title);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: WAIT });
  await page.keyboard.press('Enter');
}

async function openFile(quickInput, name, shows) {
  await pressUntilVisible('Control+P', quickInput);
  await page.keyboard.type(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: WAIT });
  await page.keyboard.press('Enter');
  await page.locator('.monaco-editor .view-lines', { hasText: shows }).first().waitFor({ timeout: WAIT });
  await page.locator('.monaco-editor .view-lines', { hasText: shows }).first().click();
}

async function secondPart(quickInput) {
  model.setResponder(secondPartResponder);
  const closeAll = async () => {
    await runCommand(quickInput, 'View: Close All Editors');
    await page.locator('iframe.webview').first().waitFor({ state: 'detached', timeout: WAIT }).catch(() => {});
  };
  await closeAll();

  // One idea at a time: ideas → "Critique this idea" on the second → save it → its parent on disk.
  await runCommand(quickInput, 'Alignment: Generate Ideas');
  await page.locator('.quick-input-widget input:focus').waitFor({ timeout: WAIT });
  await page.keyboard.type(PROBLEM);
  await page.keyboard.press('Enter');
  const frame = page.frameLocator('iframe.webview').frameLocator('#active-frame');
  const answers = frame.locator('#conversation article.turn.assistant');
  const ideas = answers.first();
  await ideas.locator('.body', { hasText: 'Activation steering' }).waitFor({ timeout: WAIT });
  check((await textOf(frame.locator('article.turn.researcher').first())).includes(PROBLEM), 'the problem statement is the first turn');
  const offers = ideas.getByRole('button', { name: /^Critique idea \d: how could it fail\?$/ });
  check((await offers.count()) === 3, 'an answer that is a list offers "Critique this idea" on each item', `${await offers.count()}`);
  await shot('8-ideas');
  await ideas.getByRole('button', { name: 'Critique idea 2: how could it fail?' }).click();
  await answers.filter({ hasText: 'judge cannot check' }).first().waitFor({ timeout: WAIT });
  const askedIdea = await textOf(frame.locator('article.turn.researcher').nth(1));
  check(askedIdea.includes('How could this idea fail?') && askedIdea.includes('Debate with a judge') && !askedIdea.includes('Consistency probes'), 'the critique shows the second idea, alone, as what was asked', askedIdea);
  await shot('9-idea-critique');
  const critiqueTurn = answers.nth(1);
  await critiqueTurn.getByRole('button', { name: 'Edit this answer and save it to the dataset' }).click();
  await critiqueTurn.getByRole('button', { name: 'Save this version as an instance' }).click();
  // The ideas are not saved yet: VS Code's dialog offers to save both, so the critique can point to them.
  const saveBoth = page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Save Both' });
  await saveBoth.waitFor({ timeout: WAIT });
  await shot('10-save-both');
  await saveBoth.click();
  await critiqueTurn.getByRole('button', { name: /^Saved as instance/ }).waitFor({ timeout: WAIT });
  const savedIdeas = savedRecords('elk-ideas');
  const savedCritiques = savedRecords('elk-critique');
  check(savedIdeas.length === 1 && savedCritiques.length === 1, 'the ideas and the critique are saved once each', `${savedIdeas.length} + ${savedCritiques.length}`);
  check(savedCritiques[0].parentId === savedIdeas[0].id, 'the saved critique points to the saved ideas (parentId, on disk)', JSON.stringify(savedCritiques[0].parentId));
  check(savedCritiques[0].input.text === IDEAS[1], 'and records the idea it criticises', JSON.stringify(savedCritiques[0].input.text));
  await closeAll();

  // Failure modes on a selection: the selection is the first turn.
  await openFile(quickInput, 'plan.md', 'Train a reward model');
  await page.keyboard.press('Control+A');
  await runCommand(quickInput, 'Alignment: List Failure Modes');
  const fm = page.frameLocator('iframe.webview').frameLocator('#active-frame');
  await fm.locator('article.turn.assistant .body', { hasText: 'Answer to' }).first().waitFor({ timeout: WAIT });
  check((await textOf(fm.locator('article.turn').first())).includes(PLAN), 'failure modes on a selection shows the selection as the first turn');
  await shot('11-failure-modes');
  await closeAll();

  // Draft critique as review comments.
  await openFile(quickInput, 'draft.md', 'Debate is useful');
  await runCommand(quickInput, 'Alignment: Critique Draft Post');
  const widget = (text) => page.locator('.review-widget', { hasText: text });
  // As a person does in a small editor: click the finding in the Comments panel to bring its thread into view.
  const reveal = async (quote) => {
    const row = page.locator('.monaco-list-row', { hasText: quote }).first();
    if (await row.count()) await row.click();
    await page.waitForTimeout(300);
  };
  await widget(FINDINGS[2].problem).first().waitFor({ timeout: WAIT });
  check((await textOf(widget(FINDINGS[0].problem).first())).includes(FINDINGS[0].quote), 'a comment shows the sentence it criticises');
  await shot('12-critique-comments');
  await reveal(FINDINGS[0].quote);
  await widget(FINDINGS[0].problem).first().getByRole('button', { name: 'Dismiss Finding…' }).click();
  await page.locator('.quick-input-widget input:focus').waitFor({ timeout: WAIT });
  await shot('13-dismiss-reason');
  await page.keyboard.type('Defined in the appendix.');
  await page.keyboard.press('Enter');
  await widget(FINDINGS[0].problem).first().waitFor({ state: 'detached', timeout: WAIT });
  const rejected = savedRecords('draft-critique', 'feedback').filter((r) => r.kind === 'rejected');
  check(rejected.length === 1 && rejected[0].rating?.reason === 'Defined in the appendix.', 'Dismiss… records the finding as rejected with the reason', JSON.stringify(rejected.map((r) => r.rating)));
  const rerun = async () => {
    // The draft's tab (its first lines may be scrolled away behind the comments): the command runs on it.
    await page.locator('.tabs-container .tab', { hasText: 'draft.md' }).filter({ hasNotText: 'critique' }).first().click();
    const before = await page.locator('.review-widget').count();
    await runCommand(quickInput, 'Alignment: Critique Draft Post');
    // The summary's tab comes back with the run: wait for the threads to be replaced.
    await page.waitForTimeout(500);
    await widget(FINDINGS[2].problem).first().waitFor({ timeout: WAIT });
    return before;
  };
  await rerun();
  await page.waitForTimeout(1500);
  check((await widget(FINDINGS[0].problem).count()) === 0, 'after a re-run the dismissed finding stays dismissed');
  const tab = page.locator('.tabs-container .tab', { hasText: 'critique.md' }).first();
  const tabTitle = await textOf(tab);
  check(/^draft\.md — critique/.test(tabTitle) && !tabTitle.includes('%2F'), 'the summary tab title is readable', tabTitle);
  await shot('14-rerun-still-dismissed');

  await reveal(FINDINGS[1].quote);
  await widget(FINDINGS[1].problem).first().getByRole('button', { name: 'Accept Finding (Save as Instance)' }).click();
  await widget('Accepted — saved as instance').first().waitFor({ timeout: WAIT });
  await rerun();
  await widget('Accepted — saved as instance').first().waitFor({ timeout: WAIT });
  check((await widget(FINDINGS[1].problem).first().getByRole('button', { name: 'Accept Finding (Save as Instance)' }).count()) === 0, 'after a re-run the accepted finding shows as saved, with no Accept');
  const accepted = savedRecords('draft-critique');
  check(accepted.length === 1 && accepted[0].output.includes(FINDINGS[1].quote), 'accept → exactly one instance on disk', `${accepted.length}`);

  await reveal(FINDINGS[2].quote);
  await widget(FINDINGS[2].problem).first().getByRole('button', { name: 'Edit and Save Finding' }).click();
  const untitled = page.locator('.monaco-editor .view-lines', { hasText: 'List two.' }).last();
  await untitled.waitFor({ timeout: WAIT });
  await untitled.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.type(EDITED_CRITIQUE[0]);
  await page.keyboard.press('Enter');
  await page.keyboard.type(EDITED_CRITIQUE[1]);
  await shot('15-edit-critique');
  await page.locator('.notification-toast .monaco-button', { hasText: 'Save Instance' }).first().click();
  await widget('Accepted — saved as instance').nth(1).waitFor({ timeout: WAIT });
  const afterEdit = savedRecords('draft-critique');
  check(afterEdit.length === 2 && afterEdit[1].output === EDITED_CRITIQUE.join('\n'), 'edit and save keeps line breaks on disk', JSON.stringify(afterEdit.at(-1)?.output));
  await shot('16-critique-saved');
}

let code = 1;
let timer;
try {
  const timeoutS = Number(opt.timeout);
  await Promise.race([
    run(),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the panel UI test did not finish within ${timeoutS} s`)), timeoutS * 1000);
    }),
  ]);
  code = 0;
} catch (e) {
  console.error(`[${at()}] panel UI test failed: ${e?.stack ?? e}`);
  if (page) await shot('failure').catch(() => {});
  if (server && process.env.CS_LOG) console.error(`--- code-server log ---\n${server.log()}`);
} finally {
  clearTimeout(timer);
  await model?.close().catch(() => {});
  await cleanup();
}
const passed = checks.filter((c) => c.ok).length;
console.log(code === 0 ? `[${at()}] panel UI test passed (${passed} checks)\n1 passed, 0 failed` : `[${at()}] panel UI test failed\n0 passed, 1 failed`);
process.exit(code);
