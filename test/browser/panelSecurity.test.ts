// The research panel's front end in a real headless Chromium, under the CSP the extension serves:
// hostile model output and paper text must not execute, must not load anything from outside, and
// must not freeze the panel. Also checks the panel's own controls post the right messages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { panelHtml } from '../../src/host/panel/panelHtml';
import type { ConversationState, HostToWebview } from '../../src/protocol/panelProtocol';

const MEDIA = path.resolve(__dirname, '..', '..', 'media');
let site: http.Server;
let beacon: http.Server;
let siteUrl = '';
let beaconUrl = '';
const beaconHits: string[] = [];
let browser: Browser;
let profile: string;

function listen(server: http.Server): Promise<string> {
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

before(async () => {
  assert.ok(fs.existsSync(path.join(MEDIA, 'panel.js')), 'media/panel.js is built (node esbuild.mjs)');
  beacon = http.createServer((req, res) => {
    beaconHits.push(req.url ?? '');
    res.end('');
  });
  beaconUrl = await listen(beacon);
  site = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (url === '/') {
      const html = panelHtml({ cspSource: siteUrl, nonce: 'testnonce0123456789abcdef', scriptUri: `${siteUrl}/panel.js`, styleUri: `${siteUrl}/panel.css`, codiconsUri: `${siteUrl}/codicons/codicon.css`, title: 'Panel' });
      res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    } else if (['/panel.js', '/panel.css', '/codicons/codicon.css', '/codicons/codicon.ttf'].includes(url)) {
      const type = url.endsWith('.js') ? 'text/javascript' : url.endsWith('.css') ? 'text/css' : 'font/ttf';
      res.writeHead(200, { 'content-type': type }).end(fs.readFileSync(path.join(MEDIA, url.slice(1))));
    } else res.writeHead(404).end();
  });
  siteUrl = await listen(site);
  profile = fs.mkdtempSync(path.join(os.tmpdir(), 'align-browser-'));
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
});

after(async () => {
  await browser?.close();
  site?.close();
  beacon?.close();
  fs.rmSync(profile, { recursive: true, force: true });
});

/** Opens the panel with a stand-in for VS Code's webview API that records what the panel posts. */
async function openPanel(): Promise<{ page: Page; posted: () => Promise<unknown[]>; send: (m: HostToWebview) => Promise<void>; requests: string[]; dialogs: string[] }> {
  const page = await browser.newPage({ viewport: { width: 420, height: 700 } });
  const requests: string[] = [];
  const dialogs: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  if (process.env.DEBUG_PANEL) {
    page.on('console', (m) => console.log('[console]', m.text()));
    page.on('pageerror', (e) => console.log('[pageerror]', e.message));
  }
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  // Strings, not functions: tsx's compiled functions reference helpers the page does not have.
  await page.addInitScript({
    content: `window.__posted = []; let __state; window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m), getState: () => __state, setState: (s) => { __state = s; } });`,
  });
  await page.goto(siteUrl);
  return {
    page,
    requests,
    dialogs,
    posted: () => page.evaluate('window.__posted') as Promise<unknown[]>,
    send: (m) => page.evaluate(`window.postMessage(${JSON.stringify(m)}, '*')`) as Promise<void>,
  };
}

const PAYLOADS = [
  '<script>window.__pwned = 1; alert(1)</script>',
  '<img src=x onerror="window.__pwned = 2">',
  '[click me](javascript:window.__pwned=3)',
  '<svg onload="window.__pwned = 4"><script>window.__pwned = 5</script></svg>',
  '<style>body { display: none !important }</style>',
  '<a href="#" style="position:fixed;inset:0" onclick="window.__pwned=6">overlay</a>',
  `![tracker](${'BEACON'}/pixel.png)`,
  `<img src="${'BEACON'}/img.png">`,
  `<iframe src="${'BEACON'}/frame"></iframe>`,
  `[link](data:text/html,<script>alert(1)</script>)`,
  '<details open ontoggle="window.__pwned=7">x</details>',
  '<math><mtext><table><mglyph><style><img src=x onerror="window.__pwned=8">',
];

function state(content: string, sourceTitle: string): ConversationState {
  return {
    title: 'Hostile',
    task: { id: 'paper-qa', title: 'Paper question answering' },
    source: { title: sourceTitle, kind: 'pdf' },
    modelLabel: 'fake-model',
    turns: [
      { id: 'q1:q', role: 'researcher', content: 'What does the paper say? <img src=x onerror="window.__pwned=9">', status: 'done' },
      { id: 'q1', role: 'assistant', content, status: 'done', citations: [{ id: 'P2', label: 'p. 6', valid: true }, { id: 'P9', label: 'P9', valid: false }] },
    ],
  };
}

