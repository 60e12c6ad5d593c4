// The research panel's front end in a real headless Chromium, served under the exact HTML and CSP
// the extension uses (panelHtml). Hostile model output, titles, questions and error messages must
// not execute, must not load anything (a second local server stands in for a tracker and must get
// no request), and must not freeze the panel; the controls must post the typed messages.
// Run: node --import tsx --test test/browser/panelRender.test.ts  (needs /usr/bin/chromium or $CHROMIUM)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { panelHtml } from '../../src/host/conversation/panel/panelHtml';
import { DeltaCoalescer } from '../../src/host/conversation/panel/deltaCoalescer';
import type { ConversationState, HostToWebview, TurnView, WebviewToHost } from '../../src/protocol/panelProtocol';
import { WEBVIEW_CONTENT_SANDBOX } from '../support/webviewSandbox';

const ROOT = path.resolve(__dirname, '..', '..');
const MEDIA = path.join(ROOT, 'media');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const NONCE = '0f3c5e7a9b1d2f4e6a8c0b2d4f6e8a1c';

// VS Code's Dark Modern colours for the variables the panel uses, so screenshots look like the editor.
const THEME = `html { --vscode-font-family: system-ui, "Segoe UI", Ubuntu, sans-serif; --vscode-font-size: 13px;
  --vscode-editor-font-family: "DejaVu Sans Mono", monospace; --vscode-editor-font-size: 12px;
  --vscode-foreground: #cccccc; --vscode-descriptionForeground: #9d9d9d; --vscode-editor-background: #1f1f1f;
  --vscode-button-background: #0078d4; --vscode-button-foreground: #ffffff; --vscode-button-hoverBackground: #026ec1;
  --vscode-button-secondaryBackground: #313131; --vscode-button-secondaryForeground: #cccccc; --vscode-button-secondaryHoverBackground: #3c3c3c;
  --vscode-button-border: #ffffff12; --vscode-focusBorder: #0078d4; --vscode-input-background: #313131; --vscode-input-foreground: #cccccc;
  --vscode-input-border: #3c3c3c; --vscode-input-placeholderForeground: #989898; --vscode-panel-border: #2b2b2b; --vscode-widget-border: #313131;
  --vscode-textLink-foreground: #4daafc; --vscode-textLink-activeForeground: #4daafc; --vscode-textBlockQuote-background: #2b2b2b;
  --vscode-textBlockQuote-border: #616161; --vscode-textCodeBlock-background: #2b2b2b; --vscode-errorForeground: #f85149;
  --vscode-editorWarning-foreground: #cca700; --vscode-inputValidation-errorBorder: #be1100; }`;

let site: http.Server;
let tracker: http.Server;
let siteUrl = '';
let trackerUrl = '';
const trackerHits: string[] = [];
let browser: BrowserContext;
let workDir = '';
let panelJs = '';

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

before(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'align-panel-'));
  // Bundle the front end from source as esbuild.mjs does, so the test checks the code in the tree.
  panelJs = path.join(workDir, 'panel.js');
  await build({ entryPoints: [path.join(ROOT, 'src/webview/panel.ts')], bundle: true, platform: 'browser', format: 'iife', target: 'es2022', outfile: panelJs, logLevel: 'silent' });
  tracker = http.createServer((req, res) => {
    trackerHits.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'image/png' }).end();
  });
  trackerUrl = await listen(tracker);
  const codicons = fs.existsSync(path.join(MEDIA, 'codicons', 'codicon.css'));
  site = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    const files: Record<string, [string, string]> = {
      '/panel.js': [panelJs, 'text/javascript'],
      '/panel.css': [path.join(MEDIA, 'panel.css'), 'text/css'],
      '/codicons/codicon.css': [path.join(MEDIA, 'codicons', 'codicon.css'), 'text/css'],
      '/codicons/codicon.ttf': [path.join(MEDIA, 'codicons', 'codicon.ttf'), 'font/ttf'],
    };
    if (url === '/') {
      const html = panelHtml({
        cspSource: siteUrl,
        nonce: NONCE,
        scriptUri: `${siteUrl}/panel.js`,
        styleUri: `${siteUrl}/panel.css`,
        codiconsUri: codicons ? `${siteUrl}/codicons/codicon.css` : undefined,
        title: 'Research panel',
      });
      // Every test runs under the sandbox VS Code gives a webview (the CSP sandbox directive sets the
      // same flags as the iframe attribute): no forms, no popups, no top navigation.
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': `sandbox ${WEBVIEW_CONTENT_SANDBOX}` }).end(html);
    } else if (url === '/in-webview-frame') {
      // As in the workbench: the panel inside an iframe with the webview's sandbox attribute.
      const frame = `<!DOCTYPE html><html><body style="margin:0"><iframe id="active-frame" sandbox="${WEBVIEW_CONTENT_SANDBOX}" src="/" style="border:0;width:100vw;height:100vh"></iframe></body></html>`;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(frame);
    } else if (url === '/theme.css') {
      res.writeHead(200, { 'content-type': 'text/css' }).end(THEME);
    } else if (files[url] && fs.existsSync(files[url][0])) {
      res.writeHead(200, { 'content-type': files[url][1] }).end(fs.readFileSync(files[url][0]));
    } else res.writeHead(404).end();
  });
  siteUrl = await listen(site);
  // A fresh profile in the test's temporary folder; no browser is downloaded.
  browser = await chromium.launchPersistentContext(path.join(workDir, 'profile'), {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
});