test('hostile model output, paper titles and questions execute nothing and load nothing from outside', async () => {
  const { page, posted, send, requests, dialogs } = await openPanel();
  const content = [...PAYLOADS.map((p) => p.replace(/BEACON/g, beaconUrl)), 'The answer cites [P2] and an invented [P9].'].join('\n\n');
  await send({ type: 'state', state: state(content, `<img src="${beaconUrl}/title.png" onerror="window.__pwned=10">Paper`) });
  // Stream more hostile text into the same answer.
  await send({ type: 'state', state: { ...state('', 'x'), turns: [{ id: 'q2', role: 'assistant', content: '', status: 'streaming' }] } });
  for (const p of PAYLOADS) await send({ type: 'delta', turnId: 'q2', text: p.replace(/BEACON/g, beaconUrl) + '\n\n' });
  await page.waitForTimeout(400);
  await send({ type: 'state', state: state(content, 'Paper') });
  await page.waitForTimeout(200);
  const pwned = await page.evaluate('window.__pwned');
  assert.equal(pwned, undefined, 'no payload ran');
  assert.deepEqual(dialogs, [], 'no alert opened');
  assert.deepEqual(beaconHits, [], 'the "remote" server got no request');
  assert.deepEqual(requests.filter((u) => !u.startsWith(siteUrl)), [], 'nothing loaded from another origin');
  assert.equal(await page.locator('script:not([nonce])').count(), 0);
  assert.equal(await page.locator('main img, main iframe, main svg, main style').count(), 0);
  assert.equal(await page.locator('a[href^="javascript:"], a[href^="data:"]').count(), 0);
  assert.ok(await page.locator('body').isVisible(), 'the page is still shown');
  // Citations: the real one is a button that opens the passage; the invented one is flagged.
  await page.locator('button.citation:not(.invalid)', { hasText: 'p. 6' }).first().click();
  assert.ok((await posted()).some((m) => JSON.stringify(m) === JSON.stringify({ type: 'openCitation', turnId: 'q1', passageId: 'P2' })));
  assert.equal(await page.locator('button.citation.invalid', { hasText: 'P9?' }).count(), 1);
  await page.close();
});

test('deeply nested and huge Markdown does not freeze the panel', async () => {
  const { page, send } = await openPanel();
  const nested = '>'.repeat(5000) + ' deep\n\n' + '- '.repeat(3000) + 'list\n\n' + '['.repeat(10000) + '\n\n' + '*a '.repeat(20000);
  const t0 = Date.now();
  await send({ type: 'state', state: state(nested, 'Nested') });
  assert.equal(await page.evaluate('1 + 1'), 2);
  const huge = 'word '.repeat(60_000);
  await send({ type: 'state', state: state(huge, 'Huge') });
  assert.equal(await page.evaluate('1 + 1'), 2);
  assert.match(await page.locator('main').innerText(), /shown as plain text/);
  assert.ok(Date.now() - t0 < 10_000, 'rendered in bounded time');
  await page.close();
});

test('the controls post typed messages: ready, ask, save with the edited text, rate, stop', async () => {
  const { page, posted, send } = await openPanel();
  await send({ type: 'state', state: state('An answer worth keeping.', 'Paper') });
  await page.locator('#question').fill('A follow-up?');
  await page.locator('#question').press('Enter');
  await page.getByRole('button', { name: 'Edit this answer and save it to the dataset' }).click();
  await page.locator('textarea[id^="edit-"]').fill('My corrected answer.');
  await page.getByRole('button', { name: 'Save this version as an instance' }).click();
  await page.getByRole('button', { name: 'Rate this answer bad' }).click();
  await page.locator('.reason input').fill('too vague');
  await page.locator('.reason input').press('Enter');
  await send({ type: 'state', state: { ...state('', 'Paper'), turns: [{ id: 's1', role: 'assistant', content: 'partial', status: 'streaming' }] } });
  await page.locator('#stop').click();
  const msgs = (await posted()).map((m) => JSON.stringify(m));
  for (const expected of [
    { type: 'ready' },
    { type: 'ask', question: 'A follow-up?' },
    { type: 'save', turnId: 'q1', editedText: 'My corrected answer.' },
    { type: 'rate', turnId: 'q1', value: 'bad', reason: 'too vague' },
    { type: 'stop' },
  ]) {
    assert.ok(msgs.includes(JSON.stringify(expected)), `posted ${JSON.stringify(expected)}; got ${msgs.join(' ')}`);
  }
  const artifacts = path.resolve(__dirname, '..', '..', 'test-artifacts');
  fs.mkdirSync(artifacts, { recursive: true });
  await send({ type: 'state', state: state('**The KL penalty** keeps the policy close to its initial distribution [P2].\n\n- It acts as an entropy bonus.\n- It keeps outputs where the reward model is reliable.\n\n```python\nloss = reward - beta * kl\n```', 'Learning to summarize from human feedback') });
  await page.screenshot({ path: path.join(artifacts, 'panel-narrow.png') });
  await page.close();
});