after(async () => {
  await browser?.close();
  site?.close();
  tracker?.close();
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

interface Panel {
  page: Page;
  /** Every request the page made. */
  requests: string[];
  dialogs: string[];
  errors: string[];
  posted(): Promise<WebviewToHost[]>;
  send(m: HostToWebview): Promise<void>;
}

/** Opens the panel with a stand-in for VS Code's webview API that records what the panel posts. */
async function openPanel(width = 480, height = 760): Promise<Panel> {
  const page = await browser.newPage();
  await page.setViewportSize({ width, height });
  const requests: string[] = [];
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  // Strings, not functions: tsx's compiled functions can reference helpers the page does not have.
  // The webview state lives in sessionStorage so that a reload restores it, as VS Code does.
  await page.addInitScript({
    content: `
      window.__posted = [];
      window.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
      window.acquireVsCodeApi = () => ({
        postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
        getState: () => JSON.parse(sessionStorage.getItem('vscodeState') || 'null') || undefined,
        setState: (s) => sessionStorage.setItem('vscodeState', JSON.stringify(s)),
      });`,
  });
  await page.goto(siteUrl);
  await page.addStyleTag({ url: `${siteUrl}/theme.css` });
  return {
    page,
    requests,
    dialogs,
    errors,
    posted: () => page.evaluate('window.__posted') as Promise<WebviewToHost[]>,
    send: async (m) => {
      await page.evaluate(`window.postMessage(${JSON.stringify(m)}, '*')`);
    },
  };
}

function conversation(turns: TurnView[], over: Partial<ConversationState> = {}): ConversationState {
  return {
    title: 'Paper QA: Learning to summarize from human feedback',
    task: { id: 'paper-qa', title: 'Paper question answering' },
    source: { title: 'Learning to summarize from human feedback', kind: 'pdf', path: '/papers/summarize.pdf' },
    modelLabel: 'gpt-4o-mini · api.openai.com',
    turns,
    ...over,
  };
}

const question = (id: string, content: string): TurnView => ({ id: `${id}:q`, role: 'researcher', content, status: 'done' });
const streaming = (id: string): TurnView => ({ id, role: 'assistant', content: '', status: 'streaming' });

/**
 * Waits until the page shows `text` somewhere in the conversation. Polls from Node: Playwright's
 * waitForFunction evaluates strings inside the page, which the panel's CSP (rightly) forbids.
 */
async function shows(page: Page, text: string): Promise<void> {
  const expr = `document.getElementById('conversation').innerText.includes(${JSON.stringify(text)})`;
  for (let i = 0; i < 250; i++) {
    if (await page.evaluate(expr)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`the panel never showed ${JSON.stringify(text)}`);
}

const payloads = (t: string): string[] => [
  '<script>window.__pwned = 1; alert(1)</script>',
  '<img src=x onerror="window.__pwned = 2; alert(2)">',
  '[click me](javascript:window.__pwned=3)',
  '[mixed case](JaVaScRiPt:alert(3))',
  '[entity](jav&#x09;ascript:alert(3))',
  '[vb](vbscript:msgbox(1))',
  '<svg onload="window.__pwned = 4"><script>window.__pwned = 5</script></svg>',
  '<style>body { display: none !important } @import url(' + t + '/import.css);</style>',
  '<div style="background:url(' + t + '/css-bg.png); position:fixed; inset:0">css injection</div>',
  '<a href="#" style="position:fixed;inset:0" onclick="window.__pwned=6">overlay</a>',
  `![tracker](${t}/beacon.png)`,
  `![ref tracker][r]\n\n[r]: ${t}/ref-beacon.png`,
  `<img src="${t}/img.png">`,
  `<iframe src="${t}/frame"></iframe>`,
  `<object data="${t}/object"></object><embed src="${t}/embed">`,
  `<link rel="stylesheet" href="${t}/link.css"><meta http-equiv="refresh" content="0;url=${t}/meta"><base href="${t}/">`,
  `<form action="${t}/form"><input autofocus onfocus="window.__pwned=7"><button>go</button></form>`,
  `<video><source onerror="window.__pwned=8"></video><audio src=x onerror="window.__pwned=9">`,
  '[data](data:text/html,<script>alert(1)</script>)',
  '<details open ontoggle="window.__pwned=10">x</details>',
  '<math><mtext><table><mglyph><style><img src=x onerror="window.__pwned=11">',
  '$\\href{javascript:alert(1)}{click}$ and $$<img src=x onerror=alert(1)>$$',
  '[P2](javascript:alert(1)) `<script>alert(1)</script>`',
  '```html\n<script>window.__pwned=12</script>\n```',
];

const hostileTitle = (t: string) => `<img src="${t}/title.png" onerror="window.__pwned=20">Paper <script>alert(20)</script>`;

/** Every way the page could have run or loaded something it should not have. */
async function assertClean(p: Panel, what: string): Promise<void> {
  const { page } = p;
  assert.equal(await page.evaluate('window.__pwned'), undefined, `${what}: no payload ran`);
  assert.deepEqual(p.dialogs, [], `${what}: no alert opened`);
  assert.deepEqual(p.errors, [], `${what}: no script error`);
  assert.deepEqual(trackerHits, [], `${what}: the tracker got no request`);
  assert.deepEqual(p.requests.filter((u) => !u.startsWith(siteUrl + '/')), [], `${what}: nothing requested from another origin`);
  // Sanitising, not only the CSP, stopped them: the CSP had nothing to block.
  assert.deepEqual(await page.evaluate('window.__csp'), [], `${what}: no CSP violation`);
  const forbidden = 'script, style, img, iframe, object, embed, form, input, svg, math, video, audio, link, meta, base, source';
  assert.equal(await page.locator(`#header :is(${forbidden}), #notice :is(${forbidden}), #conversation :is(${forbidden})`).count(), 0, `${what}: no forbidden element`);
  const badAttrs = await page.evaluate(`[...document.querySelectorAll('#header *, #notice *, #conversation *')].flatMap((e) => [...e.attributes].map((a) => a.name)).filter((n) => n.startsWith('on') || n === 'style' || n === 'src' || n === 'srcset')`);
  assert.deepEqual(badAttrs, [], `${what}: no event handler, style or src attribute`);
  const hrefs = (await page.evaluate(`[...document.querySelectorAll('#conversation a')].map((a) => a.getAttribute('href'))`)) as (string | null)[];
  for (const h of hrefs) assert.match(h ?? '', /^(https?:|mailto:|#)/i, `${what}: link ${h}`);
  assert.equal(await page.evaluate('document.styleSheets.length'), (await page.locator('link[rel=stylesheet]').count()), `${what}: only the panel's own stylesheets`);
  assert.ok(await page.locator('#question').isVisible(), `${what}: the panel is still shown`);
}

test('the ready handshake comes first, and malformed host messages are ignored', async () => {
  const p = await openPanel();
  await shows(p.page, '');
  assert.deepEqual((await p.posted())[0], { type: 'ready' });
  await p.send({ type: 'state', state: conversation([question('a1', 'Hello?')]) });
  await shows(p.page, 'Hello?');
  for (const junk of [{ type: 'state', state: { title: 'x' } }, { type: 'delta', turnId: 'a1:q' }, { type: 'eval', code: 'window.__pwned=1' }, 'state', null]) {
    await p.page.evaluate(`window.postMessage(${JSON.stringify(junk)}, '*')`);
  }
  await p.page.evaluate('new Promise((r) => setTimeout(r, 50))');
  assert.match(await p.page.locator('#conversation').innerText(), /Hello\?/);
  await assertClean(p, 'junk');
  await p.page.close();
});

test('hostile model output, source titles, questions, errors and notices execute nothing and load nothing', async () => {
  const p = await openPanel();
  const hostile = payloads(trackerUrl);
  const source = { title: hostileTitle(trackerUrl), kind: '<b onmouseover=alert(1)>pdf</b>' };
  await p.send({
    type: 'state',
    state: conversation([question('h1', hostile.join('\n'))], { source, modelLabel: `<img src=${trackerUrl}/model.png>`, task: { id: 'x', title: '<script>alert(1)</script>' } }),
  });
  // Stream the payloads piece by piece: half-written tags must not slip through the plain-text tail.
  await p.send({ type: 'turnStarted', turn: streaming('h1') });
  for (const piece of hostile.join('\n\n').match(/[\s\S]{1,7}/g) ?? []) await p.send({ type: 'delta', turnId: 'h1', text: piece });
  await p.send({
    type: 'turnFinished',
    turn: { id: 'h1', role: 'assistant', status: 'done', content: hostile.join('\n\n') + '\n\nSee [P2].', citations: [{ id: 'P2', label: '<img src=x onerror=alert(1)>', valid: true }] },
  });
  await p.send({ type: 'turnStarted', turn: streaming('h2') });
  await p.send({ type: 'delta', turnId: 'h2', text: hostile[1] });
  await p.send({ type: 'turnFailed', turnId: 'h2', message: `<img src="${trackerUrl}/err.png" onerror="window.__pwned=30">Rate limited`, partial: hostile[1], retryable: true });
  await p.send({ type: 'notice', text: `<img src="${trackerUrl}/notice.png" onerror="window.__pwned=31">`, kind: 'error' });
  await shows(p.page, 'Rate limited');
  await p.page.evaluate('new Promise((r) => setTimeout(r, 250))');
  await assertClean(p, 'hostile content');
  // The payloads are shown as text, not dropped silently.
  assert.match(await p.page.locator('#header').innerText(), /<img src=.*Paper <script>/);
  assert.match(await p.page.locator('#notice').innerText(), /<img src=/);
  assert.match(await p.page.locator('[data-turn="h1:q"]').innerText(), /<script>window.__pwned = 1/);
  assert.match(await p.page.locator('[data-turn="h1"]').innerText(), /\[image: tracker\]/);
  await p.page.close();
});

test('deeply nested and huge Markdown renders in bounded time and the panel stays responsive', async () => {
  const p = await openPanel();
  const nested = '>'.repeat(5000) + ' deep quote\n\n' + '- '.repeat(5000) + 'deep list\n\n' + '['.repeat(10_000) + '\n\n' + '*a '.repeat(20_000) + '\n\n' + '$a '.repeat(20_000) + '\n\n' + '`'.repeat(5000);
  const t0 = Date.now();
  await p.send({ type: 'state', state: conversation([question('n1', 'Nest?'), { id: 'n1', role: 'assistant', content: nested, status: 'done' }]) });
  assert.equal(await p.page.evaluate('1 + 1'), 2);
  // The same, streamed: the tail and the throttled render both face it.
  await p.send({ type: 'turnStarted', turn: streaming('n2') });
  for (let i = 0; i < nested.length; i += 20_000) await p.send({ type: 'delta', turnId: 'n2', text: nested.slice(i, i + 20_000) });
  await p.send({ type: 'turnFinished', turn: { id: 'n2', role: 'assistant', content: nested, status: 'done' } });
  assert.equal(await p.page.evaluate('1 + 1'), 2);
  const huge = 'word '.repeat(60_000);
  await p.send({ type: 'turnFinished', turn: { id: 'n3', role: 'assistant', content: huge, status: 'done' } });
  await shows(p.page, 'shown as plain text');
  assert.equal(await p.page.evaluate('1 + 1'), 2);
  const ms = Date.now() - t0;
  console.log(`# nested (${nested.length.toLocaleString()} chars, twice) and huge (${huge.length.toLocaleString()} chars) answers: ${ms} ms until responsive`);
  // A freeze detector, not a speed target: a hang would take minutes.
  assert.ok(ms < 10_000, `${ms} ms`);
  await assertClean(p, 'nested');
  await p.page.close();
});

test('citations: real ones open their passage, invented ones are flagged, code is left alone', async () => {
  const p = await openPanel();
  await p.send({
    type: 'state',
    state: conversation([
      question('c1', 'What is the KL term for?'),
      {
        id: 'c1',
        role: 'assistant',
        status: 'done',
        content: 'The KL term keeps the policy close [P2; P9]. See also [P4] and `[P2]` in code.',
        citations: [{ id: 'P2', label: 'p. 6', valid: true }, { id: 'P9', label: 'P9', valid: false }],
      },
    ]),
  });
  await shows(p.page, 'keeps the policy');
  await p.page.getByRole('button', { name: 'Citation p. 6: open it in the source' }).click();
  const invalid = p.page.locator('button.citation.invalid');
  assert.equal(await invalid.count(), 2, 'P9 (marked invalid) and P4 (unknown)');
  assert.match(await invalid.first().innerText(), /P9\? \(no such passage\)/);
  await invalid.first().click({ force: true });
  assert.deepEqual((await p.posted()).filter((m) => m.type === 'openCitation'), [{ type: 'openCitation', turnId: 'c1', passageId: 'P2' }]);
  assert.equal(await p.page.locator('code', { hasText: '[P2]' }).count(), 1);
  await p.page.close();
});

test('the controls post typed messages: ask, stop, save with the edited text, rate, copy, critique, retry', async () => {
  const p = await openPanel();
  const { page } = p;
  const answerText = 'An answer worth keeping.';
  await p.send({ type: 'state', state: conversation([question('s1', 'First?'), { id: 's1', role: 'assistant', content: answerText, status: 'done' }]) });
  await shows(page, answerText);
  // Question box: Enter sends, Shift+Enter is a new line, Ctrl+Enter sends too.
  await page.locator('#question').fill('A follow-up?');
  await page.locator('#question').press('Shift+Enter');
  assert.equal(await page.locator('#question').inputValue(), 'A follow-up?\n');
  await page.locator('#question').press('Enter');
  assert.equal(await page.locator('#question').inputValue(), '');
  await page.locator('#question').fill('Another?');
  await page.locator('#question').press('Control+Enter');
  // Save: the editor opens prefilled and focused; Cancel closes it without posting.
  const saveButton = page.getByRole('button', { name: 'Edit this answer and save it to the dataset' });
  await saveButton.click();
  const editor = page.locator('textarea[id^="edit-"]');
  assert.equal(await editor.inputValue(), answerText);
  assert.equal(await page.evaluate(`document.activeElement?.id.startsWith('edit-')`), true, 'the editor has the focus');
  await page.getByRole('button', { name: 'Close without saving' }).click();
  assert.equal(await editor.count(), 0);
  await saveButton.click();
  await editor.fill('My corrected answer.');
  await page.getByRole('button', { name: 'Save this version as an instance' }).click();
  await p.send({ type: 'saved', turnId: 's1', instanceId: 'inst1' });
  await page.waitForSelector('textarea[id^="edit-"]', { state: 'detached' });
  assert.match(await page.locator('[data-turn="s1"] .actions').innerText(), /Saved/);
  // Rating with and without a reason.
  await page.getByRole('button', { name: 'Rate this answer bad' }).click();
  await page.locator('.reason input').fill('too vague');
  await page.locator('.reason input').press('Enter');
  await page.getByRole('button', { name: 'Rate this answer good' }).click();
  await page.locator('.reason input').press('Enter');
  await page.getByRole('button', { name: 'Copy this answer' }).click();
  await page.getByRole('button', { name: 'Critique this answer: how could it fail?' }).click();
  // Streaming: Stop is shown (and Escape in the question box stops too); Ask waits.
  await p.send({ type: 'turnStarted', turn: streaming('s2') });
  await page.locator('#stop').waitFor({ state: 'visible' });
  await page.locator('#stop').click();
  await page.locator('#question').fill('Too soon?');
  await page.locator('#question').press('Enter');
  await page.locator('#question').press('Escape');
  // A failure keeps the partial answer and offers Retry.
  await p.send({ type: 'delta', turnId: 's2', text: 'Half an ans' });
  await p.send({ type: 'turnFailed', turnId: 's2', message: 'The server closed the stream.', partial: 'Half an ans', retryable: true });
  await shows(page, 'The server closed the stream.');
  assert.match(await page.locator('[data-turn="s2"] .body').innerText(), /Half an ans/);
  await page.locator('#stop').waitFor({ state: 'hidden' });
  await page.getByRole('button', { name: 'Retry this answer' }).click();
  const posted = (await p.posted()).map((m) => JSON.stringify(m));
  const expected: WebviewToHost[] = [
    { type: 'ready' },
    { type: 'ask', question: 'A follow-up?' },
    { type: 'ask', question: 'Another?' },
    { type: 'save', turnId: 's1', editedText: 'My corrected answer.' },
    { type: 'rate', turnId: 's1', value: 'bad', reason: 'too vague' },
    { type: 'rate', turnId: 's1', value: 'good' },
    { type: 'copy', turnId: 's1' },
    { type: 'critique', turnId: 's1' },
    { type: 'stop' },
    { type: 'stop' },
    { type: 'retry', turnId: 's2' },
  ];
  assert.deepEqual(posted, expected.map((m) => JSON.stringify(m)), 'exactly these messages, in this order');
  assert.deepEqual(p.errors, []);
  await page.close();
});

test('inside an iframe with the webview sandbox: Enter and the Ask button send the question, Save sends the edit', async () => {
  const page = await browser.newPage();
  const console: string[] = [];
  page.on('console', (m) => console.push(m.text()));
  await page.addInitScript({
    content: `
      window.__posted = [];
      window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))), getState: () => undefined, setState: () => {} });`,
  });
  await page.goto(`${siteUrl}/in-webview-frame`);
  const frame = page.frameLocator('#active-frame');
  const inner = () => page.frames().find((f) => f !== page.mainFrame())!;
  assert.equal(await page.locator('#active-frame').getAttribute('sandbox'), WEBVIEW_CONTENT_SANDBOX);
  await frame.locator('#question').waitFor();
  for (let i = 0; i < 250 && !(await inner().evaluate('window.__posted.length')); i++) await new Promise((r) => setTimeout(r, 20));
  const answer = 'A sandboxed answer.';
  await inner().evaluate(`window.postMessage(${JSON.stringify({ type: 'state', state: conversation([question('w1', 'First?'), { id: 'w1', role: 'assistant', content: answer, status: 'done' }]) })}, '*')`);
  await frame.locator('[data-turn="w1"]', { hasText: answer }).waitFor();
  await frame.locator('#question').click();
  await page.keyboard.type('By Enter?');
  await page.keyboard.press('Enter');
  await frame.locator('#question').click();
  await page.keyboard.type('By click?');
  await frame.getByRole('button', { name: 'Send the question' }).click();
  await frame.getByRole('button', { name: 'Edit this answer and save it to the dataset' }).click();
  await page.keyboard.press('Control+A');
  await page.keyboard.type('Line one');
  await page.keyboard.press('Enter');
  await page.keyboard.type('line two');
  await frame.getByRole('button', { name: 'Save this version as an instance' }).click();
  for (let i = 0; i < 250 && ((await inner().evaluate('window.__posted.length')) as number) < 4; i++) await new Promise((r) => setTimeout(r, 20));
  const posted = (await inner().evaluate('window.__posted')) as WebviewToHost[];
  assert.deepEqual(posted, [
    { type: 'ready' },
    { type: 'ask', question: 'By Enter?' },
    { type: 'ask', question: 'By click?' },
    { type: 'save', turnId: 'w1', editedText: 'Line one\nline two' },
  ]);
  const blocked = console.filter((l) => /\bblocked\b/i.test(l));
  assert.deepEqual(blocked, [], `the sandbox blocked nothing: ${blocked.join(' | ')}`);
  await page.close();
});

test('keyboard: every control is reachable with Tab and shows a focus ring', async () => {
  const p = await openPanel();
  await p.send({ type: 'state', state: conversation([question('k1', 'Q?'), { id: 'k1', role: 'assistant', content: 'Answer [P1].', status: 'done', citations: [{ id: 'P1', label: 'p. 2', valid: true }] }]) });
  await shows(p.page, 'Answer');
  const names: string[] = [];
  await p.page.locator('body').focus();
  for (let i = 0; i < 10; i++) {
    await p.page.keyboard.press('Tab');
    names.push(String(await p.page.evaluate(`(() => { const e = document.activeElement; return (e.getAttribute('aria-label') || e.id || e.tagName) + '|' + getComputedStyle(e).outlineStyle; })()`)));
  }
  const reached = names.map((n) => n.split('|')[0]);
  for (const name of ['Start a new conversation about the same source', 'Citation p. 2: open it in the source', 'Source p. 2: open it in the source', 'Edit this answer and save it to the dataset', 'Rate this answer good', 'Rate this answer bad', 'Copy this answer', 'Critique this answer: how could it fail?', 'question', 'Send the question']) {
    assert.ok(reached.includes(name), `Tab reaches ${name}: ${reached.join(', ')}`);
  }
  for (const n of names) assert.ok(!n.endsWith('|none'), `focus is visible on ${n}`);
  await p.page.close();
});

test('a reloaded panel comes back from its saved state with the conversation and the drafts', async () => {
  const p = await openPanel();
  await p.send({ type: 'state', state: conversation([question('r1', 'Kept?'), { id: 'r1', role: 'assistant', content: 'Kept **answer**.', status: 'done' }]) });
  await shows(p.page, 'Kept answer.');
  await p.page.getByRole('button', { name: 'Edit this answer and save it to the dataset' }).click();
  await p.page.locator('textarea[id^="edit-"]').fill('Half-edited');
  await p.page.locator('#question').fill('Unsent question');
  await p.page.evaluate('new Promise((r) => setTimeout(r, 400))');
  await p.page.reload();
  await shows(p.page, 'Kept answer.');
  assert.equal(await p.page.locator('#question').inputValue(), 'Unsent question');
  assert.equal(await p.page.locator('textarea[id^="edit-"]').inputValue(), 'Half-edited');
  assert.deepEqual(await p.posted(), [{ type: 'ready' }], 'the reloaded panel asks the host for its state');
  await p.page.close();
});

/** About 5,000 tokens of a realistic answer: prose, lists, code, maths and citations. */
function longAnswer(): string[] {
  const words = 'the reward model is trained on human comparisons and the policy is optimised against it with a KL penalty that keeps it near the supervised baseline'.split(' ');
  const tokens: string[] = [];
  let i = 0;
  while (tokens.length < 5000) {
    const block = i % 6;
    if (block === 0) tokens.push(`\n\n## Section ${i / 6 + 1}\n\n`);
    else if (block === 3) tokens.push('\n\n- ', 'first ', 'point ', '[P2]', '\n- ', 'second ', 'point ', '$\\beta$', '\n\n');
    else if (block === 5) tokens.push('\n\n```python\n', 'loss ', '= ', 'reward ', '- ', 'beta ', '* ', 'kl', '\n```\n\n');
    else for (let w = 0; w < 60; w++) tokens.push(words[(w + i) % words.length] + (w % 17 === 16 ? '. ' : ' '));
    i++;
  }
  return tokens.slice(0, 5000);
}

test('turn events: "Answer streaming…" is announced, a rating stays on its turn, the header follows the model', async () => {
  const p = await openPanel();
  const { page } = p;
  await p.send({ type: 'state', state: conversation([], { modelLabel: 'no model configured', needsModel: true }) });
  await page.getByRole('button', { name: /Configure a model/ }).waitFor();
  await p.send({ type: 'header', modelLabel: 'fake-model · 127.0.0.1', needsModel: false });
  await page.locator('#header', { hasText: 'fake-model' }).waitFor();
  assert.equal(await page.getByRole('button', { name: /Configure a model/ }).count(), 0, 'the header no longer offers Configure Model…');
  await p.send({ type: 'turnStarted', turn: question('v1', 'What is the claim?') });
  await p.send({ type: 'turnStarted', turn: streaming('v1') });
  const status = page.locator('#status');
  await status.filter({ hasText: 'Answer streaming…' }).waitFor({ timeout: 5000 });
  await p.send({ type: 'delta', turnId: 'v1', text: 'Honesty is the equilibrium.' });
  await p.send({ type: 'turnFinished', turn: { id: 'v1', role: 'assistant', status: 'done', content: 'Honesty is the equilibrium.' } });
  await status.filter({ hasText: 'Answer finished.' }).waitFor({ timeout: 5000 });
  await p.send({ type: 'rated', turnId: 'v1', value: 'good' });
  const good = page.locator('[data-turn="v1"]').getByRole('button', { name: /Rate this answer good \(current rating\)/ });
  await good.waitFor();
  // A later turn arrives by its own events: the rated one is left as it is.
  await p.send({ type: 'turnStarted', turn: question('v2', 'And the judge?') });
  await p.send({ type: 'turnStarted', turn: streaming('v2') });
  await p.send({ type: 'turnFinished', turn: { id: 'v2', role: 'assistant', status: 'done', content: 'The judge decides.' } });
  await shows(page, 'The judge decides.');
  assert.equal(await good.count(), 1, 'the rating is still shown');
  assert.equal(await page.locator('article.turn').count(), 4);
  await page.close();
});

test('citations a reader can trust: hover shows the quote, sources under the answer, labels in the editor, ids saved', async () => {
  const p = await openPanel();
  const { page } = p;
  const hostileQuote = '<img src=x onerror="window.__pwned=30">The proxy reward diverges from the gold reward.';
  const answer = 'It diverges [P31, P32].';
  await p.send({
    type: 'state',
    state: conversation([
      question('c1', 'Why does it diverge?'),
      {
        id: 'c1', role: 'assistant', status: 'done', content: answer,
        citations: [
          { id: 'P31', label: 'p. 6 ¶2', valid: true, quote: hostileQuote },
          { id: 'P32', label: '§3.2 p. 6', valid: true, quote: 'Results by model size.' },
        ],
      },
    ]),
  });
  const turn = page.locator('[data-turn="c1"]');
  const inline = turn.locator('.body').getByRole('button', { name: 'Citation p. 6 ¶2: open it in the source' });
  await inline.waitFor();
  assert.equal(await turn.locator('.body').getByRole('button', { name: /Citation §3\.2 p\. 6/ }).count(), 1, 'two passages on one page look different');
  assert.match((await inline.getAttribute('title')) ?? '', /^p\. 6 ¶2: “<img src=x onerror="window\.__pwned=30">The proxy reward diverges/, 'the hover shows the quoted text, as text');
  const sources = turn.locator('[data-part="sources"]');
  assert.match(await sources.innerText(), /Sources\s+p\. 6 ¶2 <img src=x[^\n]*The proxy reward diverges[\s\S]*§3\.2 p\. 6 Results by model size\./);
  await sources.getByRole('button', { name: 'Source §3.2 p. 6: open it in the source' }).click();
  await turn.getByRole('button', { name: 'Edit this answer and save it to the dataset' }).click();
  const area = turn.locator('textarea');
  assert.equal(await area.inputValue(), 'It diverges [p. 6 ¶2][§3.2 p. 6].', 'the editor shows labels, not ids');
  await area.fill('It drifts [p. 6 ¶2].\nAnd [§3.2 p. 6].');
  await turn.getByRole('button', { name: 'Save this version as an instance' }).click();
  const posted = await p.posted();
  assert.deepEqual(posted.find((m) => m.type === 'openCitation'), { type: 'openCitation', turnId: 'c1', passageId: 'P32' });
  assert.deepEqual(posted.find((m) => m.type === 'save'), { type: 'save', turnId: 'c1', editedText: 'It drifts [P31].\nAnd [P32].' });
  await assertClean(p, 'citation quotes');
  await page.screenshot({ path: path.join(ARTIFACTS, 'panel-citations.png') });
  await page.close();
});

test('an answer that is a list offers "Critique this idea" on each item; prose and critiques do not', async () => {
  const p = await openPanel();
  const { page } = p;
  await p.send({
    type: 'state',
    state: conversation([
      { id: 'i1', role: 'assistant', status: 'done', content: 'Ideas:\n\n1. **Probes** ask twice.\n2. Debate with a judge.\n3. Steering.' },
      { id: 'i2', role: 'assistant', status: 'done', content: 'Prose only.' },
      { id: 'i3', role: 'assistant', status: 'done', content: '- a\n- b', parentTurnId: 'i1', taskTitle: 'How could this idea fail?' },
    ]),
  });
  await shows(page, 'Steering');
  const offers = page.getByRole('button', { name: /^Critique idea \d: how could it fail\?$/ });
  assert.equal(await offers.count(), 3, 'one per item of the list, none on prose or on a critique');
  await page.getByRole('button', { name: 'Critique idea 2: how could it fail?' }).click();
  assert.deepEqual((await p.posted()).filter((m) => m.type === 'critique'), [{ type: 'critique', turnId: 'i1', item: 1 }]);
  await page.screenshot({ path: path.join(ARTIFACTS, 'panel-idea-critique.png') });
  await page.close();
});

test('a 5,000-token answer streamed through the host coalescer: few messages, few renders, all text', async () => {
  const p = await openPanel();
  const { page } = p;
  await p.send({ type: 'state', state: conversation([question('b1', 'Explain the method in detail.')]) });
  await p.send({ type: 'turnStarted', turn: streaming('b1') });
  // Count animation frames, and the frames in which the conversation's DOM changed.
  await page.evaluate(`(() => {
    const f = (window.__frames = { total: 0, changed: 0 });
    let dirty = false;
    new MutationObserver(() => { dirty = true; }).observe(document.getElementById('conversation'), { subtree: true, childList: true, characterData: true });
    const tick = () => { f.total++; if (dirty) { f.changed++; dirty = false; } if (!window.__stopFrames) requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  })()`);
  const tokens = longAnswer();
  let posts = 0;
  let chain = Promise.resolve();
  const coalescer = new DeltaCoalescer((turnId, text) => {
    posts++;
    const msg: HostToWebview = { type: 'delta', turnId, text };
    chain = chain.then(() => p.send(msg));
  });
  // A fast model: 5,000 tokens in about two seconds (10 tokens every 4 ms).
  const started = Date.now();
  for (let i = 0; i < tokens.length; i += 10) {
    for (const t of tokens.slice(i, i + 10)) coalescer.push('b1', t);
    await new Promise((r) => setTimeout(r, 4));
  }
  coalescer.flush();
  await chain;
  const streamMs = Date.now() - started;
  const full = tokens.join('');
  await p.send({ type: 'turnFinished', turn: { id: 'b1', role: 'assistant', status: 'done', content: full, citations: [{ id: 'P2', label: 'p. 6', valid: true }] } });
  await shows(page, 'Section');
  await page.evaluate('new Promise((r) => setTimeout(r, 150))');
  const stats = (await page.evaluate('({ ...window.__panelStats(), frames: window.__frames })')) as {
    markdownRenders: number;
    tailAppends: number;
    deltasReceived: number;
    frames: { total: number; changed: number };
  };
  await page.evaluate('window.__stopFrames = true');
  console.log(
    `# 5,000 tokens (${full.length.toLocaleString()} chars) over ${streamMs} ms: ${posts} delta messages from the coalescer, ` +
      `${stats.deltasReceived} received, ${stats.markdownRenders} Markdown renders, ${stats.tailAppends} plain-text appends, ` +
      `DOM changed in ${stats.frames.changed} of ${stats.frames.total} frames`,
  );
  assert.equal(stats.deltasReceived, posts);
  assert.ok(posts < tokens.length / 10, `${posts} messages for ${tokens.length} tokens`);
  // At most one Markdown render per 100 ms of streaming, plus the first and the final one.
  assert.ok(stats.markdownRenders <= Math.ceil(streamMs / 100) + 3, `${stats.markdownRenders} renders in ${streamMs} ms`);
  // The DOM changes when a message arrives (plain text) or a throttled render runs: never more often.
  assert.ok(stats.frames.changed <= posts + stats.markdownRenders + 2, `${stats.frames.changed} frames changed`);
  // Nothing lost: the rendered answer has the last words and the final citations.
  const text = await page.locator('[data-turn="b1"] .body').innerText();
  assert.match(text, new RegExp(`Section ${Math.floor(tokens.filter((t) => t.includes('## Section')).length)}`));
  assert.ok(await page.getByRole('button', { name: 'Citation p. 6: open it in the source' }).count() > 0);
  await page.close();
});

test('screenshots: a streamed answer at 480 px and at 300 px (test-artifacts/)', async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const answer = [
    '**The KL penalty** keeps the policy close to the supervised model [P2], which matters because the reward model is only reliable near the data it was trained on [P5].',
    '',
    '- It acts like an entropy bonus, so outputs stay diverse.',
    '- It stops the policy from exploiting the reward model ([P9] shows overoptimisation).',
    '',
    'The objective is $R(x, y) - \\beta \\log \\frac{\\pi(y|x)}{\\pi_0(y|x)}$:',
    '',
    '```python',
    'loss = reward - beta * kl',
    '```',
    '',
    '> Without it, summaries drift into text the reward model overrates.',
  ].join('\n');
  for (const [width, height, file] of [[480, 900, 'panel.png'], [300, 1100, 'panel-300.png']] as const) {
    const p = await openPanel(width, height);
    await p.send({
      type: 'state',
      state: conversation([
        question('v1', 'Why does the method add a KL penalty to the reward?'),
        { id: 'v1', role: 'assistant', status: 'done', content: answer, citations: [{ id: 'P2', label: 'p. 6', valid: true }, { id: 'P5', label: '§3.2', valid: true }, { id: 'P9', label: 'P9', valid: false }], rating: 'good' },
        question('v2', 'How large is beta in their experiments?'),
      ]),
    });
    await p.send({ type: 'turnStarted', turn: streaming('v2') });
    for (const piece of ['They use ', '**β = 0.05** ', 'for the 1.3B ', 'model [P7] and tune it ', 'per model size; ', 'larger values ', 'reduce reward hacking'])
      await p.send({ type: 'delta', turnId: 'v2', text: piece });
    await shows(p.page, 'reduce reward hacking');
    // After the throttled render: the streamed text as Markdown, its citation still pending.
    await p.page.locator('[data-turn="v2"] strong').waitFor();
    await p.page.evaluate('document.fonts.ready.then(() => window.scrollTo(0, 0))');
    await p.page.screenshot({ path: path.join(ARTIFACTS, file) });
    // Readable when narrow: nothing wider than the panel.
    const overflow = await p.page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    assert.equal(overflow, 0, `no horizontal scrolling at ${width} px`);
    await assertClean(p, `screenshot ${width}`);
    await p.page.close();
  }
});
